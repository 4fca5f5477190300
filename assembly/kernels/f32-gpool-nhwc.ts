// f32-gpool-nhwc: global pools over H·W of NHWC images, x [HW][C] with the channels contiguous.
// A pool is made of statistics (STAT_*): avg a sum, max a max, avgmax both, lp a sum of squares,
// lse a max and then Σ e^(x − max). A work item is a chunk of POOL_CHUNK pixels of one image: it
// accumulates its pixels' rows into one partial row [C] per statistic (vectors along the channels,
// pixel by pixel in order); statCombineNhwc then combines an image's partial rows in chunk order.
// So the result does not depend on how the items are split over threads, and every pixel row is
// read from memory once (a chunk's rows stay in cache for its other statistics).

import { POOL_AVG, POOL_AVGMAX, POOL_LP, POOL_LSE, POOL_MAX } from "../../bindings/constants";
import { storeLanes } from "../simd";
import { vexpNonPositive } from "../vmath";

/** Pixels per work item. */
export const POOL_CHUNK = 128;

export const STAT_SUM = 0;
export const STAT_MAX = 1;
export const STAT_SUMSQ = 2;
/** Σ e^(x − m), m the channel's max: needs the max combined first. */
export const STAT_SUMEXP = 3;

/** Chunks of an image of hw pixels. */
@inline export function poolChunks(hw: i32): i32 {
  return (hw + POOL_CHUNK - 1) / POOL_CHUNK;
}

/** The statistics pool `pool` (POOL_*) is made of, as a bit set of 1 << STAT_*. */
@inline export function poolStatSet(pool: i32): i32 {
  if (pool == POOL_AVG) return 1 << STAT_SUM;
  if (pool == POOL_MAX) return 1 << STAT_MAX;
  if (pool == POOL_AVGMAX) return 1 << STAT_SUM | 1 << STAT_MAX;
  if (pool == POOL_LP) return 1 << STAT_SUMSQ;
  return 1 << STAT_MAX | 1 << STAT_SUMEXP; // POOL_LSE
}

@final class Sum {
  @inline init(): v128 { return f32x4.splat(0); }
  @inline step(acc: v128, v: v128, _m: v128): v128 { return f32x4.add(acc, v); }
}
@final class SumSquares {
  @inline init(): v128 { return f32x4.splat(0); }
  @inline step(acc: v128, v: v128, _m: v128): v128 { return f32x4.add(acc, f32x4.mul(v, v)); }
}
/** The max as torch.amax: NaN-propagating (f32x4.max). */
@final class Max {
  @inline init(): v128 { return f32x4.splat(-Infinity); }
  @inline step(acc: v128, v: v128, _m: v128): v128 { return f32x4.max(acc, v); }
}
@final class SumExp {
  @inline init(): v128 { return f32x4.splat(0); }
  @inline step(acc: v128, v: v128, m: v128): v128 { return f32x4.add(acc, vexpNonPositive(f32x4.sub(v, m))); }
}

/**
 * partial[c] = Op over pixels [p0, p1) of x[p, c] (rows c floats apart), for every c; m [C] is the
 * per-channel max SumExp subtracts (unused by the others). Four channel vectors at a time, their
 * accumulators in registers over the pixels.
 */
@inline function accumulate<Op>(x: usize, c: i32, p0: i32, p1: i32, m: usize, partial: usize): void {
  const op = changetype<Op>(0);
  const rowBytes = <usize>c << 2;
  const full = <usize>(c & ~3) << 2;
  const start = x + <usize>p0 * rowBytes;
  let o: usize = 0;
  for (; o + 64 <= full; o += 64) {
    let a0 = op.init(), a1 = op.init(), a2 = op.init(), a3 = op.init();
    const m0 = v128.load(m + o), m1 = v128.load(m + o, 16), m2 = v128.load(m + o, 32), m3 = v128.load(m + o, 48);
    let p = start + o;
    for (let i = p0; i < p1; i++, p += rowBytes) {
      a0 = op.step(a0, v128.load(p), m0); a1 = op.step(a1, v128.load(p, 16), m1);
      a2 = op.step(a2, v128.load(p, 32), m2); a3 = op.step(a3, v128.load(p, 48), m3);
    }
    v128.store(partial + o, a0); v128.store(partial + o, a1, 16); v128.store(partial + o, a2, 32); v128.store(partial + o, a3, 48);
  }
  // the rest, a vector at a time; the row's last vector over-reads the next row (or the read pad)
  // and only its own lanes are stored
  for (; o < (<usize>(c + 3 & ~3) << 2); o += 16) {
    let a = op.init();
    const mo = v128.load(m + o);
    let p = start + o;
    for (let i = p0; i < p1; i++, p += rowBytes) a = op.step(a, v128.load(p), mo);
    if (o < full) v128.store(partial + o, a);
    else storeLanes(partial + o, a, c & 3);
  }
}

/** partial [C] = statistic `stat` over chunk `chunk` of the image x [hw][c]; m [C] the image's max (STAT_SUMEXP only, else any readable C floats). */
export function statChunkNhwc(stat: i32, x: usize, c: i32, hw: i32, chunk: i32, m: usize, partial: usize): void {
  const p0 = chunk * POOL_CHUNK, p1 = min(hw, p0 + POOL_CHUNK);
  if (stat == STAT_SUM) accumulate<Sum>(x, c, p0, p1, m, partial);
  else if (stat == STAT_MAX) accumulate<Max>(x, c, p0, p1, m, partial);
  else if (stat == STAT_SUMSQ) accumulate<SumSquares>(x, c, p0, p1, m, partial);
  else accumulate<SumExp>(x, c, p0, p1, m, partial);
}

/** out [C] = the image's `chunks` partial rows of statistic `stat` (partial [chunks][C]) combined in chunk order: maxima by max (NaN-propagating), the others by sum. */
export function statCombineNhwc(stat: i32, partial: usize, chunks: i32, c: i32, out: usize): void {
  const rowBytes = <usize>c << 2;
  const isMax = stat == STAT_MAX;
  for (let ch = 0; ch < c; ch++) {
    const at = <usize>ch << 2;
    let acc: f32 = isMax ? -Infinity : 0;
    for (let k = 0; k < chunks; k++) {
      const v = load<f32>(partial + <usize>k * rowBytes + at);
      acc = isMax ? Mathf.max(acc, v) : acc + v; // f32.max propagates NaN, as torch.amax
    }
    store<f32>(out + at, acc);
  }
}

/** out [C] = Σ over pixel rows [r0, r1) of x (rows C floats apart), in row order. */
export function sumRowsNhwc(x: usize, c: i32, r0: i32, r1: i32, out: usize): void {
  accumulate<Sum>(x, c, r0, r1, 0, out);
}
