// GSoP, global second-order pooling in channel mode (Gao et al., arXiv 1811.12006;
// ZilinGao/Global-Second-order-Pooling-Convolutional-Networks torchvision/models/resnet.py
// Bottleneck.chan_att, MPNCOV/python/MPNCOV.py CovpoolLayer): t = relu(bn(conv(relu(x)))),
// Σ = the biased covariance of t's channels over positions, r = row_conv_group(row_bn(Σ)),
// y = x·σ(fc_adapt_channels(r)). bn_for_DR is folded into conv_for_DR and row_bn into the row
// convolution at create (assembly/blocks/gsop.ts computes the rest).

import { batchNormAffine, batchNormSpecs, FOLD_LIMIT, foldBatchNormExact } from "../batchnorm.js";
import { Block, type BlockDef, blockFactory, layoutCode } from "../block.js";
import { type Conv, convRecord, foldedConvWeights } from "../conv-params.js";
import { EPILOGUE_RELU } from "../constants.js";
import { i32, record } from "../params.js";
import { type Layout, positiveInt } from "../validate.js";
import type { Weights, WeightSpec } from "../weights.js";

export interface GSoPOptions {
  /** Channel count C of the input. */
  channels: number;
  /** d, the channels of the reduced t and the size of Σ (default 128). */
  attDim?: number;
  /** conv_for_DR's stride (default 1; the official nets use 2 where planes ≤ 64). */
  stride?: number;
}

export interface GSoPConfig {
  readonly layout: Layout;
  readonly channels: number;
  readonly attDim: number;
  readonly stride: number;
}

const NAME = "GSoP";

function gsopWeightSpecs({ channels: c, attDim: d }: GSoPConfig): WeightSpec[] {
  return [
    { key: "conv_for_DR.weight", shape: [d, c] }, { key: "conv_for_DR.bias", shape: [d] }, ...batchNormSpecs("bn_for_DR.", d),
    ...batchNormSpecs("row_bn.", d), { key: "row_conv_group.weight", shape: [4 * d, 1, d, 1] }, { key: "row_conv_group.bias", shape: [4 * d] },
    { key: "fc_adapt_channels.weight", shape: [c, 4 * d] }, { key: "fc_adapt_channels.bias", shape: [c] },
  ];
}

/** conv_for_DR: C → d, 1×1, the stride, its input relu(x) (the conv's input transform with scale 1, shift 0), bn_for_DR folded, ReLU. */
const reduceConv = (g: GSoPConfig): Conv => ({
  cin: g.channels, cout: g.attDim, kh: 1, kw: 1, stride: g.stride, epilogue: EPILOGUE_RELU,
  weight: "conv_for_DR.weight", bias: "conv_for_DR.bias", preScale: "relu.scale", preShift: "relu.shift",
});

/**
 * row_conv_group(row_bn(Σ)): output 4i + j reads row i of Σ' = Σ·s_i + h_i (row_bn's affine), so
 * W'[4i + j, k] = W[4i + j, k]·s_i and b'[4i + j] = b[4i + j] + h_i·Σ_k W[4i + j, k] (in double).
 * That is exact to rounding only when every weight, scale, shift and folded value is finite and
 * moderate (batchnorm.ts FOLD_LIMIT): PyTorch sums W·(Σ·s + h), in which a non-finite weight or
 * statistic gives NaN where the folded bias would be ±∞, and large terms cancel differently.
 * Otherwise the weights as given and row_bn's affine ("row_bn.scale", "row_bn.shift"), applied to Σ first.
 */
function rowWeights(w: Weights, d: number): Weights {
  const { scale, shift } = batchNormAffine(w, "row_bn.");
  const rw = w["row_conv_group.weight"], rb = w["row_conv_group.bias"];
  const weight = new Float32Array(rw.length), bias = new Float32Array(rb.length);
  const moderate = (v: number) => Math.abs(v) <= FOLD_LIMIT; // false for NaN
  let exact = true;
  for (let o = 0; o < 4 * d; o++) {
    const i = o >> 2;
    let sum = 0;
    for (let k = 0; k < d; k++) {
      weight[o * d + k] = rw[o * d + k] * scale[i];
      sum += rw[o * d + k];
      exact &&= moderate(rw[o * d + k]) && moderate(weight[o * d + k]);
    }
    bias[o] = rb[o] + shift[i] * sum;
    exact &&= moderate(scale[i]) && moderate(shift[i]) && moderate(rb[o]) && moderate(bias[o]);
  }
  if (exact) return { "row_conv_group.weight": weight, "row_conv_group.bias": bias };
  return { "row_conv_group.weight": rw, "row_conv_group.bias": rb, "row_bn.scale": Float32Array.from(scale), "row_bn.shift": Float32Array.from(shift) };
}

function gsopModuleWeights(g: GSoPConfig, w: Weights): { weights: Weights; convs: Conv[] } {
  return {
    weights: {
      ...foldedConvWeights("conv_for_DR.weight", "conv_for_DR.bias", foldBatchNormExact(w["conv_for_DR.weight"], w["conv_for_DR.bias"], w, "bn_for_DR.")),
      "relu.scale": new Float32Array(g.channels).fill(1), "relu.shift": new Float32Array(g.channels),
      ...rowWeights(w, g.attDim),
      "fc_adapt_channels.weight": w["fc_adapt_channels.weight"], "fc_adapt_channels.bias": w["fc_adapt_channels.bias"],
    },
    convs: [reduceConv(g)],
  };
}

const GSOP: BlockDef<GSoPOptions, GSoPConfig> = {
  name: NAME,
  optionKeys: ["channels", "attDim", "stride"],
  layouts: ["nchw", "nhwc"],
  parse: (o) => ({
    channels: positiveInt(NAME, "channels", o.channels),
    attDim: positiveInt(NAME, "attDim", o.attDim, 128),
    stride: positiveInt(NAME, "stride", o.stride, 1),
  }),
  weights: gsopWeightSpecs,
  prepare: gsopModuleWeights,
  params: (g, pack) => [
    i32(layoutCode(g.layout)), i32(g.channels), i32(g.attDim), i32(g.stride), record(convRecord(reduceConv(g), pack)),
    i32(pack.ptr("row_conv_group.weight")), i32(pack.ptr("row_conv_group.bias")), i32(pack.ptr("row_bn.scale")), i32(pack.ptr("row_bn.shift")),
    i32(pack.ptr("fc_adapt_channels.weight")), i32(pack.ptr("fc_adapt_channels.bias")),
  ],
  entry: (wasm) => ({ plan: wasm.gsop_plan, run: wasm.gsop_run }),
};

/**
 * A GSoP block (channel mode). Weights: conv_for_DR.weight [d, C], conv_for_DR.bias [d],
 * bn_for_DR.* [d], row_bn.* [d], row_conv_group.weight [4d, 1, d, 1], row_conv_group.bias [4d],
 * fc_adapt_channels.weight [C, 4d], fc_adapt_channels.bias [C].
 */
export const createGSoP = blockFactory<GSoPOptions, GSoPConfig, Block<GSoPConfig>>(GSOP);
