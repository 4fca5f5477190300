// The output pass of sSE and scSE, fused: per vector of four pixels, the 1×1 squeeze over all
// channels gives the spatial gate q, then the same pixels of every channel (still in L1) are
// recalibrated and written. The input is read from memory once and the output written once.

import { conv1x1Pixels } from "../kernels/f32-conv1x1";
import { storeLanes } from "../simd";
import { vgate } from "../vmath";

// How a pixel's channel value x, its channel gate s and its spatial gate q combine.
// `s` points at the channel's gate; SpatialOnly never loads it.
@final export class SpatialOnly { @inline apply(x: v128, _s: usize, q: v128): v128 { return f32x4.mul(x, q); } }
// scSE 'add' (Roy et al. 2018): x·s + x·q, as PyTorch rounds it (two products, then the sum).
@final export class AddGates {
  @inline apply(x: v128, s: usize, q: v128): v128 { return f32x4.add(f32x4.mul(x, v128.load32_splat(s)), f32x4.mul(x, q)); }
}
// scSE 'max' (the authors' package): max(x·s, x·q).
@final export class MaxGates {
  @inline apply(x: v128, s: usize, q: v128): v128 { return f32x4.max(f32x4.mul(x, v128.load32_splat(s)), f32x4.mul(x, q)); }
}

/**
 * y[n, c, i] = Op(x[n, c, i], s[n, c], gate(w·x[n, :, i] + bias)).
 * s is [N, C] (unused by SpatialOnly), w is [1, C], bias 0 = none. y may alias x.
 */
@inline export function spatialPass<Op>(
  x: usize, y: usize, n: i32, c: i32, hw: i32, w: usize, bias: usize, s: usize,
  gate: i32, alpha: f32, beta: f32,
): void {
  const op = changetype<Op>(0);
  const planeBytes = <usize>hw << 2;
  const b = f32x4.splat(bias ? load<f32>(bias) : 0);
  const va = f32x4.splat(alpha), vb = f32x4.splat(beta);
  for (let img = 0; img < n; img++, x += planeBytes * c, y += planeBytes * c, s += <usize>c << 2) {
    for (let i = 0; i < hw; i += 4) {
      const off = <usize>i << 2;
      const lanes = min(hw - i, 4);
      const q = vgate(f32x4.add(conv1x1Pixels(x + off, c, planeBytes, w), b), gate, va, vb);
      let xp = x + off, yp = y + off;
      for (let ch = 0; ch < c; ch++, xp += planeBytes, yp += planeBytes) {
        const v = op.apply(v128.load(xp), s + (<usize>ch << 2), q);
        if (lanes == 4) v128.store(yp, v); else storeLanes(yp, v, lanes);
      }
    }
  }
}
