// BAM (Park et al., arXiv 1807.06514): y = (1 + σ(combine(mc[n, c], ms[n, i])))·x.
// Channel: mc = fc2(relu(bn(fc1(GAP(x))))) (bn folded into fc1 at load time).
// Spatial: t = relu(reduce(x)) (1×1, C → R), `dilatedConvs` × t = relu(dilated_i(t)) (3×3,
// dilation d, padding d, R → R), ms = final(t) (1×1, R → 1); every bn folded into its conv.
// x is read by the pooling, the 1×1 reduction and the output pass; y is written once.

import { convScratchBytes, f32_conv2d_nchw } from "../kernels/f32-conv2d";
import { f32_dense } from "../kernels/f32-dense";
import { f32_gavgpool_cw } from "../kernels/f32-gpool";
import { f32_vrelu } from "../kernels/f32-vunary";
import { storeLanes } from "../simd";
import { vsigmoid } from "../vmath";
import { regionBytes } from "./channel-gate";
import { region64 } from "./scratch";

export const BAM_COMBINE_MUL = 0;
export const BAM_COMBINE_ADD = 1;

@final class Mul { @inline apply(a: v128, b: v128): v128 { return f32x4.mul(a, b); } }
@final class Add { @inline apply(a: v128, b: v128): v128 { return f32x4.add(a, b); } }

/** y[n, c, i] = (1 + σ(Op(mc[n, c], ms[n, i])))·x[n, c, i], PyTorch's order of operations. */
@inline function bamOutput<Op>(x: usize, y: usize, n: i32, c: i32, hw: i32, mc: usize, ms: usize): void {
  const op = changetype<Op>(0);
  const planeBytes = <usize>hw << 2;
  const vecBytes = <usize>(hw & ~3) << 2;
  const tail = hw & 3;
  const one = f32x4.splat(1);
  for (let img = 0; img < n; img++, ms += planeBytes) {
    for (let ch = 0; ch < c; ch++, mc += 4, x += planeBytes, y += planeBytes) {
      const f = v128.load32_splat(mc);
      let i: usize = 0;
      for (; i < vecBytes; i += 16) v128.store(y + i, f32x4.mul(f32x4.add(one, vsigmoid(op.apply(f, v128.load(ms + i)))), v128.load(x + i)));
      if (tail) storeLanes(y + i, f32x4.mul(f32x4.add(one, vsigmoid(op.apply(f, v128.load(ms + i)))), v128.load(x + i)), tail);
    }
  }
}

/** The largest scratch of BAM's convs. */
@inline function convBytes(c: i32, h: i32, w: i32, r: i32, dilation: i32): u64 {
  return max(
    convScratchBytes(c, h, w, 1, 1, 1, 1, 1, 1, 0, 0, 1, 0),
    convScratchBytes(r, h, w, 3, 3, 1, 1, dilation, dilation, dilation, dilation, 1, 0),
  );
}

/** Scratch bytes (exact, see scratch.ts): pooled, hidden and mc; two [n, r, h, w] buffers; ms; the largest conv scratch. */
export function bam_f32_nchw_scratch_bytes(n: i32, c: i32, h: i32, w: i32, r: i32, dilation: i32): f64 {
  const hw = <u64>h * <u64>w, nn = <u64>n;
  return <f64>(region64(nn * <u64>c) * 2 + region64(nn * <u64>r) + region64(nn * <u64>r * hw) * 2 + region64(nn * hw) + convBytes(c, h, w, r, dilation));
}

/**
 * BAM over x [n, c, h, w] into y (may alias x). fc1 [r, c] and its bias with the channel bn
 * folded, fc2 [c, r] and bias; the spatial convs packed (f32_conv2d_pack) with their bn folded:
 * reduce [r, c], `dilatedConvs` dilated [r, r, 3, 3] back to back from dw (biases from db, r
 * each), final [1, r]. combine: BAM_COMBINE_*.
 */
export function bam_f32_nchw(
  x: usize, y: usize, n: i32, c: i32, h: i32, w: i32, scratch: usize,
  r: i32, w1: usize, b1: usize, w2: usize, b2: usize,
  rw: usize, rb: usize, dw: usize, db: usize, dilatedConvs: i32, dilation: i32, fw: usize, fb: usize,
  combine: i32,
): void {
  const hw = h * w;
  const pooled = scratch;
  const mc = pooled + regionBytes(n * c);
  const hidden = mc + regionBytes(n * c);
  let t = hidden + regionBytes(n * r);
  let u = t + regionBytes(n * r * hw);
  const ms = u + regionBytes(n * r * hw);
  const convScratch = ms + regionBytes(n * hw);
  f32_gavgpool_cw(x, n * c, hw, pooled);
  f32_dense(pooled, n, c, w1, b1, r, hidden);
  f32_vrelu(hidden, n * r, hidden);
  f32_dense(hidden, n, r, w2, b2, c, mc);
  f32_conv2d_nchw(x, n, c, h, w, rw, rb, r, 1, 1, 1, 1, 1, 1, 0, 0, 1, true, 0, 0, convScratch, t);
  const weightBytes = <usize>(r * r * 9) << 2;
  for (let i = 0; i < dilatedConvs; i++) {
    f32_conv2d_nchw(t, n, r, h, w, dw + <usize>i * weightBytes, db + (<usize>(i * r) << 2), r, 3, 3, 1, 1,
      dilation, dilation, dilation, dilation, 1, true, 0, 0, convScratch, u);
    const v = t; t = u; u = v;
  }
  f32_conv2d_nchw(t, n, r, h, w, fw, fb, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, false, 0, 0, convScratch, ms);
  if (combine == BAM_COMBINE_ADD) bamOutput<Add>(x, y, n, c, hw, mc, ms);
  else bamOutput<Mul>(x, y, n, c, hw, mc, ms);
}
