// f32-conv1x1-o1-cw: a 1×1 convolution from C channels to one (sSE's squeeze), SIMD over pixels.

import { madd, storeLanes } from "../simd";

/** Σ_c w[c]·x[c, i..i+3] for the four pixels at x; planeBytes is the channel stride. */
@inline export function conv1x1Pixels(x: usize, c: i32, planeBytes: usize, w: usize): v128 {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0);
  let ch = 0;
  for (; ch + 1 < c; ch += 2, w += 8, x += planeBytes << 1) {
    a0 = madd(v128.load32_splat(w), v128.load(x), a0);
    a1 = madd(v128.load32_splat(w, 4), v128.load(x + planeBytes), a1);
  }
  if (ch < c) a0 = madd(v128.load32_splat(w), v128.load(x), a0);
  return f32x4.add(a0, a1);
}

/** q[n, i] = bias + Σ_c w[c]·x[n, c, i]; w is [1, C]; bias 0 = none. */
export function f32_conv1x1_o1_cw(x: usize, n: i32, c: i32, hw: i32, w: usize, bias: usize, q: usize): void {
  const planeBytes = <usize>hw << 2;
  const b = f32x4.splat(bias ? load<f32>(bias) : 0);
  for (let img = 0; img < n; img++, x += planeBytes * c, q += planeBytes) {
    let i = 0;
    for (; i + 4 <= hw; i += 4) v128.store(q + (<usize>i << 2), f32x4.add(conv1x1Pixels(x + (<usize>i << 2), c, planeBytes, w), b));
    if (i < hw) storeLanes(q + (<usize>i << 2), f32x4.add(conv1x1Pixels(x + (<usize>i << 2), c, planeBytes, w), b), hw - i);
  }
}
