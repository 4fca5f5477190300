// f32-simam-stats-nhwc: the per-channel mean and M2 = Σ(x − mean)² over the H·W pixels of NHWC
// images (SimAM's statistics), vectors along the channels; the NHWC form of f32-gmoments-cw, with
// the same accuracy where the mean is large against the spread.
//
// A work item is a chunk of MOMENTS_CHUNK pixel rows of one image, read twice while it is in cache
// (so the image is read from memory once): its per-channel mean m in float32 (f32-gpool-nhwc's
// row sums), then Σ(x − m) and Σ(x − m)² give the chunk's mean m + Σ(x − m)/n and its
// M2 = Σ(x − m)² − (Σ(x − m))²/n (the corrected two-pass algorithm; Chan, Golub & LeVeque,
// "Algorithms for computing the sample variance", 1983), kept in f64. momentsCombineNhwc merges an
// image's chunks in chunk order in f64 with Chan et al.'s update for two sets,
// M2 = M2a + M2b + δ²·na·nb/(na + nb). A NaN or an infinity makes both statistics NaN (or ±∞ and
// NaN), as PyTorch's.

import { storeLanes } from "../simd";
import { POOL_CHUNK, sumRowsNhwc } from "./f32-gpool-nhwc";

/** Pixels per work item (f32-gpool-nhwc's chunk). */
export const MOMENTS_CHUNK = POOL_CHUNK;

/** Chunks of an image of hw pixels. */
@inline export function momentsChunks(hw: i32): i32 {
  return (hw + MOMENTS_CHUNK - 1) / MOMENTS_CHUNK;
}

/** Floats of a chunk's partial statistics for c channels: its mean and M2 [2][c] in f64, and its float32 mean [c]. */
@inline export function momentsPartialFloats(c: i32): i32 {
  return 5 * c;
}

/** The chunk's f64 mean and M2 of channel ch from its float32 mean m and d = Σ(x − m), q = Σ(x − m)² over nb pixels. */
@inline function finish(means: usize, m2s: usize, m: usize, ch: i32, d: f32, q: f32, nb: f64): void {
  const dl = <f64>d;
  store<f64>(means + (<usize>ch << 3), <f64>load<f32>(m + (<usize>ch << 2)) + dl / nb);
  // (Σu)² ≤ n·Σu² exactly; M2 clamped at 0 so that no rounding can make it negative (SimAM's output
  // pass relies on var ≥ 0), NaN staying NaN
  store<f64>(m2s + (<usize>ch << 3), max(<f64>q - dl * dl / nb, 0));
}

/** finish for the `lanes` (1..4) channels from ch of the vectors d and q. */
@inline function finishVector(means: usize, m2s: usize, m: usize, ch: i32, lanes: i32, d: v128, q: v128, nb: f64): void {
  finish(means, m2s, m, ch, f32x4.extract_lane(d, 0), f32x4.extract_lane(q, 0), nb);
  if (lanes > 1) finish(means, m2s, m, ch + 1, f32x4.extract_lane(d, 1), f32x4.extract_lane(q, 1), nb);
  if (lanes > 2) finish(means, m2s, m, ch + 2, f32x4.extract_lane(d, 2), f32x4.extract_lane(q, 2), nb);
  if (lanes > 3) finish(means, m2s, m, ch + 3, f32x4.extract_lane(d, 3), f32x4.extract_lane(q, 3), nb);
}

/**
 * partial = the statistics of chunk `chunk` of the image x [hw][c] (momentsPartialFloats(c)
 * floats: mean [c] f64, M2 [c] f64, then the chunk's float32 mean [c]).
 */
