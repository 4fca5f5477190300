// Small v128 helpers shared by the kernels.

/** a*b + c; fused (one rounding) when the module is built with relaxed SIMD. */
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** Sum of the four lanes. */
@inline export function hsum(v: v128): f32 {
  const s = f32x4.add(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1);
}

/** Max of the four lanes (NaN-propagating, as torch.max). */
@inline export function hmax(v: v128): f32 {
  const m = f32x4.max(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1));
  return Mathf.max(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1));
}

/** Stores the first `lanes` (1..3) lanes of `v` at `ptr`: the end of a row that is not a multiple of 4. */
@inline export function storeLanes(ptr: usize, v: v128, lanes: i32): void {
  v128.store_lane<f32>(ptr, v, 0);
  if (lanes > 1) v128.store_lane<f32>(ptr, v, 1, 4);
  if (lanes > 2) v128.store_lane<f32>(ptr, v, 2, 8);
}
