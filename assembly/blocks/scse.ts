// scSE (Roy et al., arXiv 1803.02579): y = combine(x·cSE gate, x·sSE gate), combine ∈ {add, max}.
// The channel gate needs a first read of x (global pooling); the output pass reads it once more.

import { channelGate, channelGateScratchBytes } from "./channel-gate";
import { AddGates, MaxGates, spatialPass } from "./spatial-pass";

export const COMBINE_ADD = 0;
export const COMBINE_MAX = 1;

export function scse_f32_nchw_scratch_bytes(n: i32, c: i32, r: i32): usize {
  return channelGateScratchBytes(n, c, r);
}

/** scSE over x [N, C, H·W] into y (may alias x): cSE weights as se_f32_nchw, sSE's w [1, C] and bias. */
export function scse_f32_nchw(
  x: usize, y: usize, n: i32, c: i32, hw: i32, scratch: usize,
  r: i32, w1: usize, b1: usize, w2: usize, b2: usize, act: i32, pool: i32,
  sw: usize, sb: usize, gate: i32, alpha: f32, beta: f32, combine: i32,
): void {
  const s = channelGate(x, n, c, hw, scratch, r, w1, b1, w2, b2, act, gate, alpha, beta, pool);
  if (combine == COMBINE_MAX) spatialPass<MaxGates>(x, y, n, c, hw, sw, sb, s, gate, alpha, beta);
  else spatialPass<AddGates>(x, y, n, c, hw, sw, sb, s, gate, alpha, beta);
}
