// f32-vscale-cw: recalibration of NCHW tensors by a per-channel or a per-pixel factor; y may alias x.

import { storeLanes } from "../simd";

/** y[p, i] = x[p, i]·s[p] for `planes` planes of hw floats (SE's channel scaling). */
export function f32_vscale_channel_cw(x: usize, planes: i32, hw: i32, s: usize, y: usize): void {
  const vecBytes = <usize>(hw & ~3) << 2;
  const tail = hw & 3;
  for (let p = 0; p < planes; p++, s += 4) {
    const f = v128.load32_splat(s);
    const end = x + vecBytes;
    for (; x < end; x += 16, y += 16) v128.store(y, f32x4.mul(v128.load(x), f));
    if (tail) {
      storeLanes(y, f32x4.mul(v128.load(x), f), tail);
      x += <usize>tail << 2;
      y += <usize>tail << 2;
    }
  }
}

/** y[n, c, i] = x[n, c, i]·q[n, i] (sSE-style spatial scaling by a [N, 1, H, W] map). */
export function f32_vscale_spatial_cw(x: usize, n: i32, c: i32, hw: i32, q: usize, y: usize): void {
  const planeBytes = <usize>hw << 2;
  const vecBytes = <usize>(hw & ~3) << 2;
  const tail = hw & 3;
  for (let b = 0; b < n; b++, q += planeBytes) {
    for (let ch = 0; ch < c; ch++, x += planeBytes, y += planeBytes) {
      let i: usize = 0;
      for (; i < vecBytes; i += 16) v128.store(y + i, f32x4.mul(v128.load(x + i), v128.load(q + i)));
      if (tail) storeLanes(y + i, f32x4.mul(v128.load(x + i), v128.load(q + i)), tail);
    }
  }
}
