// f32-gmoments-cw: the mean and the sum of squared deviations M2 = Σ(x − mean)² of NCHW planes
// (SimAM's statistics: the variance is M2 / (H·W − 1)), accurate also where the mean is large
// against the spread (a one-pass Σx² − (Σx)²/n would cancel away every digit there).
//
// A plane is taken in chunks of CHUNK floats, each read twice while it is in L1 (so the plane is
// read from memory once): its mean m in float32 (f32-gpool's), then Σ(x − m) and Σ(x − m)² give its
// mean m + Σ(x − m)/n and its M2 = Σ(x − m)² − (Σ(x − m))²/n (the corrected two-pass algorithm;
// Chan, Golub & LeVeque, "Algorithms for computing the sample variance", 1983). The chunks are
// merged in f64 with Chan et al.'s update for two sets, M2 = M2a + M2b + δ²·na·nb/(na + nb).
// A NaN or an infinity makes both statistics NaN (or ±∞ and NaN), as PyTorch's.

import { hsum } from "../simd";
import { planeMean } from "./f32-gpool";

/** Floats per chunk: 4 KB, read twice from L1. */
const CHUNK = 1024;

/** (Σ(x − m), Σ(x − m)²) of the n ≤ CHUNK floats at p, as lanes 0 and 1. */
@inline function chunkDeviations(p: usize, n: i32, m: f32): v128 {
  const vm = f32x4.splat(m);
  let d0 = f32x4.splat(0), d1 = d0, q0 = d0, q1 = d0;
  let i = 0;
  for (; i + 8 <= n; i += 8, p += 32) {
    const u0 = f32x4.sub(v128.load(p), vm), u1 = f32x4.sub(v128.load(p, 16), vm);
    d0 = f32x4.add(d0, u0); d1 = f32x4.add(d1, u1);
    q0 = f32x4.add(q0, f32x4.mul(u0, u0)); q1 = f32x4.add(q1, f32x4.mul(u1, u1));
  }
  if (i + 4 <= n) {
    const u = f32x4.sub(v128.load(p), vm);
    d0 = f32x4.add(d0, u); q0 = f32x4.add(q0, f32x4.mul(u, u));
    i += 4; p += 16;
  }
  let d = hsum(f32x4.add(d0, d1)), q = hsum(f32x4.add(q0, q1));
  for (; i < n; i++, p += 4) {
    const u = load<f32>(p) - m;
    d += u; q += u * u;
  }
  return f64x2(<f64>d, <f64>q);
}

/** (mean, M2) of the n ≥ 1 floats at p, as lanes 0 and 1. */
export function planeMoments(p: usize, n: i32): v128 {
  let count: f64 = 0, mean: f64 = 0, m2: f64 = 0;
  for (let at = 0; at < n; at += CHUNK, p += CHUNK << 2) {
    const len = min(CHUNK, n - at), nb = <f64>len;
    const m = planeMean(p, len);
    const dev = chunkDeviations(p, len, m);
    const d = f64x2.extract_lane(dev, 0), q = f64x2.extract_lane(dev, 1);
    // (Σu)² ≤ n·Σu² exactly; m2B is clamped at 0 so that no rounding can make it negative (SimAM's
    // output pass relies on var ≥ 0), NaN staying NaN
    const meanB = <f64>m + d / nb, m2B = max(q - d * d / nb, 0);
    // merge (count, mean, m2) with the chunk's (nb, meanB, m2B)
    const total = count + nb, delta = meanB - mean;
    mean += delta * nb / total;
    m2 += m2B + delta * delta * count * nb / total;
    count = total;
  }
  return f64x2(mean, m2);
}

/** mean[p] and m2[p] = Σ(x − mean)² of planes p < planes of hw floats at x (rounded to f32). */
export function f32_gmoments_cw(x: usize, planes: i32, hw: i32, mean: usize, m2: usize): void {
  const bytes = <usize>hw << 2;
  for (let i = 0; i < planes; i++, x += bytes, mean += 4, m2 += 4) {
    const v = planeMoments(x, hw);
    store<f32>(mean, <f32>f64x2.extract_lane(v, 0));
    store<f32>(m2, <f32>f64x2.extract_lane(v, 1));
  }
}
