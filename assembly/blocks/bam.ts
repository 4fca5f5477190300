// BAM (Park et al., arXiv 1807.06514): y = (1 + σ(combine(mc[n, c], ms[n, i])))·x.
// Channel: mc = fc2(relu(bn(fc1(GAP(x))))) (bn folded into fc1 at create).
// Spatial: t = relu(reduce(x)) (1×1, C → R), `dilatedConvs` × t = relu(dilated_i(t)) (3×3,
// dilation d, padding d, R → R), ms = final(t) (1×1, R → 1); every bn folded into its conv.
// x is read by the pooling, the 1×1 reduction and the output pass; y is written once (NHWC
// through parts/layout-adapter.ts: one transposition in, one out).

import { COMBINE_ADD, LAYOUT_NHWC } from "../../bindings/constants";
import { Call } from "../call";
import { f32_dense } from "../kernels/f32-dense";
import { BamAdd, BamMul, RowsAreChannels, scaleRows } from "../kernels/f32-vscale";
import { f32_vaffineRows, f32_vrelu } from "../kernels/f32-vunary";
import { ConvParams } from "../kernels/f32-conv2d";
import { planeMean } from "../kernels/f32-gpool";
import { CONV_KINDS, CONV_SLOTS, convRegions, convStages, convStagesPlan, convStagesRun } from "../parts/conv-stages";
import { ADAPTER_KINDS, adapterIn, adapterOut, adapterRun, adapterX, adapterY } from "../parts/layout-adapter";

/**
 * BAM's constants (bindings/blocks/bam.ts): layout, C, R, the combine (COMBINE_MUL or
 * COMBINE_ADD), fc1 [R, C] with the channel bn folded and its bias (or, where the bn does not
 * fold exactly, fc1 as given and the bn's scale s1 and shift t1, else 0), fc2 [C, R] and bias, the
 * ConvParams records of the reduce conv, of the `dilatedConvs` dilated convs (back to back) and of
 * the final conv.
 */
@unmanaged class BAMParams {
  layout: i32; c: i32; r: i32; combine: i32; w1: usize; b1: usize; s1: usize; t1: usize; w2: usize; b2: usize;
  reduce: usize; dilatedConvs: i32; dilated: usize; final: usize;
}

// regions: the pooled statistics, hidden, mc; the spatial maps t and u (ping-pong), ms; each conv's two
const POOLED = 0, HIDDEN = 1, MC = 2, T = 3, U = 4, MS = 5, REDUCE = 6, DILATED = REDUCE + CONV_SLOTS, FINAL = DILATED + CONV_SLOTS, ADAPTER = FINAL + CONV_SLOTS;
// stages: a conv's take CONV_KINDS codes from its base; the dilated convs' codes carry the conv's index above 8 bits
const POOL = 0, MLP = 1, OUTPUT = 2, ADAPT = 3, REDUCE_STAGES = ADAPT + ADAPTER_KINDS, FINAL_STAGES = REDUCE_STAGES + CONV_KINDS, DILATED_STAGES = FINAL_STAGES + CONV_KINDS;

/** The record of dilated conv i (the records are back to back). */
@inline function dilatedConv(p: BAMParams, i: i32): usize { return p.dilated + <usize>i * offsetof<ConvParams>(); }

export function bam_plan(params: usize, call: usize): void {
  const p = changetype<BAMParams>(params), k = changetype<Call>(call);
  const n = k.n, h = k.h, w = k.w, hw = <u64>h * <u64>w;
  const nhwc = p.layout == LAYOUT_NHWC;
  k.begin();
  adapterIn(nhwc, k, p.c, p.c, h, w, ADAPTER, ADAPT);
  k.region(POOLED, <u64>n * <u64>p.c);
  k.region(HIDDEN, <u64>n * <u64>p.r);
  k.region(MC, <u64>n * <u64>p.c);
  k.region(T, <u64>n * <u64>p.r * hw);
  k.region(U, <u64>n * <u64>p.r * hw);
  k.region(MS, <u64>n * hw);
  k.stage(POOL, n * p.c);
  k.stage(MLP, n);
  convStagesPlan(p.reduce, k, n, h, w, REDUCE, REDUCE_STAGES);
  // the dilated convs share one geometry: one table and one packed copy serve them in turn
  if (p.dilatedConvs > 0) convRegions(dilatedConv(p, 0), k, n, h, w, DILATED, dilatedConv(p, 1), p.dilatedConvs - 1);
  for (let i = 0; i < p.dilatedConvs; i++) convStages(dilatedConv(p, i), k, n, h, w, DILATED_STAGES | (i << 8));
  convStagesPlan(p.final, k, n, h, w, FINAL, FINAL_STAGES);
  k.stage(OUTPUT, n * p.c);
  adapterOut(nhwc, k, p.c, h, w, ADAPT);
}

export function bam_run(params: usize, call: usize, stage: i32, begin: i32, end: i32): void {
  const p = changetype<BAMParams>(params), k = changetype<Call>(call);
  const n = k.n, h = k.h, w = k.w, hw = h * w;
  const kind = k.kind(stage);
  const planeBytes = <usize>hw << 2;
  const code = kind & 255;
  const nhwc = p.layout == LAYOUT_NHWC, x = adapterX(nhwc, k, ADAPTER), y = adapterY(nhwc, k, ADAPTER);
  if (code == POOL) {
    const pooled = k.at(POOLED);
    for (let i = begin; i < end; i++) store<f32>(pooled + (<usize>i << 2), planeMean(x + <usize>i * planeBytes, hw));
  } else if (code == MLP) {
    const rows = end - begin;
    const hidden = k.at(HIDDEN) + (<usize>(begin * p.r) << 2);
    f32_dense(k.at(POOLED) + (<usize>(begin * p.c) << 2), rows, p.c, p.w1, p.b1, p.r, hidden);
    if (p.s1) f32_vaffineRows(hidden, rows, p.r, p.s1, p.t1);
    f32_vrelu(hidden, rows * p.r, hidden);
    f32_dense(hidden, rows, p.r, p.w2, p.b2, p.c, k.at(MC) + (<usize>(begin * p.c) << 2));
  } else if (code >= DILATED_STAGES) {
    // conv i reads t (i even) or u and writes the other
    const i = kind >> 8;
    const src = i & 1 ? k.at(U) : k.at(T), dst = i & 1 ? k.at(T) : k.at(U);
    convStagesRun(dilatedConv(p, i), k, code - DILATED_STAGES, src, dst, n, h, w, DILATED, begin, end);
  } else if (code >= FINAL_STAGES) {
    convStagesRun(p.final, k, code - FINAL_STAGES, p.dilatedConvs & 1 ? k.at(U) : k.at(T), k.at(MS), n, h, w, FINAL, begin, end);
  } else if (code >= REDUCE_STAGES) {
    convStagesRun(p.reduce, k, code - REDUCE_STAGES, x, k.at(T), n, h, w, REDUCE, begin, end);
  } else if (code >= ADAPT) {
    adapterRun(k, code - ADAPT, p.c, p.c, h, w, ADAPTER, begin, end);
  } else if (p.combine == COMBINE_ADD) {
    scaleRows<BamAdd, RowsAreChannels>(x, y, 0, planeBytes, hw, p.c, k.at(MC), k.at(MS), planeBytes, begin, end);
  } else {
    scaleRows<BamMul, RowsAreChannels>(x, y, 0, planeBytes, hw, p.c, k.at(MC), k.at(MS), planeBytes, begin, end);
  }
}
