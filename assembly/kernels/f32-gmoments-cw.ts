// f32-gmoments-cw: the mean and the biased variance of every NCHW plane, the statistics of a
// GroupNorm whose groups are single channels (shuffle attention's gn). Two passes over a plane, the
// second reading it from cache: the mean, then the variance by the corrected two-pass formula
// (Chan, Golub & LeVeque, "Algorithms for computing the sample variance", 1983),
// (Σd² − (Σd)²/n)/n with d = x − mean, which cancels the mean's own rounding to first order. Both
// sums run in blocks of BLOCK floats, so that the rounding of a partial sum grows with BLOCK rather
// than with the plane. (The one-pass Σx²/n − mean² would lose every digit of the variance of a
// plane of 1000 + 0.001·noise to cancellation.)

import { hsum, madd } from "../simd";
import { planeSum } from "./f32-gpool";

/** Floats per partial sum (a multiple of 16). */
const BLOCK = 1024;

/** (Σd, Σd²) with d = x − mean over the n floats at p, as lanes 0 and 1. */
@inline function deviations(p: usize, n: i32, mean: f32): v128 {
  const m = f32x4.splat(mean);
  let d0 = f32x4.splat(0), d1 = d0, q0 = d0, q1 = d0;
  const end8 = p + (<usize>(n & ~7) << 2);
  for (; p < end8; p += 32) {
    const a = f32x4.sub(v128.load(p), m), b = f32x4.sub(v128.load(p, 16), m);
    d0 = f32x4.add(d0, a); d1 = f32x4.add(d1, b);
    q0 = madd(a, a, q0); q1 = madd(b, b, q1);
  }
  if (n & 4) {
    const a = f32x4.sub(v128.load(p), m);
    d0 = f32x4.add(d0, a);
    q0 = madd(a, a, q0);
    p += 16;
  }
  let sum = hsum(f32x4.add(d0, d1)), squares = hsum(f32x4.add(q0, q1));
  for (let i = 0; i < (n & 3); i++) {
    const d = load<f32>(p + (<usize>i << 2)) - mean;
    sum += d;
    squares += d * d;
  }
  return f32x4(sum, squares, 0, 0);
}

/** (mean, biased variance) of the n floats at p, as lanes 0 and 1. */
export function planeMoments(p: usize, n: i32): v128 {
  let total: f32 = 0;
  for (let start = 0; start < n; start += BLOCK) total += planeSum(p + (<usize>start << 2), min(BLOCK, n - start));
  const mean = total / <f32>n;
  let sum: f32 = 0, squares: f32 = 0;
  for (let start = 0; start < n; start += BLOCK) {
    const v = deviations(p + (<usize>start << 2), min(BLOCK, n - start), mean);
    sum += f32x4.extract_lane(v, 0);
    squares += f32x4.extract_lane(v, 1);
  }
  // ≥ 0, as rounding may leave it just below (NaN stays NaN), as ATen clamps it
  return f32x4(mean, Mathf.max((squares - sum * sum / <f32>n) / <f32>n, 0), 0, 0);
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
