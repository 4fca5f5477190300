// Split attention (Zhang et al., arXiv 2004.08955; zhanghang1989/ResNeSt resnest/torch/models/splat.py
// SplAtConv2d): u = relu(bn0(conv(x))) (groups G·R, R·C channels), u_r = u[:, r·C:(r+1)·C],
// z = relu(bn1(fc1(GAP(Σ_r u_r)))), a = fc2(z) (fc1, fc2 grouped 1×1, groups G), softmax over r
// of a viewed [N, G, R, C/G] (R = 1: σ(a)), y = Σ_r att_r·u_r. bn0 and bn1 are folded into the
// layers in front of them at create (assembly/blocks/split-attention.ts computes the rest).

import { batchNormSpecs, foldBatchNormExact } from "../batchnorm.js";
import { Block, type BlockDef, blockFactory, layoutCode } from "../block.js";
import { type Conv, convRecord, foldedConvWeights } from "../conv-params.js";
import { EPILOGUE_RELU } from "../constants.js";
import { i32, record } from "../params.js";
import { bool, describe, type Layout, positiveInt } from "../validate.js";
import type { Weights, WeightSpec } from "../weights.js";

export interface SplitAttentionOptions {
  /** Input channel count. */
  inChannels: number;
  /** Output channel count C (default inChannels). */
  channels?: number;
  /** The convolution's kernel size (default 3). */
  kernelSize?: number;
  /** Its stride (default 1). */
  stride?: number;
  /** Its dilation (default 1). */
  dilation?: number;
  /** Its zero padding (default dilation·(kernelSize − 1)/2; an even kernelSize needs it given). */
  padding?: number;
  /** Cardinality G (default 1): the convolution has G·radix groups, fc1 and fc2 have G. */
  groups?: number;
  /** Radix R (default 2); 1 makes the attention a sigmoid. */
  radix?: number;
  /** I = max(floor(inChannels·R / reductionFactor), 32) (default 4). */
  reductionFactor?: number;
  /** I given outright; overrides reductionFactor. */
  reducedChannels?: number;
  /** Whether the convolution has a bias (default false, ResNeSt's Bottleneck). */
  bias?: boolean;
  /** Whether bn0 and bn1 are present (default true, ResNeSt's Bottleneck). */
  norm?: boolean;
}

export interface SplitAttentionConfig {
  readonly layout: Layout;
  readonly inChannels: number;
  readonly channels: number;
  readonly kernelSize: number;
  readonly stride: number;
  readonly dilation: number;
  readonly padding: number;
  readonly groups: number;
  readonly radix: number;
  readonly reduced: number;
  readonly bias: boolean;
  readonly norm: boolean;
}

const NAME = "SplitAttention";

function parseSplitAttention(o: SplitAttentionOptions): Omit<SplitAttentionConfig, "layout"> {
  const inChannels = positiveInt(NAME, "inChannels", o.inChannels);
  const channels = positiveInt(NAME, "channels", o.channels, inChannels);
  const kernelSize = positiveInt(NAME, "kernelSize", o.kernelSize, 3);
  const stride = positiveInt(NAME, "stride", o.stride, 1);
  const dilation = positiveInt(NAME, "dilation", o.dilation, 1);
  let padding: number;
  if (o.padding === undefined) {
    if (kernelSize % 2 === 0) throw new RangeError(`excite: ${NAME} option kernelSize ${kernelSize} is even: give padding (the default dilation·(kernelSize − 1)/2 is not an integer)`);
    padding = (dilation * (kernelSize - 1)) / 2;
  } else {
    padding = o.padding;
    if (typeof padding !== "number" || !Number.isSafeInteger(padding) || padding < 0) throw new RangeError(`excite: ${NAME} option padding must be a non-negative integer, got ${describe(o.padding)}`);
  }
  const groups = positiveInt(NAME, "groups", o.groups, 1);
  const radix = positiveInt(NAME, "radix", o.radix, 2);
  const factor = positiveInt(NAME, "reductionFactor", o.reductionFactor, 4);
  const reduced = o.reducedChannels === undefined ? Math.max(Math.floor((inChannels * radix) / factor), 32) : positiveInt(NAME, "reducedChannels", o.reducedChannels);
  if (inChannels % (groups * radix)) throw new RangeError(`excite: ${NAME} needs inChannels (${inChannels}) divisible by groups·radix (${groups}·${radix} = ${groups * radix})`);
  if (channels % groups) throw new RangeError(`excite: ${NAME} needs channels (${channels}) divisible by groups (${groups})`);
  if (reduced % groups) throw new RangeError(`excite: ${NAME} needs the inner width I (${reduced}${o.reducedChannels === undefined ? ", from reductionFactor" : ", reducedChannels"}) divisible by groups (${groups})`);
  return {
    inChannels, channels, kernelSize, stride, dilation, padding, groups, radix, reduced,
    bias: bool(NAME, "bias", o.bias, false), norm: bool(NAME, "norm", o.norm, true),
  };
}

/** Output size along an axis of `size`: floor((size + 2·padding − dilation·(k − 1) − 1)/stride) + 1. */
const outSize = (g: SplitAttentionConfig, size: number): number => Math.floor((size + 2 * g.padding - g.dilation * (g.kernelSize - 1) - 1) / g.stride) + 1;

