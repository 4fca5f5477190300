// f32-vshuffle-nhwc: shuffle attention's output pass on NHWC pixel rows (Zhang & Yang, arXiv
// 2102.00240; wofmanaf/SA-Net models/sa_resnet.py `sa_layer`): z[c] = x[c]·gate_c(x[c]), then
// channel_shuffle with 2 groups, y[2q + i] = z[i·C/2 + q]. In NHWC the shuffle stays inside a
// pixel's row: for every 4 channels q … q + 3 of the first half and C/2 + q … of the second, the
// two vectors of z are interleaved into the 8 output floats 2q … 2q + 7 (no copy of the tensor).
// The gate of a channel is per channel and image, from a table of 6 rows [C] (SHUFFLE_TABLE_ROWS):
// a, b, sw, sb, g (f32) and a mask (i32, −1 where c is in a spatial branch):
//   spatial branch  σ(sw·(x·a + b) + sb)   (gn(x) = x·a + b, the GroupNorm as ATen applies it)
//   channel branch  g = σ(cweight·GAP + cbias)
// every operation rounded as the NCHW pass (assembly/blocks/shuffle-attention.ts) rounds it. The σ
// (the pass's cost) is skipped for whole vectors of the channel branch (P a multiple of 4) and
// computed once for the two vectors of a pair when P = 2 (gatedPairP2).

import { storeLanes } from "../simd";
import { vsigmoid } from "../vmath";

/** Rows of a gate table: a, b, sw, sb, g, mask. */
export const SHUFFLE_TABLE_ROWS = 6;

/** sw·(x·a + b) + sb, the spatial branch's pre-activation, of the 4 channels at t (the table's column), x = v. */
@inline function spatialZ(v: v128, t: usize, rowBytes: usize): v128 {
  return f32x4.add(f32x4.mul(v128.load(t + rowBytes * 2), f32x4.add(f32x4.mul(v, v128.load(t)), v128.load(t + rowBytes))), v128.load(t + rowBytes * 3));
}

/** z = x·gate(x) of the 4 channels at byte offset o of a row (x at xr), the table's rows rowBytes apart. */
@inline function gated(xr: usize, table: usize, rowBytes: usize, o: usize): v128 {
  const t = table + o;
  const v = v128.load(xr + o), mask = v128.load(t + rowBytes * 5);
  // 4 channels of the channel branch (P a multiple of 4): no σ to compute
  if (!v128.any_true(mask)) return f32x4.mul(v, v128.load(t + rowBytes * 4));
  return f32x4.mul(v, v128.bitselect(vsigmoid(spatialZ(v, t, rowBytes)), v128.load(t + rowBytes * 4), mask));
}

/**
 * Both vectors of z (lo at byte offset o, hi at o + halfBytes) when P = 2 and C/2 is a multiple of
 * 4 (SA-Net's 256-channel layer): each vector is (channel, channel, spatial, spatial), so one σ of
 * the 4 spatial lanes of the pair instead of one per vector, every lane computed as gated
 * computes it; stored interleaved at out (8 floats).
 */
@inline function gatedPairP2(xr: usize, table: usize, rowBytes: usize, o: usize, halfBytes: usize, out: usize): void {
  const tl = table + o, th = tl + halfBytes;
  const vl = v128.load(xr + o), vh = v128.load(xr + halfBytes + o);
  const s = vsigmoid(v128.shuffle<f32>(spatialZ(vl, tl, rowBytes), spatialZ(vh, th, rowBytes), 2, 3, 6, 7));
  const lo = f32x4.mul(vl, v128.shuffle<f32>(v128.load(tl + rowBytes * 4), s, 0, 1, 4, 5));
  const hi = f32x4.mul(vh, v128.shuffle<f32>(v128.load(th + rowBytes * 4), s, 0, 1, 6, 7));
  v128.store(out, v128.shuffle<f32>(lo, hi, 0, 4, 1, 5));
  v128.store(out, v128.shuffle<f32>(lo, hi, 2, 6, 3, 7), 16);
}

/**
 * Pixel rows [begin, end) of y = channel_shuffle(x·gate(x), 2), x and y [rows][c] (c even), the
 * image's gate table [SHUFFLE_TABLE_ROWS][c]; `pairsP2`: the table is of P = 2 and C/2 is a
 * multiple of 4 (gatedPairP2). y must not alias x. The loads of a row's last vectors over-read
 * the next row, or the read pad, by at most 12 bytes.
 */
export function f32_vshuffle_gate_nhwc(x: usize, c: i32, table: usize, y: usize, begin: i32, end: i32, pairsP2: bool): void {
  const half = c >> 1, rowBytes = <usize>c << 2, halfBytes = <usize>half << 2;
  if (pairsP2) {
    for (let p = begin; p < end; p++) {
      const xr = x + <usize>p * rowBytes, yr = y + <usize>p * rowBytes;
      for (let o: usize = 0; o < halfBytes; o += 16) gatedPairP2(xr, table, rowBytes, o, halfBytes, yr + (o << 1));
    }
    return;
  }
  for (let p = begin; p < end; p++) {
    const xr = x + <usize>p * rowBytes, yr = y + <usize>p * rowBytes;
    for (let q = 0; q < half; q += 4) {
      const o = <usize>q << 2;
      const lo = gated(xr, table, rowBytes, o), hi = gated(xr, table, rowBytes, halfBytes + o);
      const out = yr + (o << 1), first = v128.shuffle<f32>(lo, hi, 0, 4, 1, 5), second = v128.shuffle<f32>(lo, hi, 2, 6, 3, 7);
      // the 2·lanes floats of the first `lanes` channels of each half, interleaved
      const lanes = half - q;
      if (lanes >= 4) {
        v128.store(out, first);
        v128.store(out, second, 16);
      } else if (lanes == 1) {
        storeLanes(out, first, 2);
      } else {
        v128.store(out, first);
        if (lanes == 3) storeLanes(out + 16, second, 2);
      }
    }
  }
}
