// The SE residual block of the articles (ResBlockSqEx, pre-activation; Hu et al., arXiv 1709.01507):
// y = x + SE(conv2(relu(bn2(conv1(relu(bn1(x))))))), 3×3 convs, stride 1, padding 1, no bias
// (NHWC through parts/layout-adapter.ts).
// bn1 sits before a ReLU, so it is applied as a per-channel affine + ReLU as conv1 packs its input;
// bn2 is folded into conv1 (scale and bias) and its ReLU is conv1's epilogue. The SE is the
// average-pool, bias, ReLU, sigmoid channel gate of parts/channel-gate.ts; its scaling and the
// residual add are one output pass.

import { LAYOUT_NHWC } from "../../bindings/constants";
import { Call } from "../call";
import { MulSAddR, RowsAreChannels, scaleRows } from "../kernels/f32-vscale";
import { ChannelGate, gateExcite, gatePool } from "../parts/channel-gate";
import { CONV_KINDS, convRegions, convStages, convStagesRun } from "../parts/conv-stages";
import { ADAPTER_KINDS, ADAPTER_SLOTS, adapterIn, adapterOut, adapterRun, adapterX, adapterY } from "../parts/layout-adapter";

/** The block's constants (bindings/blocks/se-resblock.ts): layout, conv1's and conv2's ConvParams, the SE's ChannelGate. */
@unmanaged class SEResBlockParams { layout: i32; conv1: usize; conv2: usize; gate: usize; }

// conv1 and conv2 have one geometry (C → C, 3×3, padding 1): they share the table and the packed copy
const T1 = 0, T2 = 1, GATE = 2, HIDDEN = 3, ADAPTER = 4, CONV = ADAPTER + ADAPTER_SLOTS;
const POOL = 0, EXCITE = 1, OUTPUT = 2, ADAPT = 3, CONV1 = ADAPT + ADAPTER_KINDS, CONV2 = CONV1 + CONV_KINDS;

export function se_resblock_plan(params: usize, call: usize): void {
  const p = changetype<SEResBlockParams>(params), k = changetype<Call>(call);
  const g = changetype<ChannelGate>(p.gate);
  const n = k.n, h = k.h, w = k.w, planes = <u64>n * <u64>g.c;
  const nhwc = p.layout == LAYOUT_NHWC;
  k.begin();
  adapterIn(nhwc, k, g.c, g.c, h, w, ADAPTER, ADAPT);
  k.region(T1, planes * <u64>h * <u64>w);
  k.region(T2, planes * <u64>h * <u64>w);
  k.region(GATE, planes);
  k.region(HIDDEN, <u64>n * <u64>g.r);
  convRegions(p.conv1, k, n, h, w, CONV, p.conv2, 1);
  convStages(p.conv1, k, n, h, w, CONV1);
  convStages(p.conv2, k, n, h, w, CONV2);
  k.stage(POOL, n * g.c);
  k.stage(EXCITE, n);
  k.stage(OUTPUT, n * g.c);
  adapterOut(nhwc, k, g.c, h, w, ADAPT);
}

export function se_resblock_run(params: usize, call: usize, stage: i32, begin: i32, end: i32): void {
  const p = changetype<SEResBlockParams>(params), k = changetype<Call>(call);
  const g = changetype<ChannelGate>(p.gate);
  const n = k.n, h = k.h, w = k.w, hw = h * w;
  const kind = k.kind(stage);
  const nhwc = p.layout == LAYOUT_NHWC, x = adapterX(nhwc, k, ADAPTER), y = adapterY(nhwc, k, ADAPTER);
  if (kind >= CONV2) convStagesRun(p.conv2, k, kind - CONV2, k.at(T1), k.at(T2), n, h, w, CONV, begin, end);
  else if (kind >= CONV1) convStagesRun(p.conv1, k, kind - CONV1, x, k.at(T1), n, h, w, CONV, begin, end);
  else if (kind >= ADAPT) adapterRun(k, kind - ADAPT, g.c, g.c, h, w, ADAPTER, begin, end);
  else if (kind == POOL) gatePool(g, k.at(T2), hw, k.at(GATE), begin, end);
  else if (kind == EXCITE) gateExcite(g, k.at(GATE), k.at(HIDDEN), k.at(GATE), begin, end);
  else scaleRows<MulSAddR, RowsAreChannels>(k.at(T2), y, x, <usize>hw << 2, hw, 1, k.at(GATE), 0, 0, begin, end);
}

