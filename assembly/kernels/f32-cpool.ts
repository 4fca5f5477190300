// f32-cpool-cw: per-pixel pooling over the channels of NCHW tensors, maxC and meanC (CBAM's
// spatial statistics), optionally of x·s[n, c] without writing x·s out.

import { storeLanes } from "../simd";

// How a channel's value enters the statistics: as is, or times the channel's factor s[c].
// `factor` and `scaled` are the same split in two, for a loop that loads the factor once.
@final class AsIs {
  @inline apply(v: v128, _s: usize): v128 { return v; }
  @inline factor(_s: usize): v128 { return f32x4.splat(1); }
  @inline scaled(v: v128, _f: v128): v128 { return v; }
}
@final class Scaled {
  @inline apply(v: v128, s: usize): v128 { return f32x4.mul(v, v128.load32_splat(s)); }
  @inline factor(s: usize): v128 { return v128.load32_splat(s); }
  @inline scaled(v: v128, f: v128): v128 { return f32x4.mul(v, f); }
}

/** m with NaN in the lanes where `nan` is set: the max steps are f32x4.pmax (one instruction, where
 *  f32x4.max's NaN semantics cost V8 about eight), NaN lanes are tracked apart, as torch.amax propagates NaN. */
@inline function withNaN(m: v128, nan: v128): v128 {
  return v128.bitselect(f32x4.splat(NaN), m, nan);
}

@inline function storeStats(maxOut: usize, meanOut: usize, off: usize, m: v128, sum: v128, c: v128, lanes: i32): void {
  const mean = f32x4.div(sum, c);
  if (lanes == 4) {
    if (maxOut) v128.store(maxOut + off, m);
    if (meanOut) v128.store(meanOut + off, mean);
  } else {
    if (maxOut) storeLanes(maxOut + off, m, lanes);
    if (meanOut) storeLanes(meanOut + off, mean, lanes);
  }
}

/** Pixels per tile of tileStats, and its running maxima and sums (L1). */
const STATS_TILE = 1024;
const STATS: usize = memory.data(STATS_TILE * 8 + 16, 16);

/**
 * The statistics of tw ≤ STATS_TILE pixels at x of every channel, four planes at a time, each
 * read front to back (the last vector over-reads the plane, see memory.ts); stored at byte
 * offset `off` of the outputs as channelStats's. Each pixel's sum is taken over the channels in
 * order: the float32 running sum.
 */
function tileStats<Op>(x: usize, c: i32, planeBytes: usize, s: usize, tw: i32, maxOut: usize, meanOut: usize, off: usize, vc: v128): void {
  const op = changetype<Op>(0);
  const mx = STATS, sm = STATS + (<usize>STATS_TILE << 2);
  const bytes = <usize>(tw + 3 & ~3) << 2;
  for (let o: usize = 0; o < bytes; o += 16) {
    v128.store(mx + o, f32x4.splat(-Infinity));
    v128.store(sm + o, f32x4.splat(0));
  }
  let p = x, sc = s, ch = 0;
  for (; ch + 4 <= c; ch += 4, p += planeBytes << 2, sc += 16) {
    const f0 = op.factor(sc), f1 = op.factor(sc + 4), f2 = op.factor(sc + 8), f3 = op.factor(sc + 12);
    const p1 = p + planeBytes, p2 = p1 + planeBytes, p3 = p2 + planeBytes;
    for (let o: usize = 0; o < bytes; o += 16) {
      const v0 = op.scaled(v128.load(p + o), f0), v1 = op.scaled(v128.load(p1 + o), f1);
      const v2 = op.scaled(v128.load(p2 + o), f2), v3 = op.scaled(v128.load(p3 + o), f3);
      v128.store(mx + o, f32x4.pmax(f32x4.pmax(f32x4.pmax(f32x4.pmax(v128.load(mx + o), v0), v1), v2), v3));
      v128.store(sm + o, f32x4.add(f32x4.add(f32x4.add(f32x4.add(v128.load(sm + o), v0), v1), v2), v3));
    }
  }
  for (; ch < c; ch++, p += planeBytes, sc += 4) {
    const f0 = op.factor(sc);
    for (let o: usize = 0; o < bytes; o += 16) {
      const v0 = op.scaled(v128.load(p + o), f0);
      v128.store(mx + o, f32x4.pmax(v128.load(mx + o), v0));
      v128.store(sm + o, f32x4.add(v128.load(sm + o), v0));
    }
  }
  for (let o: usize = 0; o < bytes; o += 16) {
    const sum = v128.load(sm + o);
    // A NaN among a pixel's values makes its sum NaN, so where no sum is NaN the pmax maxima are
    // exact without tracking NaN per value; where one is (a NaN, or +∞ with −∞) they are redone.
    const m = v128.any_true(f32x4.ne(sum, sum)) ? maxWithNaN<Op>(x + o, c, planeBytes, s) : v128.load(mx + o);
    storeStats(maxOut, meanOut, off + o, m, sum, vc, min(4, tw - <i32>(o >> 2)));
  }
}

