// The SE residual block of the articles (ResBlockSqEx, pre-activation; Hu et al., arXiv 1709.01507):
// y = x + SE(conv2(relu(bn2(conv1(relu(bn1(x))))))), 3×3 convs, stride 1, padding 1, no bias.
// bn1 sits before a ReLU, so it is applied as a per-channel affine + ReLU while conv1 reads its
// input; bn2 is folded into conv1 (scale and bias) and its ReLU is conv1's epilogue. The SE is
// the average-pool, bias, ReLU, sigmoid channel gate of channel-gate.ts.

import { convScratchBytes, f32_conv2d_nchw } from "../kernels/f32-conv2d";
import { f32_vscale_channel_add_cw } from "../kernels/f32-vscale-add";
import { ACT_RELU, GATE_SIGMOID } from "../vmath";
import { channelGate, channelGateScratchBytes, POOL_AVG, regionBytes } from "./channel-gate";
import { region64 } from "./scratch";

/** Scratch of a 3×3 conv of c channels, padding 1, that transforms its input (bn1 + relu). */
@inline function convBytes(c: i32, h: i32, w: i32): u64 {
  return convScratchBytes(c, h, w, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1);
}

/** Scratch bytes (exact, see scratch.ts): the two conv outputs, the conv scratch, the SE gate's scratch. */
export function se_resblock_f32_nchw_scratch_bytes(n: i32, c: i32, h: i32, w: i32, r: i32): f64 {
  return <f64>(region64(<u64>n * <u64>c * <u64>h * <u64>w) * 2 + convBytes(c, h, w) + <u64>channelGateScratchBytes(n, c, r));
}

/**
 * The block over x [n, c, h, w] into y (may alias x). bn1 as scale/shift [c]; conv1 packed
 * (f32_conv2d_pack) with bn2 folded (bias b1); conv2 packed; the SE's fc1 [r, c], fc2 [c, r]
 * and biases.
 */
export function se_resblock_f32_nchw(
  x: usize, y: usize, n: i32, c: i32, h: i32, w: i32, scratch: usize,
  bn1Scale: usize, bn1Shift: usize, conv1: usize, b1: usize, conv2: usize,
  r: i32, fw1: usize, fb1: usize, fw2: usize, fb2: usize,
): void {
  const hw = h * w;
  const t1 = scratch;
  const t2 = t1 + regionBytes(n * c * hw);
  const convScratch = t2 + regionBytes(n * c * hw);
  const gateScratch = convScratch + <usize>convBytes(c, h, w);
  f32_conv2d_nchw(x, n, c, h, w, conv1, b1, c, 3, 3, 1, 1, 1, 1, 1, 1, 1, true, bn1Scale, bn1Shift, convScratch, t1);
  f32_conv2d_nchw(t1, n, c, h, w, conv2, 0, c, 3, 3, 1, 1, 1, 1, 1, 1, 1, false, 0, 0, convScratch, t2);
  const s = channelGate(t2, n, c, hw, gateScratch, r, fw1, fb1, fw2, fb2, ACT_RELU, GATE_SIGMOID, 0, 0, POOL_AVG);
  f32_vscale_channel_add_cw(t2, n * c, hw, s, x, y);
}
