// f32-dirpool-nhwc: the directional pools of coordinate attention (Hou et al., arXiv 2103.02907;
// Andrew-Qibin/CoordAttention coordatt.py: pool_h = AdaptiveAvgPool2d((None, 1)), pool_w =
// AdaptiveAvgPool2d((1, None))) on NHWC images: for x [H][W][C], y [H + W][C] with
// y[i, :] = mean_w x[i, w, :] and y[H + j, :] = mean_h x[h, j, :], vectors along the channels.
//
// A work item is a block of DIR_CHANNELS channels of one image. It reads the image's pixel rows in
// order, once: each image row's sums stay in registers, and each pixel is added to its column's
// running sum (in y, which stays in cache), so the column sums are taken over the rows in order, as
// f32-dirpool-cw's. The sums are divided by W and H at the end, as PyTorch's adaptive pool does.

import { storeLanes } from "../simd";

/** Channels per work item: four vectors, a 64-byte line of a pixel's row. */
export const DIR_CHANNELS = 16;

/** Work items of one image of c channels. */
@inline export function dirpoolBlocks(c: i32): i32 {
  return (c + DIR_CHANNELS - 1) / DIR_CHANNELS;
}

/** Row and column sums of the 16 channels at byte offset o of every pixel (x [h][w] pixels rowBytes apart), into y [h + w] rows. */
function sums16(x: usize, h: i32, w: i32, rowBytes: usize, o: usize, y: usize): void {
  const zero = f32x4.splat(0), vw = f32x4.splat(<f32>w);
  const cols = y + <usize>h * rowBytes + o;
  for (let j = 0, col = cols; j < w; j++, col += rowBytes) {
    v128.store(col, zero); v128.store(col, zero, 16); v128.store(col, zero, 32); v128.store(col, zero, 48);
  }
  for (let i = 0; i < h; i++) {
    let a0 = zero, a1 = zero, a2 = zero, a3 = zero;
    let p = x + <usize>i * <usize>w * rowBytes + o, col = cols;
    for (let j = 0; j < w; j++, p += rowBytes, col += rowBytes) {
      const v0 = v128.load(p), v1 = v128.load(p, 16), v2 = v128.load(p, 32), v3 = v128.load(p, 48);
      a0 = f32x4.add(a0, v0); a1 = f32x4.add(a1, v1); a2 = f32x4.add(a2, v2); a3 = f32x4.add(a3, v3);
      v128.store(col, f32x4.add(v128.load(col), v0)); v128.store(col, f32x4.add(v128.load(col, 16), v1), 16);
      v128.store(col, f32x4.add(v128.load(col, 32), v2), 32); v128.store(col, f32x4.add(v128.load(col, 48), v3), 48);
    }
    const row = y + <usize>i * rowBytes + o;
    v128.store(row, f32x4.div(a0, vw)); v128.store(row, f32x4.div(a1, vw), 16);
    v128.store(row, f32x4.div(a2, vw), 32); v128.store(row, f32x4.div(a3, vw), 48);
  }
}

/** As sums16 for the one vector at byte offset o, of which `lanes` (1..4) are channels of the block (the others are not stored). */
function sums4(x: usize, h: i32, w: i32, rowBytes: usize, o: usize, lanes: i32, y: usize): void {
  const zero = f32x4.splat(0), vw = f32x4.splat(<f32>w);
  const cols = y + <usize>h * rowBytes + o;
  for (let j = 0, col = cols; j < w; j++, col += rowBytes) {
    if (lanes == 4) v128.store(col, zero);
    else storeLanes(col, zero, lanes);
  }
  for (let i = 0; i < h; i++) {
    let a = zero;
    let p = x + <usize>i * <usize>w * rowBytes + o, col = cols;
    for (let j = 0; j < w; j++, p += rowBytes, col += rowBytes) {
      const v = v128.load(p);
      a = f32x4.add(a, v);
      const s = f32x4.add(v128.load(col), v);
      if (lanes == 4) v128.store(col, s);
      else storeLanes(col, s, lanes);
    }
    const row = y + <usize>i * rowBytes + o;
    if (lanes == 4) v128.store(row, f32x4.div(a, vw));
    else storeLanes(row, f32x4.div(a, vw), lanes);
  }
}

/**
 * Items [begin, end) (index n·dirpoolBlocks(c) + block) over x [N][h][w][c]: for the block's
 * channels, y[n] [h + w][c] = the means of every image row, then of every image column.
 */
export function dirPoolNhwc(x: usize, h: i32, w: i32, c: i32, y: usize, begin: i32, end: i32): void {
  const blocks = dirpoolBlocks(c), rowBytes = <usize>c << 2;
  const vh = f32x4.splat(<f32>h);
  for (let item = begin; item < end; item++) {
    const img = item / blocks, c0 = (item % blocks) * DIR_CHANNELS, len = min(DIR_CHANNELS, c - c0);
    const xi = x + <usize>img * <usize>(h * w) * rowBytes, yi = y + <usize>img * <usize>(h + w) * rowBytes;
    const o0 = <usize>c0 << 2;
    if (len == DIR_CHANNELS) sums16(xi, h, w, rowBytes, o0, yi);
    else for (let v = 0; v < len; v += 4) sums4(xi, h, w, rowBytes, o0 + (<usize>v << 2), min(4, len - v), yi);
    // the column sums divided by H
    for (let j = 0; j < w; j++) {
      const col = yi + <usize>(h + j) * rowBytes + o0;
      for (let v = 0; v < len; v += 4) {
        const at = col + (<usize>v << 2), q = f32x4.div(v128.load(at), vh);
        if (len - v >= 4) v128.store(at, q);
        else storeLanes(at, q, len - v);
      }
    }
  }
}

/** The n images of x (the kernel tests' entry). */
export function f32_dirpool_nwc(x: usize, n: i32, h: i32, w: i32, c: i32, y: usize): void {
  dirPoolNhwc(x, h, w, c, y, 0, n * dirpoolBlocks(c));
}
