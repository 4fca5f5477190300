// f32-moments-nhwc: the per-channel mean and M2 = Σ(x − mean)² over the H·W pixels of NHWC images
// [hw][C], as vectors along the channels, never gathering a strided plane: the NHWC form of
// f32-gmoments-cw, with the same accuracy where the mean is large against the spread. SimAM takes
// its inv = 1/(4·(M2/(H·W − 1) + λ)) from them, shuffle attention its GroupNorm's biased variance
// M2/(H·W) (a GroupNorm with one channel per group), and its channel branch's GAP from the chunks'
// plain sums (statCombineNhwc(STAT_SUM, …), f32-gpool-nhwc.ts).
//
// A work item is a chunk of POOL_CHUNK pixel rows of one image (f32-gpool-nhwc's chunk; items
// (image, chunk) are independent), read twice while it is in cache (so the image is read from
// memory once): first for its sum Σx and float32 mean m = Σx/n, then for Σ(x − m) and Σ(x − m)²,
// the three partial rows of the chunk. momentsCombineNhwc merges an image's chunks in chunk order
// in f64: the chunk's mean m + Σ(x − m)/n and M2 = Σ(x − m)² − (Σ(x − m))²/n (the corrected
// two-pass algorithm; Chan, Golub & LeVeque, "Algorithms for computing the sample variance", 1983),
// then Chan et al.'s update for two sets, M2 = M2a + M2b + δ²·na·nb/(na + nb). A NaN or an infinity
// in a channel makes its mean and M2 NaN (or ±∞ and NaN), as PyTorch's.

import { storeLanes } from "../simd";
import { POOL_CHUNK, poolChunks } from "./f32-gpool-nhwc";

/** Rows [p0, p1) of x (rows rowBytes apart) at channel byte offset o: 4 channel vectors' sums, then their deviations from the chunk mean. */
@inline function moments16(x: usize, rowBytes: usize, p0: i32, p1: i32, o: usize, sums: usize, devs: usize, sqs: usize): void {
  const start = x + <usize>p0 * rowBytes + o;
  let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0;
  let p = start;
  for (let i = p0; i < p1; i++, p += rowBytes) {
    s0 = f32x4.add(s0, v128.load(p)); s1 = f32x4.add(s1, v128.load(p, 16));
    s2 = f32x4.add(s2, v128.load(p, 32)); s3 = f32x4.add(s3, v128.load(p, 48));
  }
  const n = f32x4.splat(<f32>(p1 - p0));
  const m0 = f32x4.div(s0, n), m1 = f32x4.div(s1, n), m2 = f32x4.div(s2, n), m3 = f32x4.div(s3, n);
  let d0 = f32x4.splat(0), d1 = d0, d2 = d0, d3 = d0, q0 = d0, q1 = d0, q2 = d0, q3 = d0;
  p = start;
  for (let i = p0; i < p1; i++, p += rowBytes) {
    const u0 = f32x4.sub(v128.load(p), m0), u1 = f32x4.sub(v128.load(p, 16), m1);
    const u2 = f32x4.sub(v128.load(p, 32), m2), u3 = f32x4.sub(v128.load(p, 48), m3);
    d0 = f32x4.add(d0, u0); d1 = f32x4.add(d1, u1); d2 = f32x4.add(d2, u2); d3 = f32x4.add(d3, u3);
    q0 = f32x4.add(q0, f32x4.mul(u0, u0)); q1 = f32x4.add(q1, f32x4.mul(u1, u1));
    q2 = f32x4.add(q2, f32x4.mul(u2, u2)); q3 = f32x4.add(q3, f32x4.mul(u3, u3));
  }
  v128.store(sums + o, s0); v128.store(sums + o, s1, 16); v128.store(sums + o, s2, 32); v128.store(sums + o, s3, 48);
  v128.store(devs + o, d0); v128.store(devs + o, d1, 16); v128.store(devs + o, d2, 32); v128.store(devs + o, d3, 48);
  v128.store(sqs + o, q0); v128.store(sqs + o, q1, 16); v128.store(sqs + o, q2, 32); v128.store(sqs + o, q3, 48);
}

