// f32-cpool: the max and the mean along a strided axis. x is seen as [outer][len][inner] with
// `inner` contiguous floats; the result is [outer][inner]: max_l and (Σ_l)/len of Op(x[o, l, i]),
// or the means alone. Over the channels of NCHW (outer N, len C, inner H·W: CBAM's maxC and meanC),
// over the rows of a plane (outer N·C, len H, inner W: coordinate attention's mean over H), over the pixels of NHWC (outer N, len H·W,
// inner C: NHWC's global pools). Optionally of x·s[o, l] (CBAM's maps of x·ca) without writing
// x·s out. Each sum is taken over l in order: the float32 running sum.

import { hmax, hsum, storeLanes } from "../simd";

// How a value enters the statistics: as is, or times its factor s[o·len + l], loaded once per l.
// (`vector` is the contiguous-axis form: the factors of four consecutive values.)
@final export class AsIs {
  @inline factor(_s: usize): v128 { return f32x4.splat(1); }
  @inline vector(_s: usize): v128 { return f32x4.splat(1); }
  @inline scaled(v: v128, _f: v128): v128 { return v; }
}
@final export class Scaled {
  @inline factor(s: usize): v128 { return v128.load32_splat(s); }
  @inline vector(s: usize): v128 { return v128.load(s); }
  @inline scaled(v: v128, f: v128): v128 { return f32x4.mul(v, f); }
}

/** Inner positions per work item: the tile's running maxima and sums stay in L1. */
export const STATS_TILE = 1024;

/** max_l Op(x[l, 0..3]) for four positions at x, NaN where any value is NaN (as torch.amax). */
export function maxWithNaN<Op>(x: usize, len: i32, lineBytes: usize, s: usize): v128 {
  const op = changetype<Op>(0);
  let m = f32x4.splat(-Infinity), nan = i32x4.splat(0);
  for (let l = 0; l < len; l++, x += lineBytes, s += 4) {
    const v = op.scaled(v128.load(x), op.factor(s));
    m = f32x4.pmax(m, v);
    nan = v128.or(nan, f32x4.ne(v, v));
  }
  return v128.bitselect(f32x4.splat(NaN), m, nan);
}

/**
 * The statistics of the tw ≤ STATS_TILE positions at x (x[l] lines lineBytes apart, factors s[l]);
 * without `withMax` only the means (maxOut is not touched). The whole vectors go four lines at a
 * time, each line read front to back, with the running maxima and sums kept in maxOut and meanOut; the last, partial vector (tw mod 4 positions) is kept in
 * registers, so that nothing is written past the tile (the next tile may be another thread's). The
 * steps are f32x4.pmax (one instruction, where f32x4.max's NaN semantics cost V8 about eight): a
 * NaN among a position's values makes its sum NaN, so where no sum is NaN the maxima are exact;
 * where one is (a NaN, or +∞ with −∞) they are taken again with NaN tracked, as torch.amax does.
 */
@inline export function tileStats<Op>(x: usize, len: i32, lineBytes: usize, s: usize, tw: i32, maxOut: usize, meanOut: usize, withMax: bool = true): void {
  const op = changetype<Op>(0);
  const full = <usize>(tw & ~3) << 2;
  const vlen = f32x4.splat(<f32>len);
  if (full) {
    for (let o: usize = 0; o < full; o += 16) {
      if (withMax) v128.store(maxOut + o, f32x4.splat(-Infinity));
      v128.store(meanOut + o, f32x4.splat(0));
    }
    let p = x, sc = s, l = 0;
    for (; l + 4 <= len; l += 4, p += lineBytes << 2, sc += 16) {
      const f0 = op.factor(sc), f1 = op.factor(sc + 4), f2 = op.factor(sc + 8), f3 = op.factor(sc + 12);
      const p1 = p + lineBytes, p2 = p1 + lineBytes, p3 = p2 + lineBytes;
      for (let o: usize = 0; o < full; o += 16) {
        const v0 = op.scaled(v128.load(p + o), f0), v1 = op.scaled(v128.load(p1 + o), f1);
        const v2 = op.scaled(v128.load(p2 + o), f2), v3 = op.scaled(v128.load(p3 + o), f3);
        if (withMax) v128.store(maxOut + o, f32x4.pmax(f32x4.pmax(f32x4.pmax(f32x4.pmax(v128.load(maxOut + o), v0), v1), v2), v3));
        v128.store(meanOut + o, f32x4.add(f32x4.add(f32x4.add(f32x4.add(v128.load(meanOut + o), v0), v1), v2), v3));
      }
    }
    for (; l < len; l++, p += lineBytes, sc += 4) {
      const f0 = op.factor(sc);
      for (let o: usize = 0; o < full; o += 16) {
        const v0 = op.scaled(v128.load(p + o), f0);
        if (withMax) v128.store(maxOut + o, f32x4.pmax(v128.load(maxOut + o), v0));
        v128.store(meanOut + o, f32x4.add(v128.load(meanOut + o), v0));
      }
    }
    for (let o: usize = 0; o < full; o += 16) {
      const sum = v128.load(meanOut + o);
      if (withMax && v128.any_true(f32x4.ne(sum, sum))) v128.store(maxOut + o, maxWithNaN<Op>(x + o, len, lineBytes, s));
      v128.store(meanOut + o, f32x4.div(sum, vlen));
    }
  }
  const lanes = tw & 3;
  if (lanes) {
    let m = f32x4.splat(-Infinity), sum = f32x4.splat(0);
    let p = x + full, sc = s;
    for (let l = 0; l < len; l++, p += lineBytes, sc += 4) {
      const v = op.scaled(v128.load(p), op.factor(sc));
      m = f32x4.pmax(m, v);
      sum = f32x4.add(sum, v);
    }
    if (withMax) {
      if (v128.any_true(f32x4.ne(sum, sum))) m = maxWithNaN<Op>(x + full, len, lineBytes, s);
      storeLanes(maxOut + full, m, lanes);
    }
    storeLanes(meanOut + full, f32x4.div(sum, vlen), lanes);
  }
}

