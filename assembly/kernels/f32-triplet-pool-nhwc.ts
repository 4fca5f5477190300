// f32-triplet-pool-nhwc: triplet attention's three ZPools ([max, mean]) of one NHWC image
// x [H][W][C] in one read of x (landskape-ai/triplet-attention triplet_attention.py pools permuted
// copies of x; f32-rcpool-cw.ts and f32-cpool.ts are the NCHW kernels):
// - over W, into the hc maps [2][H][C]: rows of C, as they fall in NHWC;
// - over C, into the hw maps [2][H][W]: one value per pixel;
// - over H, into the cw maps [2][C][W]: a band of rows leaves its partial max and sum per (w, c)
//   ([2][W][C4], C4 = C rounded up to 4), and the bands combine in band order (tripletCombineNhwc)
//   into the C×W planes the cw conv reads.
// A row is walked by blocks of four channel vectors, each pixel's block in registers for the
// three statistics; the row (W·C floats) is re-read from cache block by block. The maxes use
// f32x4.pmax, which may drop a NaN: wherever a sum is NaN (a NaN among the values, or +∞ with −∞)
// that max is taken again with the NaN-propagating f32x4.max, as torch.amax.

import { hmax, hsum, storeLanes } from "../simd";

/** Rows of x per band of the pool (a work item of tripletBandPoolNhwc). */
export const TRIPLET_BAND = 16;

/** Floats of a band's partial cw statistics: max and sum per (w, c), channels padded to whole vectors. */
@inline export function tripletPartialFloats(c: i32, w: i32): i32 {
  return 2 * w * (c + 3 & ~3);
}

/** Floats of the per-pixel scratch of tripletBandPoolNhwc: a max and a sum vector per pixel of a row. */
@inline export function tripletPixelFloats(w: i32): i32 {
  return 8 * w;
}

/** Bands of an image of h rows. */
@inline export function tripletBands(h: i32): i32 {
  return (h + TRIPLET_BAND - 1) / TRIPLET_BAND;
}

const NEG_INF: f32 = -Infinity;

/** Lanes [0, lanes) of v, the others `fill`. */
@inline function masked(v: v128, keep: v128, fill: v128): v128 {
  return v128.bitselect(v, fill, keep);
}

/** The NaN-propagating max of the vectors at p, p + stride, … (count of them). */
function maxWithNaN(p: usize, stride: usize, count: i32): v128 {
  let m = f32x4.splat(NEG_INF);
  for (let i = 0; i < count; i++, p += stride) m = f32x4.max(m, v128.load(p));
  return m;
}

/** max where the sum is NaN is recomputed over the vectors at p, stride apart (count), as torch.amax. */
@inline function fixMax(max: v128, sum: v128, p: usize, stride: usize, count: i32): v128 {
  const nan = f32x4.ne(sum, sum);
  return v128.any_true(nan) ? v128.bitselect(maxWithNaN(p, stride, count), max, nan) : max;
}

/**
 * Rows [h0, h1) of x [H][W][C]: the hc statistics of each row (hcMax + h·C, hcMean + h·C), with
 * `withHw` the hw statistics of each pixel (hwMax + h·W + w, hwMean likewise), and the band's
 * partial max and sum over its rows per (w, c) into part [2][W][C4]. pix has tripletPixelFloats(W).
 * A pixel's last partial vector over-reads the next pixel (or the read pad); those lanes are kept
 * out of the hw statistics and never stored into hc, and part's padding lanes are never combined.
 */
