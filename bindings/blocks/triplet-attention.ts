// Triplet attention (Misra et al., arXiv 2010.03045; landskape-ai/triplet-attention triplet_attention.py):
// y = (1/3)·(x·s_hw + x·s_cw + x·s_hc), each gate σ(bn(conv7×7([max, mean]))) of x pooled along one
// axis (assembly/blocks/triplet-attention.ts); noSpatial drops s_hw: y = (1/2)·(x·s_cw + x·s_hc).

import { batchNormSpecs, foldBatchNormExact } from "../batchnorm.js";
import { Block, type BlockDef, blockFactory, layoutCode } from "../block.js";
import { type Conv, convRecord, foldedConvWeights } from "../conv-params.js";
import { EPILOGUE_SIGMOID } from "../constants.js";
import { i32, record } from "../params.js";
import { bool, type Layout, positiveInt } from "../validate.js";
import type { Weights, WeightSpec } from "../weights.js";

export interface TripletAttentionOptions {
  /** Channel count C of the input. */
  channels: number;
  /** Without the spatial (hw) branch (default false). */
  noSpatial?: boolean;
}

export interface TripletAttentionConfig {
  readonly layout: Layout;
  readonly channels: number;
  readonly noSpatial: boolean;
}

type Branch = "cw" | "hc" | "hw";
const branches = (g: TripletAttentionConfig): Branch[] => (g.noSpatial ? ["cw", "hc"] : ["cw", "hc", "hw"]);

/** A branch's gate conv: 2 → 1, 7×7, padding 3, its BN folded into the weights and a bias, σ as its epilogue. */
const gateConv = (b: Branch): Conv => ({
  cin: 2, cout: 1, kh: 7, kw: 7, padding: [3, 3], epilogue: EPILOGUE_SIGMOID, weight: `${b}.conv.conv.weight`, bias: `${b}.conv.conv.bias`,
});

function foldedWeights(g: TripletAttentionConfig, w: Weights): { weights: Weights; convs: Conv[] } {
  // a BN that does not fold exactly (a NaN or ±Inf statistic) stays apart: the conv's exact pass applies it
  const out: Weights = {};
  for (const b of branches(g)) {
    Object.assign(out, foldedConvWeights(`${b}.conv.conv.weight`, `${b}.conv.conv.bias`, foldBatchNormExact(w[`${b}.conv.conv.weight`], undefined, w, `${b}.conv.bn.`)));
  }
  return { weights: out, convs: branches(g).map(gateConv) };
}

const NAME = "TripletAttention";

const TRIPLET: BlockDef<TripletAttentionOptions, TripletAttentionConfig> = {
  name: NAME,
  optionKeys: ["channels", "noSpatial"],
  layouts: ["nchw", "nhwc"],
  parse: (o) => ({ channels: positiveInt(NAME, "channels", o.channels), noSpatial: bool(NAME, "noSpatial", o.noSpatial, false) }),
  weights: (g): WeightSpec[] => branches(g).flatMap((b) => [{ key: `${b}.conv.conv.weight`, shape: [1, 2, 7, 7] }, ...batchNormSpecs(`${b}.conv.bn.`, 1)]),
  prepare: foldedWeights,
  params: (g, pack) => [
    i32(layoutCode(g.layout)), i32(g.channels),
    record(convRecord(gateConv("cw"), pack)), record(convRecord(gateConv("hc"), pack)), record(g.noSpatial ? undefined : convRecord(gateConv("hw"), pack)),
  ],
  entry: (wasm) => ({ plan: wasm.triplet_attention_plan, run: wasm.triplet_attention_run }),
};

/**
 * A triplet attention module. Weights (the official names): cw.conv.conv.weight [1, 2, 7, 7],
 * cw.conv.bn.{weight, bias, running_mean, running_var} [1], the same for hc. and (without noSpatial) hw.
 */
export const createTripletAttention = blockFactory<TripletAttentionOptions, TripletAttentionConfig, Block<TripletAttentionConfig>>(TRIPLET);
