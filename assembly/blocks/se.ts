// SE and cSE: y = x · s[n, c] with s the channel excitation (channel-gate.ts).

import { f32_vscale_channel_cw } from "../kernels/f32-vscale";
import { channelGate, channelGateScratchBytes } from "./channel-gate";

export function se_f32_nchw_scratch_bytes(n: i32, c: i32, r: i32): usize {
  return channelGateScratchBytes(n, c, r);
}

/** SE over x [N, C, H·W] into y (may alias x). See channelGate for the weights. */
export function se_f32_nchw(
  x: usize, y: usize, n: i32, c: i32, hw: i32, scratch: usize,
  r: i32, w1: usize, b1: usize, w2: usize, b2: usize,
  act: i32, gate: i32, alpha: f32, beta: f32, pool: i32,
): void {
  const s = channelGate(x, n, c, hw, scratch, r, w1, b1, w2, b2, act, gate, alpha, beta, pool);
  f32_vscale_channel_cw(x, n * c, hw, s, y);
}
