// f32-gmoments-cw: the mean and the biased variance of every NCHW plane, the statistics of a
// GroupNorm whose groups are single channels (shuffle attention's gn). Two passes over a plane, the
// second reading it from cache:
// - the mean as x0 + Σ(x − x0)/n with x0 the plane's first value: the sum is of deviations, so its
//   rounding is relative to the spread, not to |mean| (a plane of 1000 + 0.01·noise keeps its mean
//   to a few ulps of 1000);
// - the variance by the corrected two-pass formula (Chan, Golub & LeVeque, "Algorithms for
//   computing the sample variance", 1983): (Σd² − (Σd)²/n)/n with d = x − mean, which cancels the
//   mean's own rounding to first order. The one-pass Σx²/n − mean² would lose every digit of such
//   a plane's variance to cancellation.

import { hsum, madd } from "../simd";

/** (mean, biased variance) of the n floats at p, as lanes 0 and 1. */
export function planeMoments(p: usize, n: i32): v128 {
  const x0 = load<f32>(p), shift = f32x4.splat(x0);
  const end16 = p + (<usize>(n & ~15) << 2), end4 = end16 + (<usize>(n & 12) << 2), tail = n & 3;
  let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0;
  let q = p;
  for (; q < end16; q += 64) {
    s0 = f32x4.add(s0, f32x4.sub(v128.load(q), shift)); s1 = f32x4.add(s1, f32x4.sub(v128.load(q, 16), shift));
    s2 = f32x4.add(s2, f32x4.sub(v128.load(q, 32), shift)); s3 = f32x4.add(s3, f32x4.sub(v128.load(q, 48), shift));
  }
  for (; q < end4; q += 16) s0 = f32x4.add(s0, f32x4.sub(v128.load(q), shift));
  let sum = hsum(f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3)));
  for (let i = 0; i < tail; i++) sum += load<f32>(q + (<usize>i << 2)) - x0;
  const mean = x0 + sum / <f32>n;
  const m = f32x4.splat(mean);
  let d0 = f32x4.splat(0), d1 = d0, q0 = d0, q1 = d0;
  for (q = p; q < end16; q += 32) {
    const a = f32x4.sub(v128.load(q), m), b = f32x4.sub(v128.load(q, 16), m);
    d0 = f32x4.add(d0, a); d1 = f32x4.add(d1, b);
    q0 = madd(a, a, q0); q1 = madd(b, b, q1);
  }
  for (; q < end4; q += 16) {
    const a = f32x4.sub(v128.load(q), m);
    d0 = f32x4.add(d0, a);
    q0 = madd(a, a, q0);
  }
  let deviations = hsum(f32x4.add(d0, d1)), squares = hsum(f32x4.add(q0, q1));
  for (let i = 0; i < tail; i++) {
    const d = load<f32>(q + (<usize>i << 2)) - mean;
    deviations += d;
    squares += d * d;
  }
  // ≥ 0 as rounding may leave it just below (NaN stays NaN), as ATen clamps it
  return f32x4(mean, Mathf.max((squares - deviations * deviations / <f32>n) / <f32>n, 0), 0, 0);
}

/** mean[p] and the biased variance var[p] of every plane p of hw floats. */
export function f32_gmoments_cw(x: usize, planes: i32, hw: i32, mean: usize, variance: usize): void {
  const bytes = <usize>hw << 2;
  for (let i = 0; i < planes; i++, x += bytes, mean += 4, variance += 4) {
    const v = planeMoments(x, hw);
    store<f32>(mean, f32x4.extract_lane(v, 0));
    store<f32>(variance, f32x4.extract_lane(v, 1));
  }
}
