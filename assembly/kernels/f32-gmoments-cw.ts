// f32-gmoments-cw: the mean and the biased variance of every NCHW plane, the statistics of a
// GroupNorm whose groups are single channels (shuffle attention's gn). Two passes over a plane: the
// mean, then Σ(x − mean)²/n, the second reading the plane from cache. The two-pass form keeps the
// variance accurate where the mean is large against the spread, which the one-pass Σx²/n − mean²
// loses to cancellation (a plane of 1000 + 0.01·noise has no correct digit left in float32 that way).

import { hsum, madd } from "../simd";
import { planeMean } from "./f32-gpool";

/** (mean, biased variance) of the n floats at p, as lanes 0 and 1. */
export function planeMoments(p: usize, n: i32): v128 {
  const mean = planeMean(p, n);
  const m = f32x4.splat(mean);
  let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
  const end16 = p + (<usize>(n & ~15) << 2);
  for (; p < end16; p += 64) {
    const d0 = f32x4.sub(v128.load(p), m), d1 = f32x4.sub(v128.load(p, 16), m);
    const d2 = f32x4.sub(v128.load(p, 32), m), d3 = f32x4.sub(v128.load(p, 48), m);
    a0 = madd(d0, d0, a0); a1 = madd(d1, d1, a1); a2 = madd(d2, d2, a2); a3 = madd(d3, d3, a3);
  }
  const end4 = p + (<usize>(n & 12) << 2);
  for (; p < end4; p += 16) {
    const d = f32x4.sub(v128.load(p), m);
    a0 = madd(d, d, a0);
  }
  let squares = hsum(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)));
  for (let i = 0; i < (n & 3); i++) {
    const d = load<f32>(p + (<usize>i << 2)) - mean;
    squares += d * d;
  }
  return f32x4(mean, squares / <f32>n, 0, 0);
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
