// sSE (Roy et al., arXiv 1803.02579): y = x·gate(conv1x1_{C→1}(x)), one pass over tiles of pixels
// (f32-conv1x1.ts sizes them so a tile's C rows stay in L2): the tile's squeeze, its gate, then
// the same pixels of every channel recalibrated. x is read from memory once, y written once.

import { Call } from "../call";
import { paddedPixels, tilePixels } from "../kernels/f32-conv1x1";
import { MulQ } from "../kernels/f32-vscale";
import { SpatialGate, spatialPassItems, spatialPass } from "../parts/spatial-gate";

/** sSE's constants (bindings/blocks/sse.ts): the layout and the spatial gate's record. */
@unmanaged class SSEParams { layout: i32; gate: usize; }

const Q = 0;
const PASS = 0;

export function sse_plan(params: usize, call: usize): void {
  const g = changetype<SpatialGate>(changetype<SSEParams>(params).gate), k = changetype<Call>(call);
  k.begin();
  k.region(Q, <u64>k.n * <u64>paddedPixels(k.h * k.w));
  k.stage(PASS, spatialPassItems(k.n, k.h * k.w, tilePixels(g.c)));
}

export function sse_run(params: usize, call: usize, _stage: i32, begin: i32, end: i32): void {
  const g = changetype<SpatialGate>(changetype<SSEParams>(params).gate), k = changetype<Call>(call);
  spatialPass<MulQ>(g, k.x, k.y, k.h * k.w, 0, k.at(Q), begin, end);
}