/** max_c Op(x[c, i..i+3], s[c]) for four pixels at x, NaN where any value is NaN (as torch.amax). */
function maxWithNaN<Op>(x: usize, c: i32, planeBytes: usize, s: usize): v128 {
  const op = changetype<Op>(0);
  let m = f32x4.splat(-Infinity), nan = i32x4.splat(0);
  for (let ch = 0; ch < c; ch++, x += planeBytes, s += 4) {
    const v = op.apply(v128.load(x), s);
    m = f32x4.pmax(m, v);
    nan = v128.or(nan, f32x4.ne(v, v));
  }
  return withNaN(m, nan);
}

/**
 * maxOut[n, i] = max_c v and meanOut[n, i] = (Σ_c v) / C with v = Op(x[n, c, i], s[n, c]);
 * either output may be 0 (not computed); consecutive images' outputs are outImageBytes apart.
 * By tiles of pixels (tileStats), which timed faster than 8-pixel register tiles over all the
 * channels on every benchmark shape: 0.89× at [1, 64, 56, 56], 0.83× at [1, 512, 14, 14], 0.4×
 * at [8, 64, 112, 112] (bench/ab.ts's method).
 */
function channelStats<Op>(x: usize, n: i32, c: i32, hw: i32, s: usize, maxOut: usize, meanOut: usize, outImageBytes: usize): void {
  const planeBytes = <usize>hw << 2;
  const vc = f32x4.splat(<f32>c);
  for (let img = 0; img < n; img++, x += planeBytes * c, s += <usize>c << 2) {
    for (let i = 0; i < hw; i += STATS_TILE) tileStats<Op>(x + (<usize>i << 2), c, planeBytes, s, min(STATS_TILE, hw - i), maxOut, meanOut, <usize>i << 2, vc);
    if (maxOut) maxOut += outImageBytes;
    if (meanOut) meanOut += outImageBytes;
  }
}

/**
 * maxOut[n, i] and meanOut[n, i] over the channels of x·s[n, c] (CBAM's maps of x·ca), the
 * outputs of image n at n·outImageBytes.
 */
@inline export function scaledChannelStats(x: usize, n: i32, c: i32, hw: i32, s: usize, maxOut: usize, meanOut: usize, outImageBytes: usize): void {
  channelStats<Scaled>(x, n, c, hw, s, maxOut, meanOut, outImageBytes);
}

/** y[n, i] = max over channels of x[n, :, i] (maxC). */
export function f32_cmaxpool_cw(x: usize, n: i32, c: i32, hw: i32, y: usize): void {
  channelStats<AsIs>(x, n, c, hw, 0, y, 0, <usize>hw << 2);
}

/** y[n, i] = mean over channels of x[n, :, i] (meanC). */
export function f32_cavgpool_cw(x: usize, n: i32, c: i32, hw: i32, y: usize): void {
  channelStats<AsIs>(x, n, c, hw, 0, 0, y, <usize>hw << 2);
}
