// sSE (Roy et al., arXiv 1803.02579): y = x · gate(conv1x1_{C→1}(x)), fused in one pass.

import { spatialPass, SpatialOnly } from "./spatial-pass";

/** sSE over x [N, C, H·W] into y (may alias x); w is [1, C], bias 0 = none. */
export function sse_f32_nchw(
  x: usize, y: usize, n: i32, c: i32, hw: i32,
  w: usize, bias: usize, gate: i32, alpha: f32, beta: f32,
): void {
  spatialPass<SpatialOnly>(x, y, n, c, hw, w, bias, 0, gate, alpha, beta);
}