export function tripletBandPoolNhwc(
  x: usize, c: i32, w: i32, h0: i32, h1: i32,
  hcMax: usize, hcMean: usize, hwMax: usize, hwMean: usize, withHw: bool, part: usize, pix: usize,
): void {
  const pixelBytes = <usize>c << 2, rowBytes = <usize>w * pixelBytes;
  const c4Bytes = <usize>(c + 3 & ~3) << 2, partHalf = <usize>w * c4Bytes;
  const full = <usize>(c & ~3) << 2, full16 = full & ~63, end = <usize>(c + 3 & ~3) << 2, lanes = c & 3;
  const keep = i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(lanes));
  const ninf = f32x4.splat(NEG_INF), zero = f32x4.splat(0), invW = f32x4.splat(<f32>1 / <f32>w);
  for (let h = h0; h < h1; h++) {
    const row = x + <usize>h * rowBytes, first = h == h0;
    const hcMaxRow = hcMax + <usize>h * pixelBytes, hcMeanRow = hcMean + <usize>h * pixelBytes;
    let o: usize = 0;
    // four channel vectors per step
    for (; o < full16; o += 64) {
      let m0 = ninf, m1 = ninf, m2 = ninf, m3 = ninf, s0 = zero, s1 = zero, s2 = zero, s3 = zero;
      let p = row + o, q = part + o, pp = pix;
      for (let j = 0; j < w; j++, p += pixelBytes, q += c4Bytes, pp += 32) {
        const v0 = v128.load(p), v1 = v128.load(p, 16), v2 = v128.load(p, 32), v3 = v128.load(p, 48);
        m0 = f32x4.pmax(m0, v0); m1 = f32x4.pmax(m1, v1); m2 = f32x4.pmax(m2, v2); m3 = f32x4.pmax(m3, v3);
        s0 = f32x4.add(s0, v0); s1 = f32x4.add(s1, v1); s2 = f32x4.add(s2, v2); s3 = f32x4.add(s3, v3);
        if (first) {
          v128.store(q, v0); v128.store(q, v1, 16); v128.store(q, v2, 32); v128.store(q, v3, 48);
          v128.store(q + partHalf, v0); v128.store(q + partHalf, v1, 16); v128.store(q + partHalf, v2, 32); v128.store(q + partHalf, v3, 48);
        } else {
          v128.store(q, f32x4.pmax(v128.load(q), v0)); v128.store(q, f32x4.pmax(v128.load(q, 16), v1), 16);
          v128.store(q, f32x4.pmax(v128.load(q, 32), v2), 32); v128.store(q, f32x4.pmax(v128.load(q, 48), v3), 48);
          const r = q + partHalf;
          v128.store(r, f32x4.add(v128.load(r), v0)); v128.store(r, f32x4.add(v128.load(r, 16), v1), 16);
          v128.store(r, f32x4.add(v128.load(r, 32), v2), 32); v128.store(r, f32x4.add(v128.load(r, 48), v3), 48);
        }
        if (withHw) {
          const bm = f32x4.pmax(f32x4.pmax(v0, v1), f32x4.pmax(v2, v3)), bs = f32x4.add(f32x4.add(v0, v1), f32x4.add(v2, v3));
          if (o == 0) { v128.store(pp, bm); v128.store(pp, bs, 16); }
          else { v128.store(pp, f32x4.pmax(v128.load(pp), bm)); v128.store(pp, f32x4.add(v128.load(pp, 16), bs), 16); }
        }
      }
      m0 = fixMax(m0, s0, row + o, pixelBytes, w); m1 = fixMax(m1, s1, row + o + 16, pixelBytes, w);
      m2 = fixMax(m2, s2, row + o + 32, pixelBytes, w); m3 = fixMax(m3, s3, row + o + 48, pixelBytes, w);
      v128.store(hcMaxRow + o, m0); v128.store(hcMaxRow + o, m1, 16); v128.store(hcMaxRow + o, m2, 32); v128.store(hcMaxRow + o, m3, 48);
      v128.store(hcMeanRow + o, f32x4.mul(s0, invW)); v128.store(hcMeanRow + o, f32x4.mul(s1, invW), 16);
      v128.store(hcMeanRow + o, f32x4.mul(s2, invW), 32); v128.store(hcMeanRow + o, f32x4.mul(s3, invW), 48);
    }
    // the remaining vectors one at a time, the last masked for the hw statistics
    for (; o < end; o += 16) {
      const tail = o >= full;
      let m = ninf, s = zero;
      let p = row + o, q = part + o, pp = pix;
      for (let j = 0; j < w; j++, p += pixelBytes, q += c4Bytes, pp += 32) {
        const v = v128.load(p);
        m = f32x4.pmax(m, v);
        s = f32x4.add(s, v);
        const r = q + partHalf;
        if (first) { v128.store(q, v); v128.store(r, v); }
        else { v128.store(q, f32x4.pmax(v128.load(q), v)); v128.store(r, f32x4.add(v128.load(r), v)); }
        if (withHw) {
          const bm = tail ? masked(v, keep, ninf) : v, bs = tail ? masked(v, keep, zero) : v;
          if (o == 0) { v128.store(pp, bm); v128.store(pp, bs, 16); }
          else { v128.store(pp, f32x4.pmax(v128.load(pp), bm)); v128.store(pp, f32x4.add(v128.load(pp, 16), bs), 16); }
        }
      }
      m = fixMax(m, s, row + o, pixelBytes, w);
      if (tail) {
        storeLanes(hcMaxRow + o, m, lanes);
        storeLanes(hcMeanRow + o, f32x4.mul(s, invW), lanes);
      } else {
        v128.store(hcMaxRow + o, m);
        v128.store(hcMeanRow + o, f32x4.mul(s, invW));
      }
    }
    if (withHw) {
      // each pixel's max and mean over its C channels
      const at = <usize>h * <usize>w << 2;
      for (let j = 0; j < w; j++) {
        const pp = pix + (<usize>j << 5);
        const sum = hsum(v128.load(pp, 16));
        let max = hmax(v128.load(pp));
        if (isNaN(sum)) {
          max = NEG_INF;
          const px = row + <usize>j * pixelBytes;
          for (let i = 0; i < c; i++) max = Mathf.max(max, load<f32>(px + (<usize>i << 2)));
        }
        store<f32>(hwMax + at + (<usize>j << 2), max);
        store<f32>(hwMean + at + (<usize>j << 2), sum / <f32>c);
      }
    }
  }
}

