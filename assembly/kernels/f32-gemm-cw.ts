// f32-gemm-cw: a 1×1 convolution of a strip of pixels, y[o, p] = act(bias[o] + Σ_k w[o, k]·x[k, p])
// for output rows [begin, end), where input row k (a channel) starts at byte x + table[k]: the rows
// may be the planes of a tensor (table[k] = k·H·W·4) or the rows of a scratch strip. MS-CAM's local
// branch (C → I → C per pixel) runs it on strips of pixels whose C rows stay in cache.
//
// The register tiles are f32-conv2d.ts's (blocks of 4 output rows, then at most one of 2 and one
// of 1: blockWidth), on weights packed by f32_conv2d_pack in those blocks ([k][width] each). The last vector of a row over-reads x by up to 12 bytes
// (the read pad of memory.ts, or the next row) and stores only the lanes of the strip.

import { blockWidth, row1, row4, rows2 } from "./f32-conv2d";

/** table[i] = i·strideBytes for i < k: the offsets of k input rows strideBytes apart. */
export function gemmTable(table: usize, k: i32, strideBytes: usize): void {
  for (let i = 0; i < k; i++) store<i32>(table + (<usize>i << 2), <i32>(<usize>i * strideBytes));
}

/**
 * Rows [begin, end) of y = act(w·x + bias) over `pixels` pixels: w [m, k] packed by f32_conv2d_pack,
 * bias [m] (0 = none), act a ReLU when `relu`; input row i at x + table[i], output row o at
 * y + (o − begin)·yStride. `begin` starts a register block (blockWidth's: from 0, blocks of 4,
 * then at most one of 2 and one of 1).
 */
export function gemmRows(
  w: usize, bias: usize, relu: bool, k: i32, table: usize, x: usize,
  y: usize, yStride: usize, pixels: i32, m: i32, begin: i32, end: i32,
): void {
  for (let o = begin; o < end;) {
    const wo = w + (<usize>(o * k) << 2), yo = y + <usize>(o - begin) * yStride;
    const width = blockWidth(o, m);
    if (width == 4) row4(x, table, k, wo, yo, yStride, pixels, bias, o, relu);
    else if (width == 2) rows2(x, 0, table, k, wo, yo, 0, yStride, pixels, bias, o, relu, false);
    else row1(x, table, k, wo, yo, pixels, bias, o, relu);
    o += width;
  }
}

/** f32_gemm_cw's arguments (a record, as the kernel takes more than the 8 parameters an export may have). */
@unmanaged class GemmArgs {
  x: usize; xStride: i32; k: i32; w: usize; bias: usize; relu: i32; m: i32;
  y: usize; yStride: i32; pixels: i32; begin: i32; end: i32; table: usize;
}

/** gemmRows on input rows xStride bytes apart, the table written first (k i32s at `table`). */
export function f32_gemm_cw(args: usize): void {
  const a = changetype<GemmArgs>(args);
  gemmTable(a.table, a.k, a.xStride);
  gemmRows(a.w, a.bias, a.relu != 0, a.k, a.table, a.x, a.y, a.yStride, a.pixels, a.m, a.begin, a.end);
}
