// f32-avgpool-cw: average pooling of NCHW planes over k×k windows with stride s and zero padding p,
// dividing by the window's in-bounds count (PyTorch's avg_pool2d with count_include_pad=False), and
// optionally 0.5·avg + 0.5·max over the same windows (max_pool2d's max, NaN-propagating): the
// gather of gather-excite without extra parameters (Hu et al., arXiv 1810.12348; timm
// timm/layers/gather_excite.py, k = 2e − 1, s = e, p = e − 1, add_maxpool).
//
// Separable: for each output row, its window's in-bounds input rows are summed (and maxed) column by
// column into a row of W floats, SIMD along the row with the sums in registers; each output then
// reduces its window's columns of that row: four outputs at a time for 3×3 windows of stride 2
// (the even, odd and previous odd columns split out of two vectors), one at a time otherwise.
// The max steps are f32x4.pmax (one instruction; f32x4.max's NaN rules cost V8 about eight), which
// may drop a NaN; but a NaN (or +∞ with −∞) makes the window's sum NaN, and then 0.5·avg + 0.5·max
// is NaN whatever the max, as PyTorch's.

import { storeLanes } from "../simd";

/** The in-bounds range [lo, hi) of the window at output index o along an axis of `size` inputs. */
@inline function windowLo(o: i32, stride: i32, pad: i32): i32 { return max(0, o * stride - pad); }
@inline function windowHi(o: i32, k: i32, stride: i32, pad: i32, size: i32): i32 { return min(size, o * stride - pad + k); }

/** The pool's output size along an axis: ⌊(size + 2p − k)/s⌋ + 1. */
@inline export function poolOutSize(size: i32, k: i32, stride: i32, pad: i32): i32 { return (size + 2 * pad - k) / stride + 1; }

/** Floats of poolPlane's scratch for rows of w: the column sums and the column maxima, each w rounded up to 4 and 8 more. */
@inline export function poolScratch(w: i32): i32 { return 2 * ((w + 3 & ~3) + 8); }

/** cols[c], colMax[c] = the sum and the max over rows [r0, r1) of x's column c, in whole vectors (the lanes past w are garbage). */
@inline function columnStats(x: usize, rowBytes: usize, r0: i32, r1: i32, vecBytes: usize, withMax: bool, cols: usize, colMax: usize): void {
  const first = x + <usize>r0 * rowBytes, last = x + <usize>r1 * rowBytes;
  let o: usize = 0;
  for (; o + 32 <= vecBytes; o += 32) {
    let s0 = v128.load(first + o), s1 = v128.load(first + o, 16), m0 = s0, m1 = s1;
    for (let p = first + rowBytes; p < last; p += rowBytes) {
      const v0 = v128.load(p + o), v1 = v128.load(p + o, 16);
      s0 = f32x4.add(s0, v0); s1 = f32x4.add(s1, v1);
      if (withMax) { m0 = f32x4.pmax(m0, v0); m1 = f32x4.pmax(m1, v1); }
    }
    v128.store(cols + o, s0); v128.store(cols + o, s1, 16);
    if (withMax) { v128.store(colMax + o, m0); v128.store(colMax + o, m1, 16); }
  }
  if (o < vecBytes) {
    let s = v128.load(first + o), m = s;
    for (let p = first + rowBytes; p < last; p += rowBytes) {
      const v = v128.load(p + o);
      s = f32x4.add(s, v);
      if (withMax) m = f32x4.pmax(m, v);
    }
    v128.store(cols + o, s);
    if (withMax) v128.store(colMax + o, m);
  }
}

/**
 * One output row of 3×3 windows of stride 2, padding 1, four outputs at a time: output j sums
 * columns 2j − 1, 2j, 2j + 1 (cols and colMax hold 0 and −∞ at column w; the loads reach 8 floats
 * past the last output's columns, inside the scratch).
 */
