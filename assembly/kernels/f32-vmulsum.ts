// f32-vmulsum-cw: y = Σ_b a_b·u_b over a few branches b, each a_b one scalar per plane of NCHW
// planes: SK's Σ_i a_i·u_i (Li et al., arXiv 1903.06586) and split attention's Σ_r att_r·u_r
// (Zhang et al., arXiv 2004.08955). Products and sums rounded apart, in branch order, as
// PyTorch's sum(u_b·a_b for b).

import { storeLanes } from "../simd";

/**
 * Planes [0, planes) of hw floats: y[p] = Σ_{b < branches} a[b·aStride + p]·u[b·uStride + p·hw],
 * strides in floats. y may alias branch 0's planes.
 */
export function f32_vmulsum_cw(u: usize, uStride: i32, branches: i32, a: usize, aStride: i32, hw: i32, y: usize, planes: i32): void {
  const us = <usize>uStride << 2, as = <usize>aStride << 2;
  const planeBytes = <usize>hw << 2, full = <usize>(hw & ~3) << 2, lanes = hw & 3;
  for (let p = 0; p < planes; p++) {
    const up = u + <usize>p * planeBytes, yp = y + <usize>p * planeBytes, ap = a + (<usize>p << 2);
    const a0 = v128.load32_splat(ap);
    let o: usize = 0;
    for (; o < full; o += 16) {
      let acc = f32x4.mul(v128.load(up + o), a0);
      for (let b = 1; b < branches; b++) acc = f32x4.add(acc, f32x4.mul(v128.load(up + <usize>b * us + o), v128.load32_splat(ap + <usize>b * as)));
      v128.store(yp + o, acc);
    }
    if (lanes) {
      let acc = f32x4.mul(v128.load(up + o), a0);
      for (let b = 1; b < branches; b++) acc = f32x4.add(acc, f32x4.mul(v128.load(up + <usize>b * us + o), v128.load32_splat(ap + <usize>b * as)));
      storeLanes(yp + o, acc, lanes);
    }
  }
}
