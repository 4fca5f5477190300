// f32-rcpool-cw: the max and the mean of a plane [h, w] along each of its two axes in one read:
// per column (over the h rows: colMax[j], colMean[j]) and per row (over the w columns: rowMax[i],
// rowMean[i]). Triplet attention's ZPool of its cw and hc branches (Misra et al., arXiv 2010.03045;
// landskape-ai/triplet-attention triplet_attention.py), taken on x where it is, without the
// permuted copies x.permute(0, 2, 1, 3) and x.permute(0, 3, 2, 1) the official code pools.
//
// The column statistics of the whole vectors run in colMax and colMean, those of the last, partial
// vector (w mod 4 columns) in registers, so nothing is written past the w floats of a column row.
// The steps are f32x4.pmax (one instruction; f32x4.max's NaN rules cost V8 about eight): a NaN
// makes its sum NaN, and where a sum is NaN (a NaN, or +∞ with −∞) the max is taken again with
// NaN propagated, as torch.amax does.

import { AsIs, maxWithNaN } from "./f32-cpool";
import { planeMax } from "./f32-gpool";
import { hmax, hsum, storeLanes } from "../simd";

/**
 * The statistics of the plane x [h, w]: colMax and colMean [w]; rowMax and rowMean, row i at byte
 * i·rowStride (the hc branch writes them down a column of its [H, C] map).
 */
export function planeRowColStats(x: usize, h: i32, w: i32, colMax: usize, colMean: usize, rowMax: usize, rowMean: usize, rowStride: usize): void {
  const rowBytes = <usize>w << 2, full = <usize>(w & ~3) << 2, lanes = w & 3;
  const keep = i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(lanes));
  const ninf = f32x4.splat(-Infinity), zero = f32x4.splat(0);
  for (let o: usize = 0; o < full; o += 16) {
    v128.store(colMax + o, ninf);
    v128.store(colMean + o, zero);
  }
  let tailMax = ninf, tailSum = zero;
  let p = x, rm = rowMax, rs = rowMean;
  for (let i = 0; i < h; i++, p += rowBytes, rm += rowStride, rs += rowStride) {
    let vm = ninf, vs = zero;
    for (let o: usize = 0; o < full; o += 16) {
      const v = v128.load(p + o);
      vm = f32x4.pmax(vm, v);
      vs = f32x4.add(vs, v);
      v128.store(colMax + o, f32x4.pmax(v128.load(colMax + o), v));
      v128.store(colMean + o, f32x4.add(v128.load(colMean + o), v));
    }
    if (lanes) {
      // the lanes past w over-read the next row or the read pad: kept out of the row's statistics
      const v = v128.load(p + full);
      tailMax = f32x4.pmax(tailMax, v);
      tailSum = f32x4.add(tailSum, v);
      vm = f32x4.pmax(vm, v128.bitselect(v, ninf, keep));
      vs = f32x4.add(vs, v128.and(v, keep));
    }
    const sum = hsum(vs);
    store<f32>(rm, isNaN(sum) ? planeMax(p, w) : hmax(vm));
    store<f32>(rs, sum / <f32>w);
  }
  const vh = f32x4.splat(<f32>h);
  for (let o: usize = 0; o < full; o += 16) {
    const sum = v128.load(colMean + o);
    if (v128.any_true(f32x4.ne(sum, sum))) v128.store(colMax + o, maxWithNaN<AsIs>(x + o, h, rowBytes, 0));
    v128.store(colMean + o, f32x4.div(sum, vh));
  }
  if (lanes) {
    if (v128.any_true(f32x4.ne(tailSum, tailSum))) tailMax = maxWithNaN<AsIs>(x + full, h, rowBytes, 0);
    storeLanes(colMax + full, tailMax, lanes);
    storeLanes(colMean + full, f32x4.div(tailSum, vh), lanes);
  }
}

/**
 * colMax, colMean [planes][w] and rowMax, rowMean [planes][h] of every plane of x [planes][h][w]
 * (the kernel tests' entry; triplet attention writes its maps with the strides of its layout).
 */
export function f32_rcpool_cw(x: usize, planes: i32, h: i32, w: i32, colMax: usize, colMean: usize, rowMax: usize, rowMean: usize): void {
  const planeBytes = <usize>(h * w) << 2, colBytes = <usize>w << 2, rowBytes = <usize>h << 2;
  for (let i = 0; i < planes; i++) {
    planeRowColStats(x + <usize>i * planeBytes, h, w, colMax + <usize>i * colBytes, colMean + <usize>i * colBytes,
      rowMax + <usize>i * rowBytes, rowMean + <usize>i * rowBytes, 4);
  }
}
