// f32-gemm-nhwc: a 1×1 convolution of NHWC pixel rows, y[p, o] = act(Σ_i x[p, i]·w[o, i] + bias[o])
// for m pixel rows of k channels (the rows' channels contiguous, rows xStride bytes apart) and n
// outputs: the GEMM of the rows by the weights, which are packed in panels of 8 outputs
// (f32_gemm_pack_nt's layout, f32-gemm.ts: panel q is [k][8], outputs 8q … 8q + 7, zero past n).
// MS-CAM's local branch in NHWC (C → I → C per pixel) runs it on tiles of pixel rows.
//
// XNNPACK's f32-gemm 4x8 "loadsplat" organisation: a tile of 4 rows × 8 outputs in 8
// accumulators; per k, the 4 rows' x[p, k] splat and the panel's row k (2 vectors), 8
// multiply-adds. Each output is one tile's dot product in k order, then the bias, then a ReLU
// if asked. Rows past m read the last row and are not stored, outputs past n are not stored (lane
// by lane).

import { madd } from "../simd";
import { storeRow } from "./f32-gemm";

/** Rows per tile. */
const MR = 4;
/** Outputs per panel. */
const NR = 8;

@inline function finish(acc: v128, bias: v128, relu: bool): v128 {
  const v = f32x4.add(acc, bias);
  return relu ? f32x4.max(v, f32x4.splat(0)) : v; // NaN stays NaN
}

/**
 * y [m][n] (rows yStride bytes apart) = x [m][k]·wᵀ + bias (then max(·, 0) with `relu`), w [n][k]
 * packed in panels of 8 (f32_gemm_pack_nt), bias [n] (0 = none; its last vector may over-read by 12 bytes).
 */
export function gemmNhwc(
  x: usize, xStride: usize, m: i32, k: i32, w: usize, bias: usize, relu: bool, y: usize, yStride: usize, n: i32,
): void {
  const panelBytes = <usize>k << 5;
  const zero = f32x4.splat(0);
  for (let i0 = 0; i0 < m; i0 += MR) {
    const rows = min(MR, m - i0);
    const a0 = x + <usize>i0 * xStride;
    const a1 = rows > 1 ? a0 + xStride : a0, a2 = rows > 2 ? a1 + xStride : a1, a3 = rows > 3 ? a2 + xStride : a2;
    const yr = y + <usize>i0 * yStride;
    for (let j0 = 0; j0 < n; j0 += NR) {
      let bp = w + <usize>(j0 >> 3) * panelBytes;
      const end = bp + panelBytes;
      let c00 = zero, c01 = zero, c10 = zero, c11 = zero, c20 = zero, c21 = zero, c30 = zero, c31 = zero;
      for (let o: usize = 0; bp < end; bp += 32, o += 4) {
        const b0 = v128.load(bp), b1 = v128.load(bp, 16);
        const x0 = v128.load32_splat(a0 + o);
        c00 = madd(x0, b0, c00); c01 = madd(x0, b1, c01);
        const x1 = v128.load32_splat(a1 + o);
        c10 = madd(x1, b0, c10); c11 = madd(x1, b1, c11);
        const x2 = v128.load32_splat(a2 + o);
        c20 = madd(x2, b0, c20); c21 = madd(x2, b1, c21);
        const x3 = v128.load32_splat(a3 + o);
        c30 = madd(x3, b0, c30); c31 = madd(x3, b1, c31);
      }
      const cols = min(NR, n - j0);
      const bv = bias + (<usize>j0 << 2);
      const bias0 = bias ? v128.load(bv) : zero, bias1 = bias && cols > 4 ? v128.load(bv, 16) : zero;
      const yo = yr + (<usize>j0 << 2);
      storeRow(yo, finish(c00, bias0, relu), finish(c01, bias1, relu), cols);
      if (rows > 1) storeRow(yo + yStride, finish(c10, bias0, relu), finish(c11, bias1, relu), cols);
      if (rows > 2) storeRow(yo + yStride * 2, finish(c20, bias0, relu), finish(c21, bias1, relu), cols);
      if (rows > 3) storeRow(yo + yStride * 3, finish(c30, bias0, relu), finish(c31, bias1, relu), cols);
    }
  }
}

/** f32_gemm_nhwc's arguments (a record: the kernel takes more than the 8 parameters an export may have). */
@unmanaged class GemmNhwcArgs {
  x: usize; xStride: i32; m: i32; k: i32; w: usize; bias: usize; relu: i32; y: usize; yStride: i32; n: i32;
}

/** gemmNhwc with its arguments in a GemmNhwcArgs record. */
export function f32_gemm_nhwc(args: usize): void {
  const a = changetype<GemmNhwcArgs>(args);
  gemmNhwc(a.x, a.xStride, a.m, a.k, a.w, a.bias, a.relu != 0, a.y, a.yStride, a.n);
}
