// f32-vsoftmax-rows: a softmax across a few rows at every position along them: SK's softmax over
// its paths (Li et al., arXiv 1903.06586) and split attention's over its radix (Zhang et al.,
// arXiv 2004.08955, rSoftMax), y[r, j] = e^(x[r, j] − m_j) / Σ_r' e^(x[r', j] − m_j) with
// m_j = max_r x[r, j], as torch.softmax. Four positions at a time; y may alias x (same strides).

import { storeLanes } from "../simd";
import { vexpNonPositive } from "../vmath";

@inline function storeTail(y: usize, v: v128, lanes: i32): void {
  if (lanes >= 4) v128.store(y, v); else storeLanes(y, v, lanes);
}

/**
 * Softmax over `rows` rows of x (row r at x + r·xStride floats) at positions [0, len), into y
 * (row r at y + r·yStride floats). A NaN among a position's values makes all of them NaN.
 */
export function f32_vsoftmax_rows(x: usize, xStride: i32, rows: i32, len: i32, y: usize, yStride: i32): void {
  const xs = <usize>xStride << 2, ys = <usize>yStride << 2;
  for (let j = 0; j < len; j += 4) {
    const o = <usize>j << 2, lanes = len - j;
    // the last partial vector over-reads x and y (memory.ts) and stores only its lanes
    let m = v128.load(x + o);
    for (let r = 1; r < rows; r++) m = f32x4.max(m, v128.load(x + <usize>r * xs + o));
    let s = f32x4.splat(0);
    for (let r = 0; r < rows; r++) {
      const e = vexpNonPositive(f32x4.sub(v128.load(x + <usize>r * xs + o), m));
      s = f32x4.add(s, e);
      storeTail(y + <usize>r * ys + o, e, lanes);
    }
    for (let r = 0; r < rows; r++) {
      const at = y + <usize>r * ys + o;
      storeTail(at, f32x4.div(v128.load(at), s), lanes);
    }
  }
}
