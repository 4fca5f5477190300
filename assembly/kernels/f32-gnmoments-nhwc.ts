// f32-gnmoments-nhwc: per-channel mean and biased variance over H·W of NHWC images [hw][C] (a
// GroupNorm with one channel per group: shuffle attention's), as vectors along the channels,
// never gathering a strided plane. f32-gmoments.ts's corrected two-pass algorithm (Chan, Golub &
// LeVeque 1983) on chunks of POOL_CHUNK pixel rows: a chunk's rows are read twice while they are
// in cache (so the image is read from memory once), first for its sum Σx and mean m = Σx/n, then
// for Σ(x − m) and Σ(x − m)², the three partial rows of the chunk (items (image, chunk) are
// independent). momentsCombineNhwc merges an image's chunks in chunk order in f64 (chunk mean
// m + Σ(x − m)/n, chunk M2 = Σ(x − m)² − (Σ(x − m))²/n, then Chan et al.'s update for two sets),
// and the sums alone give the plain mean (statCombineNhwc(STAT_SUM, …)/hw, f32-gpool-nhwc.ts).
// A NaN or an infinity in a channel makes its mean and variance NaN (or ±∞ and NaN).

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
 * mean[c] and variance[c] = M2/hw (f64, rounded once to f32) of one image from its `chunks` partial
 * rows (sums, devs, sqs each [chunks][c], from momentsChunkNhwc), merged in chunk order.
 */
export function momentsCombineNhwc(sums: usize, devs: usize, sqs: usize, chunks: i32, c: i32, hw: i32, mean: usize, variance: usize): void {
  for (let ch = 0; ch < c; ch++) {
    let count: f64 = 0, mu: f64 = 0, m2: f64 = 0;
    for (let k = 0; k < chunks; k++) {
      const at = <usize>(k * c + ch) << 2;
      const nb = <f64>(min(hw, (k + 1) * POOL_CHUNK) - k * POOL_CHUNK);
      const s = load<f32>(sums + at), d = <f64>load<f32>(devs + at), q = <f64>load<f32>(sqs + at);
      // the chunk's mean and M2; M2 clamped at 0 against rounding ((Σu)² ≤ n·Σu² exactly), NaN staying NaN
      const meanB = <f64>(s / <f32>nb) + d / nb, m2B = max(q - d * d / nb, 0);
      const total = count + nb, delta = meanB - mu;
      mu += delta * nb / total;
      m2 += m2B + delta * delta * count * nb / total;
      count = total;
    }
    store<f32>(mean + (<usize>ch << 2), <f32>mu);
    store<f32>(variance + (<usize>ch << 2), <f32>(m2 / <f64>hw));
  }
}

/** mean [c] and variance [c] (biased) over the hw pixel rows of one image x [hw][c]; partial is scratch of 3·poolChunks(hw)·c floats. */
export function f32_gnmoments_nhwc(x: usize, hw: i32, c: i32, partial: usize, mean: usize, variance: usize): void {
  const chunks = poolChunks(hw), rows = <usize>(chunks * c) << 2;
  for (let k = 0; k < chunks; k++) {
    const at = <usize>(k * c) << 2;
    momentsChunkNhwc(x, c, hw, k, partial + at, partial + rows + at, partial + 2 * rows + at);
  }
  momentsCombineNhwc(partial, partial + rows, partial + 2 * rows, chunks, c, hw, mean, variance);
}
