// f32-gpool2-nhwc: the global average pool of a sum of two NHWC images, GAP(x + r) (AFF's and
// iAFF's pool of x + residual, Dai et al., arXiv 2009.14082), by the chunks of POOL_CHUNK pixel
// rows of f32-gpool-nhwc.ts: a chunk's partial row [C] holds Σ over its pixels of the rounded
// sums x + r (PyTorch's xa = x + residual, then its mean), vectors along the channels, pixel by
// pixel in order; statCombineNhwc(STAT_SUM, …) then adds an image's partial rows in chunk order.

import { storeLanes } from "../simd";
import { POOL_CHUNK, poolChunks, STAT_SUM, statCombineNhwc } from "./f32-gpool-nhwc";

/** partial [C] = Σ over the pixels of chunk `chunk` of (x + r), x and r [hw][c]. */
export function pairSumChunkNhwc(x: usize, r: usize, c: i32, hw: i32, chunk: i32, partial: usize): void {
  const p0 = chunk * POOL_CHUNK, p1 = min(hw, p0 + POOL_CHUNK);
  const rowBytes = <usize>c << 2, full = <usize>(c & ~3) << 2;
  const start = <usize>p0 * rowBytes;
  let o: usize = 0;
  // two channel vectors per step; then the rest a vector at a time, the row's last vector
  // over-reading the next row (or the read pad) and storing only its own lanes
  for (; o + 32 <= full; o += 32) {
    let a0 = f32x4.splat(0), a1 = a0;
    let px = x + start + o, pr = r + start + o;
    for (let i = p0; i < p1; i++, px += rowBytes, pr += rowBytes) {
      a0 = f32x4.add(a0, f32x4.add(v128.load(px), v128.load(pr)));
      a1 = f32x4.add(a1, f32x4.add(v128.load(px, 16), v128.load(pr, 16)));
    }
    v128.store(partial + o, a0);
    v128.store(partial + o, a1, 16);
  }
  for (; o < (<usize>(c + 3 & ~3) << 2); o += 16) {
    let a = f32x4.splat(0);
    let px = x + start + o, pr = r + start + o;
    for (let i = p0; i < p1; i++, px += rowBytes, pr += rowBytes) a = f32x4.add(a, f32x4.add(v128.load(px), v128.load(pr)));
    if (o < full) v128.store(partial + o, a);
    else storeLanes(partial + o, a, c & 3);
  }
}

/** mean [C] = GAP(x + r) of one image, x and r [hw][c]; partial is scratch of poolChunks(hw)·c floats. */
export function f32_gavgpool2_nhwc(x: usize, r: usize, hw: i32, c: i32, partial: usize, mean: usize): void {
  const chunks = poolChunks(hw);
  for (let k = 0; k < chunks; k++) pairSumChunkNhwc(x, r, c, hw, k, partial + (<usize>(k * c) << 2));
  statCombineNhwc(STAT_SUM, partial, chunks, c, mean);
  for (let ch = 0; ch < c; ch++) store<f32>(mean + (<usize>ch << 2), load<f32>(mean + (<usize>ch << 2)) / <f32>hw);
}