/** Work items of stridedStats: (outer, tile of inner positions). */
@inline export function statsItems(outer: i32, inner: i32): i32 {
  return outer * ((inner + STATS_TILE - 1) / STATS_TILE);
}

/**
 * Items [begin, end) of statsItems(outer, inner): maxOut[o, i] (with `withMax`) and meanOut[o, i]
 * over l < len of Op(x[o, l, i], s[o, l]); the outputs of outer index o at o·outStride bytes.
 */
@inline export function stridedStats<Op>(
  x: usize, len: i32, inner: i32, s: usize, maxOut: usize, meanOut: usize, outStride: usize, begin: i32, end: i32, withMax: bool = true,
): void {
  const tiles = (inner + STATS_TILE - 1) / STATS_TILE;
  const lineBytes = <usize>inner << 2;
  for (let item = begin; item < end; item++) {
    const o = item / tiles, t = (item % tiles) * STATS_TILE;
    const off = <usize>t << 2;
    const tw = min(STATS_TILE, inner - t);
    tileStats<Op>(x + <usize>o * <usize>len * lineBytes + off, len, lineBytes, s + (<usize>(o * len) << 2), tw,
      maxOut + <usize>o * outStride + off, meanOut + <usize>o * outStride + off, withMax);
  }
}

/** stridedStats<AsIs> (the statistics of x as is) as one function, which its callers share rather than each inlining it. */
export function stridedStatsAsIs(x: usize, len: i32, inner: i32, maxOut: usize, meanOut: usize, outStride: usize, begin: i32, end: i32): void {
  stridedStats<AsIs>(x, len, inner, 0, maxOut, meanOut, outStride, begin, end);
}

/** maxC and meanC of x [n, c, hw] (kernels.channelPool), into max [n, hw] and mean [n, hw] (both are written). */
export function f32_cpool_cw(x: usize, n: i32, c: i32, hw: i32, max: usize, mean: usize): void {
  stridedStatsAsIs(x, c, hw, max, mean, <usize>hw << 2, 0, statsItems(n, hw));
}

// ---- along the contiguous axis: one row's statistics (NHWC's channels at a pixel) ----

/**
 * The mean and the max of Op(x[i], s[i]) over the len floats of one row (lanes 0 and 1): CBAM's
 * maxC and meanC of x·ca at one NHWC pixel. Two vector accumulators each, the last partial vector
 * masked, lanes combined last (hsum, hmax); NaN-propagating as torch.amax (where the sum is NaN
 * the max is taken again with f32x4.max, which keeps NaN).
 */
export function rowMeanMax<Op>(x: usize, len: i32, s: usize): v128 {
  const op = changetype<Op>(0);
  let s0 = f32x4.splat(0), s1 = s0, m0 = f32x4.splat(-Infinity), m1 = m0;
  const full = <usize>(len & ~3) << 2, full8 = full & ~31;
  let o: usize = 0;
  for (; o < full8; o += 32) {
    const v0 = op.scaled(v128.load(x + o), op.vector(s + o)), v1 = op.scaled(v128.load(x + o, 16), op.vector(s + o + 16));
    s0 = f32x4.add(s0, v0); s1 = f32x4.add(s1, v1);
    m0 = f32x4.pmax(m0, v0); m1 = f32x4.pmax(m1, v1);
  }
  for (; o < full; o += 16) {
    const v = op.scaled(v128.load(x + o), op.vector(s + o));
    s0 = f32x4.add(s0, v);
    m0 = f32x4.pmax(m0, v);
  }
  const lanes = len & 3;
  if (lanes) {
    const keep = i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(lanes));
    const v = op.scaled(v128.load(x + o), op.vector(s + o));
    s0 = f32x4.add(s0, v128.and(v, keep));
    m0 = f32x4.pmax(m0, v128.bitselect(v, f32x4.splat(-Infinity), keep));
  }
  const sum = hsum(f32x4.add(s0, s1));
  let max = hmax(f32x4.pmax(m0, m1));
  if (isNaN(sum)) {
    // a NaN (or +∞ with −∞): the max as torch.amax, NaN if any value is NaN
    let m = f32x4.splat(-Infinity);
    for (o = 0; o < full; o += 16) m = f32x4.max(m, op.scaled(v128.load(x + o), op.vector(s + o)));
    max = hmax(m);
    for (let i = len & ~3; i < len; i++) max = Mathf.max(max, f32x4.extract_lane(op.scaled(v128.load32_splat(x + (<usize>i << 2)), v128.load32_splat(s + (<usize>i << 2))), 0));
  }
  return f32x4(sum / <f32>len, max, 0, 0);
}