function splitWeightSpecs(g: SplitAttentionConfig): WeightSpec[] {
  const { inChannels: cin, channels: c, kernelSize: k, groups, radix, reduced } = g;
  const rc = radix * c;
  const specs: WeightSpec[] = [{ key: "conv.weight", shape: [rc, cin / (groups * radix), k, k] }];
  if (g.bias) specs.push({ key: "conv.bias", shape: [rc] });
  if (g.norm) specs.push(...batchNormSpecs("bn0.", rc));
  specs.push({ key: "fc1.weight", shape: [reduced, c / groups] }, { key: "fc1.bias", shape: [reduced] });
  if (g.norm) specs.push(...batchNormSpecs("bn1.", reduced));
  specs.push({ key: "fc2.weight", shape: [rc, reduced / groups] }, { key: "fc2.bias", shape: [rc] });
  return specs;
}

/** The convolution: inChannels → R·C, groups G·R, bn0 folded, ReLU. */
function splitConv(g: SplitAttentionConfig): Conv {
  return {
    cin: g.inChannels, cout: g.radix * g.channels, kh: g.kernelSize, kw: g.kernelSize, stride: g.stride, padding: [g.padding, g.padding],
    dilation: g.dilation, groups: g.groups * g.radix, epilogue: EPILOGUE_RELU, weight: "conv.weight", bias: g.bias || g.norm ? "conv.bias" : undefined,
  };
}

/**
 * bn0 folded into the conv and bn1 into fc1 where that is exact (batchnorm.ts foldBatchNormExact);
 * otherwise kept apart: bn0 by the conv's exact pass, bn1 as the affine after fc1 ("bn1.scale", "bn1.shift").
 */
function splitModuleWeights(g: SplitAttentionConfig, w: Weights): { weights: Weights; convs: Conv[] } {
  const out: Weights = { "fc2.weight": w["fc2.weight"], "fc2.bias": w["fc2.bias"] };
  if (!g.norm) {
    Object.assign(out, { "conv.weight": w["conv.weight"], "fc1.weight": w["fc1.weight"], "fc1.bias": w["fc1.bias"] });
    if (g.bias) out["conv.bias"] = w["conv.bias"];
    return { weights: out, convs: [splitConv(g)] };
  }
  Object.assign(out, foldedConvWeights("conv.weight", "conv.bias", foldBatchNormExact(w["conv.weight"], w["conv.bias"], w, "bn0.")));
  const fc1 = foldBatchNormExact(w["fc1.weight"], w["fc1.bias"], w, "bn1.");
  Object.assign(out, { "fc1.weight": fc1.weight, "fc1.bias": fc1.bias });
  if (fc1.after) Object.assign(out, { "bn1.scale": fc1.after.scale, "bn1.shift": fc1.after.shift });
  return { weights: out, convs: [splitConv(g)] };
}

const SPLIT_ATTENTION: BlockDef<SplitAttentionOptions, SplitAttentionConfig> = {
  name: NAME,
  optionKeys: ["inChannels", "channels", "kernelSize", "stride", "dilation", "padding", "groups", "radix", "reductionFactor", "reducedChannels", "bias", "norm"],
  layouts: ["nchw", "nhwc"],
  parse: parseSplitAttention,
  weights: splitWeightSpecs,
  prepare: splitModuleWeights,
  params: (g, pack) => [
    i32(layoutCode(g.layout)), i32(g.channels), i32(g.radix), i32(g.groups), i32(g.reduced),
    i32(pack.ptr("fc1.weight")), i32(pack.ptr("fc1.bias")), i32(pack.ptr("bn1.scale")), i32(pack.ptr("bn1.shift")),
    i32(pack.ptr("fc2.weight")), i32(pack.ptr("fc2.bias")), record(convRecord(splitConv(g), pack)),
  ],
  /** [N, C, floor((H + 2·padding − dilation·(kernelSize − 1) − 1)/stride) + 1, … W]. */
  outputShape: (g, s) => {
    const h = outSize(g, s.h), w = outSize(g, s.w);
    if (h < 1 || w < 1) {
      throw new RangeError(`excite: ${NAME} input ${s.h}×${s.w} padded by ${g.padding} is smaller than the dilated kernel (${g.dilation * (g.kernelSize - 1) + 1}×${g.dilation * (g.kernelSize - 1) + 1})`);
    }
    return { n: s.n, c: g.channels, h, w };
  },
  entry: (wasm) => ({ plan: wasm.split_attention_plan, run: wasm.split_attention_run }),
};

/**
 * Split attention (ResNeSt's SplAtConv2d). Weights: conv.weight [R·C, inChannels/(G·R), k, k],
 * conv.bias [R·C] (with bias), bn0.* [R·C], fc1.weight [I, C/G], fc1.bias [I], bn1.* [I],
 * fc2.weight [R·C, I/G], fc2.bias [R·C] (bn* only with norm).
 */
export const createSplitAttention = blockFactory<SplitAttentionOptions, SplitAttentionConfig, Block<SplitAttentionConfig>>(SPLIT_ATTENTION);
