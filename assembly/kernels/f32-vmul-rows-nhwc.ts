// f32-vmul-rows-nhwc: products of NHWC pixel rows (a pixel's C contiguous channels) with gate vectors
// along the channels, y[:] = x[:]·a[:] or (x[:]·a[:])·b[:]: the output passes of the blocks whose
// gates differ per pixel row and channel (coordinate attention's a_w[w, :] and a_h[h, :],
// gather-excite's resized map, the channel gate of ECA and effective SE). Four vectors per step,
// then one, then the row's last partial vector, which over-reads x, a and b (memory.ts's read pad, or
// the next row) and stores only its lanes. y may alias x.

import { storeLanes } from "../simd";

/** y = x·a, or with `two` (x·a)·b, in PyTorch's order of rounding. */
@inline function product(x: v128, a: v128, b: v128, two: bool): v128 {
  const xa = f32x4.mul(x, a);
  return two ? f32x4.mul(xa, b) : xa;
}

/** y[i] = x[i]·a[i] (`two`: (x[i]·a[i])·b[i]) for the c floats of one pixel row. */
@inline export function mulRowNhwc(x: usize, a: usize, b: usize, y: usize, c: i32, two: bool): void {
  const full = <usize>(c & ~3) << 2, full16 = full & ~63;
  const zero = f32x4.splat(0);
  let o: usize = 0;
  for (; o < full16; o += 64) {
    const xo = x + o, ao = a + o, bo = b + o, yo = y + o;
    v128.store(yo, product(v128.load(xo), v128.load(ao), two ? v128.load(bo) : zero, two));
    v128.store(yo, product(v128.load(xo, 16), v128.load(ao, 16), two ? v128.load(bo, 16) : zero, two), 16);
    v128.store(yo, product(v128.load(xo, 32), v128.load(ao, 32), two ? v128.load(bo, 32) : zero, two), 32);
    v128.store(yo, product(v128.load(xo, 48), v128.load(ao, 48), two ? v128.load(bo, 48) : zero, two), 48);
  }
  for (; o < full; o += 16) v128.store(y + o, product(v128.load(x + o), v128.load(a + o), two ? v128.load(b + o) : zero, two));
  if (c & 3) storeLanes(y + o, product(v128.load(x + o), v128.load(a + o), two ? v128.load(b + o) : zero, two), c & 3);
}

/**
 * Pixel rows [begin, end) of x [N][hw][c]: y[p, :] = x[p, :]·s[n, :], s [N][c] the image's channel
 * gate (ECA's, effective SE's).
 */
export function scaleChannelNhwc(x: usize, hw: i32, c: i32, s: usize, y: usize, begin: i32, end: i32): void {
  const rowBytes = <usize>c << 2;
  for (let r = begin; r < end; r++) {
    const at = <usize>r * rowBytes;
    mulRowNhwc(x + at, s + <usize>(r / hw) * rowBytes, 0, y + at, c, false);
  }
}

/**
 * Image rows [begin, end) (index n·h + i) of x [N][h][w][c]:
 * y[n, i, j, :] = (x[n, i, j, :]·aw[n, j, :])·ah[n, i, :], ah [N][h][c] and aw [N][w][c]
 * (coordinate attention's x·a_w·a_h, in PyTorch's order).
 */
export function scaleRowColNhwc(x: usize, h: i32, w: i32, c: i32, ah: usize, aw: usize, y: usize, begin: i32, end: i32): void {
  const rowBytes = <usize>c << 2;
  for (let r = begin; r < end; r++) {
    const img = r / h;
    const b = ah + <usize>r * rowBytes;
    let a = aw + <usize>img * <usize>w * rowBytes;
    let at = <usize>r * <usize>w * rowBytes;
    for (let j = 0; j < w; j++, a += rowBytes, at += rowBytes) mulRowNhwc(x + at, a, b, y + at, c, true);
  }
}

/** scaleChannelNhwc on the n images of x (the kernel tests' entry). */
export function f32_vscale_channel_nwc(x: usize, n: i32, hw: i32, c: i32, s: usize, y: usize): void {
  scaleChannelNhwc(x, hw, c, s, y, 0, n * hw);
}

/** scaleRowColNhwc on the n images of x (the kernel tests' entry). */
export function f32_vscale_rowcol_nwc(x: usize, n: i32, h: i32, w: i32, c: i32, ah: usize, aw: usize, y: usize): void {
  scaleRowColNhwc(x, h, w, c, ah, aw, y, 0, n * h);
}