/**
 * Column w of the cw maps of one image from its bands' partials (parts [bands][2][W][C4], band
 * order): max and sum over the bands, the mean sum/H, written to cwMax + c·W + w and cwMean
 * likewise. Where a sum is NaN the max is taken again from x [H][W][C] with NaN propagating.
 */
export function tripletCombineNhwc(x: usize, c: i32, h: i32, w: i32, j: i32, parts: usize, cwMax: usize, cwMean: usize): void {
  const bands = tripletBands(h), c4Bytes = <usize>(c + 3 & ~3) << 2, partHalf = <usize>w * c4Bytes;
  const pixelBytes = <usize>c << 2, rowBytes = <usize>w * pixelBytes, colBytes = <usize>w << 2;
  const invH = <f32>1 / <f32>h;
  const col = x + <usize>j * pixelBytes, first = parts + <usize>j * c4Bytes;
  for (let o: usize = 0, ch = 0; ch < c; o += 16, ch += 4) {
    let m = v128.load(first + o), s = v128.load(first + partHalf + o);
    let q = first + o + 2 * partHalf;
    for (let b = 1; b < bands; b++, q += 2 * partHalf) {
      m = f32x4.pmax(m, v128.load(q));
      s = f32x4.add(s, v128.load(q + partHalf));
    }
    m = fixMax(m, s, col + o, rowBytes, h);
    const mean = f32x4.mul(s, f32x4.splat(invH));
    const out = <usize>ch * colBytes + (<usize>j << 2);
    store<f32>(cwMax + out, f32x4.extract_lane(m, 0));
    store<f32>(cwMean + out, f32x4.extract_lane(mean, 0));
    if (ch + 1 < c) { store<f32>(cwMax + out + colBytes, f32x4.extract_lane(m, 1)); store<f32>(cwMean + out + colBytes, f32x4.extract_lane(mean, 1)); }
    if (ch + 2 < c) { store<f32>(cwMax + out + 2 * colBytes, f32x4.extract_lane(m, 2)); store<f32>(cwMean + out + 2 * colBytes, f32x4.extract_lane(mean, 2)); }
    if (ch + 3 < c) { store<f32>(cwMax + out + 3 * colBytes, f32x4.extract_lane(m, 3)); store<f32>(cwMean + out + 3 * colBytes, f32x4.extract_lane(mean, 3)); }
  }
}

/**
 * The three ZPools of one NHWC image x [H][W][C] (the kernel tests' entry): cw [2][C][W], hc
 * [2][H][C], hw [2][H][W] (max first, then mean), through the bands and their combine;
 * scratch: tripletBands(H)·tripletPartialFloats(C, W) + tripletPixelFloats(W) floats.
 */
export function f32_triplet_pool_nhwc(x: usize, c: i32, h: i32, w: i32, cw: usize, hc: usize, hw: usize, scratch: usize): void {
  const bands = tripletBands(h), partBytes = <usize>tripletPartialFloats(c, w) << 2;
  const pix = scratch + <usize>bands * partBytes;
  for (let b = 0; b < bands; b++) {
    const h0 = b * TRIPLET_BAND;
    tripletBandPoolNhwc(x, c, w, h0, min(h, h0 + TRIPLET_BAND), hc, hc + (<usize>(h * c) << 2), hw, hw + (<usize>(h * w) << 2), true,
      scratch + <usize>b * partBytes, pix);
  }
  for (let j = 0; j < w; j++) tripletCombineNhwc(x, c, h, w, j, scratch, cw, cw + (<usize>(c * w) << 2));
}
