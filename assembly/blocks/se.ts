// SE (Hu et al., arXiv 1709.01507) and cSE (Roy et al., arXiv 1803.02579): y = x·s[n, c], s the
// channel excitation of parts/channel-gate.ts. x is read twice (the pool, the output pass), y
// written once, in either layout: NCHW pools plane by plane, NHWC by chunks of pixel rows.

import { LAYOUT_NHWC } from "../../bindings/constants";
import { Call } from "../call";
import { MulS, RowsAreChannels, RowsArePixels, scaleRows } from "../kernels/f32-vscale";
import { ChannelGate, gateCombineNhwc, gateExcite, gatePartialFloats, gatePool, gatePoolItemsNhwc, gatePoolNhwc } from "../parts/channel-gate";

/** SE's constants (bindings/blocks/se.ts): the layout (LAYOUT_*) and the channel gate's record. */
@unmanaged class SEParams { layout: i32; gate: usize; }

// regions and stages
const GATE = 0, HIDDEN = 1, SUMS = 2, MAXES = 3;
const POOL = 0, EXCITE = 1, SCALE = 2;

export function se_plan(params: usize, call: usize): void {
  const p = changetype<SEParams>(params), g = changetype<ChannelGate>(p.gate), k = changetype<Call>(call);
  const hw = k.h * k.w;
  k.begin();
  k.region(GATE, <u64>k.n * <u64>g.c); // the pooled statistics, then (in place) the gate
  k.region(HIDDEN, <u64>k.n * <u64>g.r);
  if (p.layout == LAYOUT_NHWC) {
    k.region(SUMS, gatePartialFloats(g, k.n, hw));
    k.region(MAXES, gatePartialFloats(g, k.n, hw));
    k.stage(POOL, gatePoolItemsNhwc(k.n, hw));
    k.stage(EXCITE, k.n);
    k.stage(SCALE, k.n * hw);
  } else {
    k.stage(POOL, k.n * g.c);
    k.stage(EXCITE, k.n);
    k.stage(SCALE, k.n * g.c);
  }
}

export function se_run(params: usize, call: usize, stage: i32, begin: i32, end: i32): void {
  const p = changetype<SEParams>(params), g = changetype<ChannelGate>(p.gate), k = changetype<Call>(call);
  const hw = k.h * k.w;
  const kind = k.kind(stage);
  const nhwc = p.layout == LAYOUT_NHWC;
  if (kind == POOL) {
    if (nhwc) gatePoolNhwc(g, k.x, hw, k.at(SUMS), k.at(MAXES), begin, end);
    else gatePool(g, k.x, hw, k.at(GATE), begin, end);
  } else if (kind == EXCITE) {
    if (nhwc) gateCombineNhwc(g, k.at(SUMS), k.at(MAXES), hw, k.at(GATE), begin, end);
    gateExcite(g, k.at(GATE), k.at(HIDDEN), k.at(GATE), begin, end);
  } else if (nhwc) {
    // rows of C channels, each image's HW rows sharing its gate vector
    scaleRows<MulS, RowsArePixels>(k.x, k.y, 0, <usize>g.c << 2, g.c, hw, 0, k.at(GATE), <usize>g.c << 2, begin, end);
  } else {
    scaleRows<MulS, RowsAreChannels>(k.x, k.y, 0, <usize>hw << 2, hw, 1, k.at(GATE), 0, 0, begin, end);
  }
}
