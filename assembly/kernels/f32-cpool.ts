// f32-cpool-cw: per-pixel pooling over the channels of NCHW tensors, maxC and meanC (CBAM's
// spatial statistics), optionally of x·s[n, c] without writing x·s out.

import { storeLanes } from "../simd";

// How a channel's value enters the statistics: as is, or times the channel's factor s[c].
@final class AsIs { @inline apply(v: v128, _s: usize): v128 { return v; } }
@final class Scaled { @inline apply(v: v128, s: usize): v128 { return f32x4.mul(v, v128.load32_splat(s)); } }

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

/**
 * maxOut[n, i] = max_c v and meanOut[n, i] = (Σ_c v) / C with v = Op(x[n, c, i], s[n, c]);
 * either output may be 0 (not computed); consecutive images' outputs are outImageBytes apart.
 * Pixels go 8 at a time (12 accumulators: 16 measured 15% slower), then 4, then the last 1..3
 * (over-reading the plane, see memory.ts).
 */
@inline function channelStats<Op>(x: usize, n: i32, c: i32, hw: i32, s: usize, maxOut: usize, meanOut: usize, outImageBytes: usize): void {
  const op = changetype<Op>(0);
  const planeBytes = <usize>hw << 2;
  const vc = f32x4.splat(<f32>c);
  for (let img = 0; img < n; img++, x += planeBytes * c, s += <usize>c << 2) {
    let i = 0;
    for (; i + 8 <= hw; i += 8) {
      const off = <usize>i << 2;
      let p = x + off, sc = s;
      let m0 = f32x4.splat(-Infinity), m1 = m0;
      let s0 = f32x4.splat(0), s1 = s0;
      let nan0 = i32x4.splat(0), nan1 = nan0;
      for (let ch = 0; ch < c; ch++, p += planeBytes, sc += 4) {
        const v0 = op.apply(v128.load(p), sc), v1 = op.apply(v128.load(p, 16), sc);
        m0 = f32x4.pmax(m0, v0); m1 = f32x4.pmax(m1, v1);
        nan0 = v128.or(nan0, f32x4.ne(v0, v0)); nan1 = v128.or(nan1, f32x4.ne(v1, v1));
        s0 = f32x4.add(s0, v0); s1 = f32x4.add(s1, v1);
      }
      storeStats(maxOut, meanOut, off, withNaN(m0, nan0), s0, vc, 4);
      storeStats(maxOut, meanOut, off + 16, withNaN(m1, nan1), s1, vc, 4);
    }
    for (; i < hw; i += 4) {
      const off = <usize>i << 2;
      let p = x + off, sc = s;
      let m = f32x4.splat(-Infinity), sum = f32x4.splat(0), nan = i32x4.splat(0);
      for (let ch = 0; ch < c; ch++, p += planeBytes, sc += 4) {
        const v = op.apply(v128.load(p), sc);
        m = f32x4.pmax(m, v);
        nan = v128.or(nan, f32x4.ne(v, v));
        sum = f32x4.add(sum, v);
      }
      storeStats(maxOut, meanOut, off, withNaN(m, nan), sum, vc, min(4, hw - i));
    }
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
