// f32-dwconv3x3s2-cw: a depthwise 3×3 convolution with stride 2 and zero padding 1 of NCHW planes,
// with a bias and an optional ReLU: the gather convs of gather-excite with extra parameters (timm
// timm/layers/gather_excite.py, create_conv2d(C, C, 3, stride=2, depthwise) + BN folded in).
//
// It reads the plane where it is (the generic conv of f32-conv2d.ts first copies a stride-2 input
// into phase-split rows). Four outputs ox..ox+3 of a row take input columns 2ox − 1 … 2ox + 7: two
// vector loads, split into the even columns (tap 1), the odd ones (tap 2) and the odd ones shifted
// by one (tap 0, with the previous vector's last odd column). Columns past the row are zeroed, and
// no load starts past a row's end (one over-reading load at a row's tail, as memory.ts allows).

import { madd, storeLanes } from "../simd";

/** Output size along an axis: ⌊(size − 1)/2⌋ + 1. */
@inline export function dwconv3x3s2OutSize(size: i32): i32 { return (size - 1) / 2 + 1; }

/** x[col .. col + 3] of a row (0 past its w columns, and all 0 when the row is padding): no load starts past the row. */
@inline function columns(row: usize, valid: bool, col: i32, w: i32): v128 {
  if (!valid || col >= w) return f32x4.splat(0);
  const v = v128.load(row + (<usize>col << 2));
  return col + 4 <= w ? v : v128.and(v, i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(w - col)));
}

/** acc + the three taps kr[0..2] of one input row: lo, hi its columns 2ox … 2ox + 7, prev the odd ones before. */
@inline function rowTaps(acc: v128, lo: v128, hi: v128, prev: v128, kr: usize): v128 {
  const even = v128.shuffle<f32>(lo, hi, 0, 2, 4, 6), odd = v128.shuffle<f32>(lo, hi, 1, 3, 5, 7);
  const left = v128.shuffle<f32>(prev, odd, 3, 4, 5, 6);
  return madd(v128.load32_splat(kr, 8), odd, madd(v128.load32_splat(kr, 4), even, madd(v128.load32_splat(kr), left, acc)));
}

/**
 * y [oh, ow] = act(bias + Σ_{ky, kx} k[ky, kx]·x[2oy + ky − 1, 2ox + kx − 1]) of the plane x [h, w]
 * (zero outside it); k is the plane's 9 weights, act a ReLU when `relu`.
 */
export function dwconv3x3s2Plane(x: usize, h: i32, w: i32, k: usize, bias: f32, relu: bool, y: usize): void {
  const oh = dwconv3x3s2OutSize(h), ow = dwconv3x3s2OutSize(w);
  const rowBytes = <usize>w << 2;
  const zero = f32x4.splat(0), b = f32x4.splat(bias);
  for (let oy = 0; oy < oh; oy++, y += <usize>ow << 2) {
    // input rows 2oy − 1, 2oy, 2oy + 1 (the first and the last may be padding)
    const v0 = oy > 0, v2 = 2 * oy + 1 < h;
    const r1 = x + <usize>(2 * oy) * rowBytes, r0 = r1 - rowBytes, r2 = r1 + rowBytes;
    // the odd columns before the chunk's, per row: column −1 is padding
    let prev0 = zero, prev1 = zero, prev2 = zero;
    for (let ox = 0; ox < ow; ox += 4) {
      const col = 2 * ox;
      const lo0 = columns(r0, v0, col, w), hi0 = columns(r0, v0, col + 4, w);
      const lo1 = columns(r1, true, col, w), hi1 = columns(r1, true, col + 4, w);
      const lo2 = columns(r2, v2, col, w), hi2 = columns(r2, v2, col + 4, w);
      let acc = rowTaps(b, lo0, hi0, prev0, k);
      acc = rowTaps(acc, lo1, hi1, prev1, k + 12);
      acc = rowTaps(acc, lo2, hi2, prev2, k + 24);
      prev0 = v128.shuffle<f32>(lo0, hi0, 1, 3, 5, 7);
      prev1 = v128.shuffle<f32>(lo1, hi1, 1, 3, 5, 7);
      prev2 = v128.shuffle<f32>(lo2, hi2, 1, 3, 5, 7);
      if (relu) acc = f32x4.max(acc, zero);
      if (ox + 4 <= ow) v128.store(y + (<usize>ox << 2), acc);
      else storeLanes(y + (<usize>ox << 2), acc, ow - ox);
    }
  }
}

/**
 * Planes [begin, end) of y [planes][oh][ow] = dwconv3x3s2Plane of x [planes][h][w], plane p with the
 * weights k[p % c] (k [c][9]) and the bias bias[p % c] (0 = none).
 */
export function dwconv3x3s2Planes(x: usize, c: i32, h: i32, w: i32, k: usize, bias: usize, relu: bool, y: usize, begin: i32, end: i32): void {
  const inBytes = <usize>(h * w) << 2, outBytes = <usize>(dwconv3x3s2OutSize(h) * dwconv3x3s2OutSize(w)) << 2;
  for (let p = begin; p < end; p++) {
    const ch = p % c;
    dwconv3x3s2Plane(x + <usize>p * inBytes, h, w, k + <usize>(ch * 36), bias ? load<f32>(bias + (<usize>ch << 2)) : 0, relu, y + <usize>p * outBytes);
  }
}

/** The c planes of one image (the kernel tests' entry). */
export function f32_dwconv3x3s2_cw(x: usize, c: i32, h: i32, w: i32, k: usize, bias: usize, relu: bool, y: usize): void {
  dwconv3x3s2Planes(x, c, h, w, k, bias, relu, y, 0, c);
}
