// f32-conv1x1-o1-cw: a 1×1 convolution from C channels to one (sSE's squeeze), SIMD over pixels.
//
// It runs over tiles of pixels sized so that the tile's C rows stay in L2 (about 256 KB) for
// the pass that follows (spatial-pass.ts), and within a tile goes four planes at a time, each
// read front to back: a few long sequential streams, which the hardware prefetches, rather
// than one short access to each of C planes per pixel vector.

import { madd } from "../simd";

/** The most pixels in a tile. */
export const MAX_TILE = 4096;
/** Input floats per tile: 1 MB, half of a 2 MB L2 (the SE family's S, M and XL images fit whole). */
const TILE_FLOATS = 262144;

/** Pixels per tile for C channels: a multiple of 32 between 64 and MAX_TILE. */
@inline export function tilePixels(c: i32): i32 {
  return min(MAX_TILE, max(64, (TILE_FLOATS / c) & ~31));
}

/**
 * q[i] = Σ_c w[c]·x[c, i] for the tw ≤ MAX_TILE pixels at x, in whole vectors (the lanes past
 * tw over-read the next plane or the read pad, mean nothing, and are written to q's own padding:
 * q must have room for tw rounded up to 4); planeBytes is the channel stride, w is [C].
 */
export function conv1x1Tile(x: usize, c: i32, planeBytes: usize, w: usize, q: usize, tw: i32): void {
  const bytes = <usize>(tw + 3 & ~3) << 2;
  const bytes16 = bytes & ~63;
  memory.fill(q, 0, bytes);
  let ch = 0;
  for (; ch + 4 <= c; ch += 4, w += 16, x += planeBytes << 2) {
    const w0 = v128.load32_splat(w), w1 = v128.load32_splat(w, 4), w2 = v128.load32_splat(w, 8), w3 = v128.load32_splat(w, 12);
    const x1 = x + planeBytes, x2 = x1 + planeBytes, x3 = x2 + planeBytes;
    let o: usize = 0;
    for (; o < bytes16; o += 64) {
      const qo = q + o, p0 = x + o, p1 = x1 + o, p2 = x2 + o, p3 = x3 + o;
      v128.store(qo, madd(w3, v128.load(p3), madd(w2, v128.load(p2), madd(w1, v128.load(p1), madd(w0, v128.load(p0), v128.load(qo))))));
      v128.store(qo, madd(w3, v128.load(p3, 16), madd(w2, v128.load(p2, 16), madd(w1, v128.load(p1, 16), madd(w0, v128.load(p0, 16), v128.load(qo, 16))))), 16);
      v128.store(qo, madd(w3, v128.load(p3, 32), madd(w2, v128.load(p2, 32), madd(w1, v128.load(p1, 32), madd(w0, v128.load(p0, 32), v128.load(qo, 32))))), 32);
      v128.store(qo, madd(w3, v128.load(p3, 48), madd(w2, v128.load(p2, 48), madd(w1, v128.load(p1, 48), madd(w0, v128.load(p0, 48), v128.load(qo, 48))))), 48);
    }
    for (; o < bytes; o += 16) {
      const qo = q + o;
      v128.store(qo, madd(w3, v128.load(x3 + o), madd(w2, v128.load(x2 + o), madd(w1, v128.load(x1 + o), madd(w0, v128.load(x + o), v128.load(qo))))));
    }
  }
  for (; ch < c; ch++, w += 4, x += planeBytes) {
    const w0 = v128.load32_splat(w);
    for (let o: usize = 0; o < bytes; o += 16) v128.store(q + o, madd(w0, v128.load(x + o), v128.load(q + o)));
  }
}

/** Floats of an image's pixel map with room for the whole-vector writes of conv1x1Tile: hw rounded up to 4. */
@inline export function paddedPixels(hw: i32): i32 {
  return hw + 3 & ~3;
}

/** q[i] = bias + Σ_c w[c]·x[c, i] over the hw pixels of one image x [C, hw]; w is [1, C], bias 0 = none; q has paddedPixels(hw) floats. */
export function f32_conv1x1_o1_cw(x: usize, c: i32, hw: i32, w: usize, bias: usize, q: usize): void {
  const planeBytes = <usize>hw << 2;
  const b = f32x4.splat(bias ? load<f32>(bias) : 0);
  const tile = tilePixels(c);
  for (let t = 0; t < hw; t += tile) {
    const off = <usize>t << 2;
    const tw = min(tile, hw - t);
    conv1x1Tile(x + off, c, planeBytes, w, q + off, tw);
    const end = q + off + (<usize>(tw + 3 & ~3) << 2);
    for (let o = q + off; o < end; o += 16) v128.store(o, f32x4.add(v128.load(o), b));
  }
}
