// SE (Hu et al., arXiv 1709.01507) and cSE (Roy et al., arXiv 1803.02579): y = x·s[n, c], s the
// channel excitation of channel-gate.ts. x is read twice (the pool, the output pass), y written once.

import { Call } from "../call";
import { MulS, RowsAreChannels, scaleRows } from "../kernels/f32-vscale";
import { ChannelGate, gateExcite, gatePool } from "../parts/channel-gate";

/** SE's constants (bindings/blocks/se.ts): the layout (LAYOUT_*) and the channel gate's record. */
@unmanaged class SEParams { layout: i32; gate: usize; }

// regions and stages
const GATE = 0, HIDDEN = 1;
const POOL = 0, EXCITE = 1, SCALE = 2;

export function se_plan(params: usize, call: usize): void {
  const g = changetype<ChannelGate>(changetype<SEParams>(params).gate), k = changetype<Call>(call);
  k.begin();
  k.region(GATE, <u64>k.n * <u64>g.c); // the pooled statistics, then (in place) the gate
  k.region(HIDDEN, <u64>k.n * <u64>g.r);
  k.stage(POOL, k.n * g.c);
  k.stage(EXCITE, k.n);
  k.stage(SCALE, k.n * g.c);
}

export function se_run(params: usize, call: usize, stage: i32, begin: i32, end: i32): void {
  const g = changetype<ChannelGate>(changetype<SEParams>(params).gate), k = changetype<Call>(call);
  const hw = k.h * k.w;
  const kind = k.kind(stage);
  if (kind == POOL) gatePool(g, k.x, hw, k.at(GATE), begin, end);
  else if (kind == EXCITE) gateExcite(g, k.at(GATE), k.at(HIDDEN), k.at(GATE), begin, end);
  else scaleRows<MulS, RowsAreChannels>(k.x, k.y, 0, <usize>hw << 2, hw, 1, k.at(GATE), 0, 0, begin, end);
}
