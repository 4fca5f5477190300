// sSE (Roy et al., arXiv 1803.02579): y = x·gate(conv1x1_{C→1}(x)), one pass over tiles of pixels
// (f32-conv1x1.ts sizes them so a tile's C rows stay in L2): the tile's squeeze, its gate, then
// the same pixels of every channel recalibrated. x is read from memory once, y written once; in
// NHWC a pixel's channels are one row, its squeeze a dot product, its recalibration a row scaled.

import { LAYOUT_NHWC } from "../../bindings/constants";
import { Call } from "../call";
import { paddedPixels, tilePixels } from "../kernels/f32-conv1x1";
import { MulQ } from "../kernels/f32-vscale";
import { SpatialGate, spatialPass, spatialPassItems, spatialPassItemsNhwc, spatialPassNhwc } from "../parts/spatial-gate";

/** sSE's constants (bindings/blocks/sse.ts): the layout and the spatial gate's record. */
@unmanaged class SSEParams { layout: i32; gate: usize; }

const Q = 0;
const PASS = 0;

export function sse_plan(params: usize, call: usize): void {
  const p = changetype<SSEParams>(params), g = changetype<SpatialGate>(p.gate), k = changetype<Call>(call);
  const hw = k.h * k.w;
  k.begin();
  k.region(Q, <u64>k.n * <u64>paddedPixels(hw));
  k.stage(PASS, p.layout == LAYOUT_NHWC ? spatialPassItemsNhwc(k.n, hw, g.c) : spatialPassItems(k.n, hw, tilePixels(g.c)));
}

export function sse_run(params: usize, call: usize, _stage: i32, begin: i32, end: i32): void {
  const p = changetype<SSEParams>(params), g = changetype<SpatialGate>(p.gate), k = changetype<Call>(call);
  if (p.layout == LAYOUT_NHWC) spatialPassNhwc<MulQ>(g, k.x, k.y, k.h * k.w, 0, k.at(Q), begin, end);
  else spatialPass<MulQ>(g, k.x, k.y, k.h * k.w, 0, k.at(Q), begin, end);
}
