// The SE residual block of the articles (ResBlockSqEx, pre-activation):
// y = x + SE(conv2(relu(bn2(conv1(relu(bn1(x))))))), 3×3 convs, padding 1, no bias; the SE with
// bias, ReLU, sigmoid and average pooling. bn2 is folded into conv1; bn1, before a ReLU, is
// applied as a per-channel affine as conv1 reads x (assembly/blocks/se-resblock.ts).

import { batchNormAffine, batchNormSpecs, foldBatchNormExact } from "../batchnorm.js";
import { Block, type BlockDef, blockFactory, layoutCode } from "../block.js";
import { type Conv, convRecord, foldedConvWeights } from "../conv-params.js";
import { EPILOGUE_RELU } from "../constants.js";
import { i32, record } from "../params.js";
import { type ChannelGate, channelGateRecord, channelGateWeights, parseChannelGate } from "../parts/channel-gate.js";
import type { Layout } from "../validate.js";
import type { Weights } from "../weights.js";

export interface SEResBlockOptions {
  /** Channel count C of the input and the output. */
  channels: number;
  /** The SE's R = max(1, floor(C / reduction)) (default 16). */
  reduction?: number;
  /** The SE's R given outright; overrides `reduction`. */
  reducedChannels?: number;
}

export type SEResBlockConfig = ChannelGate & { readonly layout: Layout };

/** conv1 (bn1 + relu on its input, bn2 folded, relu after) and conv2, both C → C, 3×3, padding 1. */
function convs(c: number): [Conv, Conv] {
  const conv = { cin: c, cout: c, kh: 3, kw: 3, padding: [1, 1] as const };
  return [
    { ...conv, epilogue: EPILOGUE_RELU, weight: "conv1.weight", bias: "conv1.bias", preScale: "bn1.scale", preShift: "bn1.shift" },
    { ...conv, weight: "conv2.weight" },
  ];
}

const SE_RESBLOCK: BlockDef<SEResBlockOptions, SEResBlockConfig> = {
  name: "SEResBlock",
  optionKeys: ["channels", "reduction", "reducedChannels"],
  layouts: ["nchw", "nhwc"],
  parse: (o) => ({ ...parseChannelGate("SEResBlock", { channels: o.channels, reduction: o.reduction, reducedChannels: o.reducedChannels }) }),
  weights: (g) => [
    ...batchNormSpecs("bn1.", g.channels), { key: "conv1.weight", shape: [g.channels, g.channels, 3, 3] },
    ...batchNormSpecs("bn2.", g.channels), { key: "conv2.weight", shape: [g.channels, g.channels, 3, 3] },
    ...channelGateWeights(g, "se."),
  ],
  prepare: (g, w) => {
    const bn1 = batchNormAffine(w, "bn1.");
    const weights: Weights = {
      "bn1.scale": Float32Array.from(bn1.scale), "bn1.shift": Float32Array.from(bn1.shift),
      ...foldedConvWeights("conv1.weight", "conv1.bias", foldBatchNormExact(w["conv1.weight"], undefined, w, "bn2.")), "conv2.weight": w["conv2.weight"],
    };
    for (const key of ["se.fc1.weight", "se.fc1.bias", "se.fc2.weight", "se.fc2.bias"]) weights[key] = w[key];
    return { weights, convs: convs(g.channels) };
  },
  params: (g, pack) => {
    const [conv1, conv2] = convs(g.channels);
    return [i32(layoutCode(g.layout)), record(convRecord(conv1, pack)), record(convRecord(conv2, pack)), record(channelGateRecord(g, pack, "se."))];
  },
  entry: (wasm) => ({ plan: wasm.se_resblock_plan, run: wasm.se_resblock_run }),
};

/**
 * The pre-activation residual block with SE. Weights: bn1.*, conv1.weight [C, C, 3, 3], bn2.*,
 * conv2.weight [C, C, 3, 3], se.fc1.weight [R, C], se.fc1.bias [R], se.fc2.weight [C, R], se.fc2.bias [C]
 * (bn.* = weight, bias, running_mean, running_var, [C] each).
 */
export const createSEResBlock = blockFactory<SEResBlockOptions, SEResBlockConfig, Block<SEResBlockConfig>>(SE_RESBLOCK);