export function momentsChunkNhwc(x: usize, c: i32, hw: i32, chunk: i32, partial: usize): void {
  const p0 = chunk * MOMENTS_CHUNK, p1 = min(hw, p0 + MOMENTS_CHUNK);
  const nb = <f64>(p1 - p0), vn = f32x4.splat(<f32>(p1 - p0));
  const rowBytes = <usize>c << 2;
  const means = partial, m2s = partial + (<usize>c << 3), m = partial + (<usize>c << 4);
  // the chunk's float32 mean per channel
  sumRowsNhwc(x, c, p0, p1, m);
  for (let ch = 0; ch < c; ch += 4) {
    const at = m + (<usize>ch << 2), v = f32x4.div(v128.load(at), vn);
    if (ch + 4 <= c) v128.store(at, v);
    else storeLanes(at, v, c - ch);
  }
  // the deviations from it: sixteen channels at a time, then four (the last vector over-reads the
  // row and the means, its lanes past c unused)
  const first = x + <usize>p0 * rowBytes;
  let ch = 0;
  for (; ch + 16 <= c; ch += 16) {
    const o = <usize>ch << 2;
    const m0 = v128.load(m + o), m1 = v128.load(m + o, 16), m2 = v128.load(m + o, 32), m3 = v128.load(m + o, 48);
    let d0 = f32x4.splat(0), d1 = d0, d2 = d0, d3 = d0, q0 = d0, q1 = d0, q2 = d0, q3 = d0;
    let p = first + o;
    for (let i = p0; i < p1; i++, p += rowBytes) {
      const u0 = f32x4.sub(v128.load(p), m0), u1 = f32x4.sub(v128.load(p, 16), m1);
      const u2 = f32x4.sub(v128.load(p, 32), m2), u3 = f32x4.sub(v128.load(p, 48), m3);
      d0 = f32x4.add(d0, u0); d1 = f32x4.add(d1, u1); d2 = f32x4.add(d2, u2); d3 = f32x4.add(d3, u3);
      q0 = f32x4.add(q0, f32x4.mul(u0, u0)); q1 = f32x4.add(q1, f32x4.mul(u1, u1));
      q2 = f32x4.add(q2, f32x4.mul(u2, u2)); q3 = f32x4.add(q3, f32x4.mul(u3, u3));
    }
    finishVector(means, m2s, m, ch, 4, d0, q0, nb);
    finishVector(means, m2s, m, ch + 4, 4, d1, q1, nb);
    finishVector(means, m2s, m, ch + 8, 4, d2, q2, nb);
    finishVector(means, m2s, m, ch + 12, 4, d3, q3, nb);
  }
  for (; ch < c; ch += 4) {
    const o = <usize>ch << 2;
    const mv = v128.load(m + o);
    let d = f32x4.splat(0), q = d;
    let p = first + o;
    for (let i = p0; i < p1; i++, p += rowBytes) {
      const u = f32x4.sub(v128.load(p), mv);
      d = f32x4.add(d, u);
      q = f32x4.add(q, f32x4.mul(u, u));
    }
    finishVector(means, m2s, m, ch, min(4, c - ch), d, q, nb);
  }
}

/**
 * mean [c] and inv [c] = 1/(4·(M2/(hw − 1) + λ)) of an image from its `chunks` partial statistics
 * (partial [chunks][momentsPartialFloats(c)]), merged in chunk order in f64 and rounded once.
 */
export function momentsCombineNhwc(partial: usize, c: i32, hw: i32, lambda: f64, mean: usize, inv: usize): void {
  const chunks = momentsChunks(hw), stride = <usize>momentsPartialFloats(c) << 2;
  for (let ch = 0; ch < c; ch++) {
    let count: f64 = 0, mu: f64 = 0, m2: f64 = 0;
    let part = partial;
    for (let k = 0; k < chunks; k++, part += stride) {
      const nb = <f64>min(MOMENTS_CHUNK, hw - k * MOMENTS_CHUNK);
      const meanB = load<f64>(part + (<usize>ch << 3)), m2B = load<f64>(part + (<usize>(c + ch) << 3));
      const total = count + nb, delta = meanB - mu;
      mu += delta * nb / total;
      m2 += m2B + delta * delta * count * nb / total;
      count = total;
    }
    store<f32>(mean + (<usize>ch << 2), <f32>mu);
    store<f32>(inv + (<usize>ch << 2), <f32>(1 / (4 * (m2 / <f64>(hw - 1) + lambda))));
  }
}

/**
 * mean and inv [n][c] of the n images of x [n][hw][c] through both steps (the kernel tests' entry);
 * partial: n·momentsChunks(hw)·momentsPartialFloats(c) floats of scratch.
 */
export function f32_simam_stats_nwc(x: usize, n: i32, hw: i32, c: i32, lambda: f32, partial: usize, mean: usize, inv: usize): void {
  const chunks = momentsChunks(hw), partialBytes = <usize>momentsPartialFloats(c) << 2;
  const imageBytes = <usize>hw * <usize>c << 2, vecBytes = <usize>c << 2;
  for (let img = 0; img < n; img++) {
    const part = partial + <usize>img * <usize>chunks * partialBytes;
    for (let k = 0; k < chunks; k++) momentsChunkNhwc(x + <usize>img * imageBytes, c, hw, k, part + <usize>k * partialBytes);
    momentsCombineNhwc(part, c, hw, <f64>lambda, mean + <usize>img * vecBytes, inv + <usize>img * vecBytes);
  }
}