@inline function row3s2(cols: usize, colMax: usize, rows: i32, w: i32, ow: i32, withMax: bool, out: usize): void {
  const vrows = f32x4.splat(<f32>rows), half = f32x4.splat(0.5);
  let prevSum = f32x4.splat(0), prevMax = f32x4.splat(-Infinity);
  for (let j = 0; j < ow; j += 4) {
    const at = <usize>(2 * j) << 2;
    const lo = v128.load(cols + at), hi = v128.load(cols + at, 16);
    const odd = v128.shuffle<f32>(lo, hi, 1, 3, 5, 7);
    const sum = f32x4.add(f32x4.add(v128.shuffle<f32>(prevSum, odd, 3, 4, 5, 6), v128.shuffle<f32>(lo, hi, 0, 2, 4, 6)), odd);
    prevSum = odd;
    // in-bounds columns of output j: min(w, 2j + 2) − max(0, 2j − 1)
    const twoJ = i32x4.shl(i32x4.add(i32x4.splat(j), i32x4(0, 1, 2, 3)), 1);
    const count = i32x4.sub(i32x4.min_s(i32x4.splat(w), i32x4.add(twoJ, i32x4.splat(2))), i32x4.max_s(i32x4.splat(0), i32x4.sub(twoJ, i32x4.splat(1))));
    let g = f32x4.div(sum, f32x4.mul(vrows, f32x4.convert_i32x4_s(count)));
    if (withMax) {
      const mlo = v128.load(colMax + at), mhi = v128.load(colMax + at, 16);
      const modd = v128.shuffle<f32>(mlo, mhi, 1, 3, 5, 7);
      const m = f32x4.pmax(f32x4.pmax(v128.shuffle<f32>(prevMax, modd, 3, 4, 5, 6), v128.shuffle<f32>(mlo, mhi, 0, 2, 4, 6)), modd);
      prevMax = modd;
      g = f32x4.add(f32x4.mul(half, g), f32x4.mul(half, m));
    }
    if (j + 4 <= ow) v128.store(out + (<usize>j << 2), g);
    else storeLanes(out + (<usize>j << 2), g, ow - j);
  }
}

/**
 * out [oh, ow] = the windows' average (withMax: 0.5·avg + 0.5·max) of the plane x [h, w]; cols is
 * this call's scratch of poolScratch(w) floats.
 */
export function poolPlane(x: usize, h: i32, w: i32, k: i32, stride: i32, pad: i32, withMax: bool, cols: usize, out: usize): void {
  const oh = poolOutSize(h, k, stride, pad), ow = poolOutSize(w, k, stride, pad);
  const rowBytes = <usize>w << 2, vecBytes = <usize>(w + 3 & ~3) << 2;
  const colMax = cols + vecBytes + 32;
  const fast = k == 3 && stride == 2 && pad == 1;
  for (let i = 0; i < oh; i++, out += <usize>ow << 2) {
    const r0 = windowLo(i, stride, pad), r1 = windowHi(i, k, stride, pad, h);
    columnStats(x, rowBytes, r0, r1, vecBytes, withMax, cols, colMax);
    if (fast) {
      // column w is the padding of the last window when w is odd (the lanes further on reach only outputs past ow)
      store<f32>(cols + rowBytes, 0);
      store<f32>(colMax + rowBytes, -Infinity);
      row3s2(cols, colMax, r1 - r0, w, ow, withMax, out);
      continue;
    }
    for (let j = 0; j < ow; j++) {
      const c0 = windowLo(j, stride, pad), c1 = windowHi(j, k, stride, pad, w);
      let sum: f32 = 0, m: f32 = -Infinity;
      for (let c = c0; c < c1; c++) {
        sum += load<f32>(cols + (<usize>c << 2));
        if (withMax) m = Mathf.max(m, load<f32>(colMax + (<usize>c << 2)));
      }
      const avg = sum / <f32>((r1 - r0) * (c1 - c0));
      store<f32>(out + (<usize>j << 2), withMax ? <f32>0.5 * avg + <f32>0.5 * m : avg);
    }
  }
}

/**
 * out [planes][oh][ow] of poolPlane for every plane of x [planes][h][w], the window given as
 * geometry = [k, stride, pad] (three i32); cols: poolPlane's scratch (the kernel tests' entry).
 */
export function f32_avgpool_cw(x: usize, planes: i32, h: i32, w: i32, geometry: usize, withMax: bool, cols: usize, out: usize): void {
  const k = load<i32>(geometry), stride = load<i32>(geometry, 4), pad = load<i32>(geometry, 8);
  const outBytes = <usize>(poolOutSize(h, k, stride, pad) * poolOutSize(w, k, stride, pad)) << 2;
  for (let i = 0; i < planes; i++) poolPlane(x + (<usize>(i * h * w) << 2), h, w, k, stride, pad, withMax, cols, out + <usize>i * outBytes);
}
