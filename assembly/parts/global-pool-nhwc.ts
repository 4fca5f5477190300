// A global pool (avg, max or 0.5·avg + 0.5·max) of NHWC images as two stages: partial rows per
// chunk of pixels (kernels/f32-gpool-nhwc.ts), then their combination per image. Shared by the
// channel gate of SE (parts/channel-gate.ts), the pooled-gate frame of ECA and effective SE, and
// gather-excite's global gather.

import { POOL_AVGMAX, POOL_MAX } from "../../bindings/constants";
import { Call } from "../call";
import { poolChunks, poolStatSet, STAT_MAX, STAT_SUM, statChunkNhwc, statCombineNhwc } from "../kernels/f32-gpool-nhwc";

/** Floats of the partial rows of one statistic: [N][chunks][C]. */
@inline export function globalPoolPartialFloats(n: i32, hw: i32, c: i32): u64 {
  return <u64>n * <u64>poolChunks(hw) * <u64>c;
}

/** Work items of the first stage: (image, chunk of pixels). */
@inline export function globalPoolItemsNhwc(n: i32, hw: i32): i32 {
  return n * poolChunks(hw);
}

/** Plans the pool's two regions (sums, maxes: region indices) and its first stage (code `stage`) on the call's n images of hw pixels of c channels. */
export function globalPoolPlanNhwc(k: Call, sums: i32, maxes: i32, stage: i32, hw: i32, c: i32): void {
  k.region(sums, globalPoolPartialFloats(k.n, hw, c));
  k.region(maxes, globalPoolPartialFloats(k.n, hw, c));
  k.stage(stage, globalPoolItemsNhwc(k.n, hw));
}

/**
 * Items [begin, end) of globalPoolItemsNhwc over x [N][hw][c], pool POOL_AVG, POOL_MAX or
 * POOL_AVGMAX: each chunk's partial sums (avg, avgmax) into sums and partial maxima (max, avgmax)
 * into maxes, both [N][chunks][c].
 */
export function globalPoolNhwc(pool: i32, c: i32, x: usize, hw: i32, sums: usize, maxes: usize, begin: i32, end: i32): void {
  const chunks = poolChunks(hw);
  const stats = poolStatSet(pool);
  const imageBytes = <usize>hw * <usize>c << 2, rowBytes = <usize>c << 2;
  for (let item = begin; item < end; item++) {
    const img = item / chunks, chunk = item % chunks;
    const at = <usize>item * rowBytes;
    if (stats & 1 << STAT_SUM) statChunkNhwc(STAT_SUM, x + <usize>img * imageBytes, c, hw, chunk, sums, sums + at);
    if (stats & 1 << STAT_MAX) statChunkNhwc(STAT_MAX, x + <usize>img * imageBytes, c, hw, chunk, maxes, maxes + at);
  }
}

/** Images [begin, end): pooled[n] [c] from the partial rows of globalPoolNhwc (the mean, the max, or 0.5·mean + 0.5·max). */
export function globalPoolCombineNhwc(pool: i32, c: i32, sums: usize, maxes: usize, hw: i32, pooled: usize, begin: i32, end: i32): void {
  const chunks = poolChunks(hw);
  const rowBytes = <usize>c << 2;
  for (let img = begin; img < end; img++) {
    const out = pooled + <usize>img * rowBytes, part = <usize>img * <usize>chunks * rowBytes;
    if (pool == POOL_MAX) {
      statCombineNhwc(STAT_MAX, maxes + part, chunks, c, out);
      continue;
    }
    statCombineNhwc(STAT_SUM, sums + part, chunks, c, out);
    for (let ch = 0; ch < c; ch++) store<f32>(out + (<usize>ch << 2), load<f32>(out + (<usize>ch << 2)) / <f32>hw);
    if (pool == POOL_AVGMAX) {
      // the max into the partial rows' first row (read, and no longer needed, by now), then 0.5·mean + 0.5·max
      const mx = maxes + part;
      statCombineNhwc(STAT_MAX, mx, chunks, c, mx);
      for (let ch = 0; ch < c; ch++) {
        const o = <usize>ch << 2;
        store<f32>(out + o, <f32>0.5 * load<f32>(out + o) + <f32>0.5 * load<f32>(mx + o));
      }
    }
  }
}
