// f32-vscale-add-cw: a per-channel recalibration added to a residual, y = r + x·s[p] (the
// SE residual block's x + SE(out), rounded as PyTorch: the product, then the sum). y may alias
// x or r.

import { storeLanes } from "../simd";

/** y[p, i] = r[p, i] + x[p, i]·s[p] for `planes` planes of hw floats. */
export function f32_vscale_channel_add_cw(x: usize, planes: i32, hw: i32, s: usize, r: usize, y: usize): void {
  const vecBytes = <usize>(hw & ~3) << 2;
  const tail = hw & 3;
  const planeBytes = <usize>hw << 2;
  for (let p = 0; p < planes; p++, s += 4, x += planeBytes, r += planeBytes, y += planeBytes) {
    const f = v128.load32_splat(s);
    let i: usize = 0;
    for (; i < vecBytes; i += 16) v128.store(y + i, f32x4.add(v128.load(r + i), f32x4.mul(v128.load(x + i), f)));
    if (tail) storeLanes(y + i, f32x4.add(v128.load(r + i), f32x4.mul(v128.load(x + i), f)), tail);
  }
}
