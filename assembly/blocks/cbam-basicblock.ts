// The ResNet BasicBlock with CBAM of the CBAM article (Woo et al., arXiv 1807.06521):
// out = bn2(conv2(relu(bn1(conv1(x))))), out = CBAM(out), y = relu(out + downsample(x)),
// conv1 3×3 with stride s, conv2 3×3, downsample a 1×1 conv with stride s + bn (or the
// identity). Every bn is folded into its conv; relu(bn1(·)) is conv1's epilogue; the residual
// add and the last ReLU are fused into CBAM's output pass.

import { convOutSize, convScratchBytes, f32_conv2d_nchw } from "../kernels/f32-conv2d";
import { cbamForward, cbamScratchBytes } from "./cbam";
import { regionBytes } from "./channel-gate";
import { region64 } from "./scratch";

/** The largest scratch of conv1, conv2 and the downsample. */
@inline function convBytes(cin: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32, stride: i32): u64 {
  return max(max(
    convScratchBytes(cin, h, w, 3, 3, stride, stride, 1, 1, 1, 1, 1, 0),
    convScratchBytes(c, oh, ow, 3, 3, 1, 1, 1, 1, 1, 1, 1, 0)),
    convScratchBytes(cin, h, w, 1, 1, stride, stride, 1, 1, 0, 0, 1, 0));
}

/** Scratch bytes (exact, see scratch.ts): conv1's and conv2's outputs, the conv scratch, CBAM's scratch. */
export function cbam_basicblock_f32_nchw_scratch_bytes(
  n: i32, cin: i32, h: i32, w: i32, c: i32, stride: i32, r: i32, pools: i32, k: i32, spatial: bool,
): f64 {
  const oh = convOutSize(h, 3, stride, 1, 1), ow = convOutSize(w, 3, stride, 1, 1);
  const out = <u64>n * <u64>c * <u64>oh * <u64>ow;
  return <f64>(region64(out) * 2 + convBytes(cin, h, w, c, oh, ow, stride) + cbamScratchBytes(n, c, oh, ow, r, pools, k, spatial));
}

/**
 * The block over x [n, cin, h, w] into y [n, c, oh, ow] (y must not alias x when there is a
 * downsample). conv1 [c, cin, 3, 3] and conv2 [c, c, 3, 3] packed (f32_conv2d_pack) with bn1 and
 * bn2 folded (biases b1, b2); the downsample ds [c, cin] packed with its bn folded (bias dsb), or
 * ds = 0 for the identity. CBAM's arguments as cbam_f32_nchw.
 */
export function cbam_basicblock_f32_nchw(
  x: usize, y: usize, n: i32, cin: i32, h: i32, w: i32, c: i32, stride: i32, scratch: usize,
  conv1: usize, b1: usize, conv2: usize, b2: usize, ds: usize, dsb: usize,
  r: i32, w1: usize, fb1: usize, w2: usize, fb2: usize, pools: i32,
  spatial: bool, k: i32, sw: usize, sb: usize, maxFirst: bool,
): void {
  const oh = convOutSize(h, 3, stride, 1, 1), ow = convOutSize(w, 3, stride, 1, 1);
  const t1 = scratch;
  const t2 = t1 + regionBytes(n * c * oh * ow);
  const convScratch = t2 + regionBytes(n * c * oh * ow);
  const cbamScratch = convScratch + <usize>convBytes(cin, h, w, c, oh, ow, stride);
  f32_conv2d_nchw(x, n, cin, h, w, conv1, b1, c, 3, 3, stride, stride, 1, 1, 1, 1, 1, true, 0, 0, convScratch, t1);
  f32_conv2d_nchw(t1, n, c, oh, ow, conv2, b2, c, 3, 3, 1, 1, 1, 1, 1, 1, 1, false, 0, 0, convScratch, t2);
  let residual = x;
  if (ds) {
    f32_conv2d_nchw(x, n, cin, h, w, ds, dsb, c, 1, 1, stride, stride, 1, 1, 0, 0, 1, false, 0, 0, convScratch, y);
    residual = y;
  }
  cbamForward(t2, y, n, c, oh, ow, cbamScratch, r, w1, fb1, w2, fb2, pools, spatial, k, sw, sb, maxFirst, residual);
}
