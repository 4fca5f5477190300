// f32-vscale-shift-nhwc: y[p, c] = x[p, c]·s[c] + t[c] over NHWC pixel rows, s and t one image's [C]
// vectors: the global context block's output pass in NHWC, x·σ(mul[c]) + add[c] (f32-vscale.ts
// f32_vscale_shift_cw is the NCHW one). The product, then the sum, as PyTorch rounds them.

import { storeLanes } from "../simd";

/**
 * Rows [begin, end) of x [N·hw][C]: y[r] = x[r]·s[n] + t[n], n = r / hw, s and t [N][C]; y may
 * alias x. The row's last vector over-reads the next row and stores only its own lanes.
 */
export function f32_vscale_shift_nhwc(x: usize, c: i32, hw: i32, s: usize, t: usize, y: usize, begin: i32, end: i32): void {
  const rowBytes = <usize>c << 2, full = <usize>(c & ~3) << 2, full16 = full & ~63, lanes = c & 3;
  for (let r = begin; r < end; ) {
    // the rows of one image at a time: its s and t serve them all
    const img = r / hw, stop = min(end, (img + 1) * hw);
    const sg = s + <usize>img * rowBytes, tg = t + <usize>img * rowBytes;
    for (; r < stop; r++) {
      const at = <usize>r * rowBytes;
      const xr = x + at, yr = y + at;
      let o: usize = 0;
      for (; o < full16; o += 64) {
        const xo = xr + o, yo = yr + o, so = sg + o, to = tg + o;
        v128.store(yo, f32x4.add(f32x4.mul(v128.load(xo), v128.load(so)), v128.load(to)));
        v128.store(yo, f32x4.add(f32x4.mul(v128.load(xo, 16), v128.load(so, 16)), v128.load(to, 16)), 16);
        v128.store(yo, f32x4.add(f32x4.mul(v128.load(xo, 32), v128.load(so, 32)), v128.load(to, 32)), 32);
        v128.store(yo, f32x4.add(f32x4.mul(v128.load(xo, 48), v128.load(so, 48)), v128.load(to, 48)), 48);
      }
      for (; o < full; o += 16) v128.store(yr + o, f32x4.add(f32x4.mul(v128.load(xr + o), v128.load(sg + o)), v128.load(tg + o)));
      if (lanes) storeLanes(yr + o, f32x4.add(f32x4.mul(v128.load(xr + o), v128.load(sg + o)), v128.load(tg + o)), lanes);
    }
  }
}