/** One channel vector at byte offset o (its last `lanes` < 4 stored lane by lane; the loads over-read the next row or the read pad). */
@inline function moments4(x: usize, rowBytes: usize, p0: i32, p1: i32, o: usize, lanes: i32, sums: usize, devs: usize, sqs: usize): void {
  const start = x + <usize>p0 * rowBytes + o;
  let s = f32x4.splat(0);
  let p = start;
  for (let i = p0; i < p1; i++, p += rowBytes) s = f32x4.add(s, v128.load(p));
  const m = f32x4.div(s, f32x4.splat(<f32>(p1 - p0)));
  let d = f32x4.splat(0), q = d;
  p = start;
  for (let i = p0; i < p1; i++, p += rowBytes) {
    const u = f32x4.sub(v128.load(p), m);
    d = f32x4.add(d, u);
    q = f32x4.add(q, f32x4.mul(u, u));
  }
  if (lanes == 4) {
    v128.store(sums + o, s); v128.store(devs + o, d); v128.store(sqs + o, q);
  } else {
    storeLanes(sums + o, s, lanes); storeLanes(devs + o, d, lanes); storeLanes(sqs + o, q, lanes);
  }
}

/** The partial rows [C] of chunk `chunk` of the image x [hw][c]: sums Σx, devs Σ(x − m) and sqs Σ(x − m)², m = Σx/n the chunk's f32 mean. */
export function momentsChunkNhwc(x: usize, c: i32, hw: i32, chunk: i32, sums: usize, devs: usize, sqs: usize): void {
  const p0 = chunk * POOL_CHUNK, p1 = min(hw, p0 + POOL_CHUNK);
  const rowBytes = <usize>c << 2, full = <usize>(c & ~3) << 2;
  let o: usize = 0;
  for (; o + 64 <= full; o += 64) moments16(x, rowBytes, p0, p1, o, sums, devs, sqs);
  for (; o < rowBytes; o += 16) moments4(x, rowBytes, p0, p1, o, min(4, c - <i32>(o >> 2)), sums, devs, sqs);
}

/**
 * (mean, M2) in f64 of channel ch of one image of hw pixels, as lanes 0 and 1, from its
 * poolChunks(hw) partial rows (sums, devs, sqs each [chunks][c], from momentsChunkNhwc) merged in
 * chunk order.
 */
export function momentsCombineNhwc(sums: usize, devs: usize, sqs: usize, c: i32, hw: i32, ch: i32): v128 {
  const chunks = poolChunks(hw);
  let count: f64 = 0, mu: f64 = 0, m2: f64 = 0;
  for (let k = 0; k < chunks; k++) {
    const at = <usize>(k * c + ch) << 2;
    const nb = <f64>(min(hw, (k + 1) * POOL_CHUNK) - k * POOL_CHUNK);
    const s = load<f32>(sums + at), d = <f64>load<f32>(devs + at), q = <f64>load<f32>(sqs + at);
    // the chunk's mean and M2; M2 clamped at 0 so that no rounding can make it negative ((Σu)² ≤ n·Σu²
    // exactly; SimAM's output pass relies on var ≥ 0), NaN staying NaN
    const meanB = <f64>(s / <f32>nb) + d / nb, m2B = max(q - d * d / nb, 0);
    const total = count + nb, delta = meanB - mu;
    mu += delta * nb / total;
    m2 += m2B + delta * delta * count * nb / total;
    count = total;
  }
  return f64x2(mu, m2);
}

/**
 * mean [n][c] and M2 [n][c] (f64) of the n images of x [n][hw][c] through both steps (the kernel
 * tests' entry); partial: 3·n·poolChunks(hw)·c floats of scratch (the sums, devs, sqs rows).
 */
export function f32_moments_nhwc(x: usize, n: i32, hw: i32, c: i32, partial: usize, mean: usize, m2: usize): void {
  const chunks = poolChunks(hw), rowBytes = <usize>c << 2, imageBytes = <usize>hw * rowBytes;
  const rows = <usize>(n * chunks) * rowBytes;
  const sums = partial, devs = partial + rows, sqs = partial + 2 * rows;
  for (let img = 0; img < n; img++) {
    for (let k = 0; k < chunks; k++) {
      const at = <usize>(img * chunks + k) * rowBytes;
      momentsChunkNhwc(x + <usize>img * imageBytes, c, hw, k, sums + at, devs + at, sqs + at);
    }
    const part = <usize>(img * chunks) * rowBytes;
    for (let ch = 0; ch < c; ch++) {
      const v = momentsCombineNhwc(sums + part, devs + part, sqs + part, c, hw, ch), out = <usize>(img * c + ch) << 3;
      store<f64>(mean + out, f64x2.extract_lane(v, 0));
      store<f64>(m2 + out, f64x2.extract_lane(v, 1));
    }
  }
}
