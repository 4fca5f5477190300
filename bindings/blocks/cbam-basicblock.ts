// The ResNet BasicBlock with CBAM of the CBAM article: out = bn2(conv2(relu(bn1(conv1(x))))),
// out = CBAM(out), y = relu(out + downsample(x)); conv1 3×3 with a stride, downsample a 1×1 conv
// with the stride + bn, present when the shape changes. Every bn is folded into its conv at
// create (assembly/blocks/cbam-basicblock.ts computes the rest).

import { batchNormSpecs, foldBatchNormExact } from "../batchnorm.js";
import { Block, type BlockDef, blockFactory, layoutCode } from "../block.js";
import { type Conv, convRecord, foldedConvWeights } from "../conv-params.js";
import { EPILOGUE_RELU, LAYOUT_NCHW } from "../constants.js";
import { i32, record } from "../params.js";
import { CBAM_OPTION_KEYS, type CBAMAttention, cbamModuleWeights, type CBAMOptions, cbamRecord, cbamWeightSpecs, parseCBAM } from "../parts/cbam-attention.js";
import { bool, checkOptionKeys, type Layout, positiveInt } from "../validate.js";
import type { Weights } from "../weights.js";

export interface CBAMBasicBlockOptions {
  /** Output channel count C. */
  channels: number;
  /** Input channel count (default C). */
  inChannels?: number;
  /** conv1's and the downsample's stride (default 1). */
  stride?: number;
  /** Whether the residual goes through a 1×1 conv + bn (default: when the shape changes, which requires it). */
  downsample?: boolean;
  /** The CBAM's options (all of CBAM's but `channels`). */
  cbam?: Omit<CBAMOptions, "channels">;
}

export interface CBAMBasicBlockConfig {
  readonly layout: Layout;
  readonly channels: number;
  readonly inChannels: number;
  readonly stride: number;
  readonly downsample: boolean;
  readonly cbam: CBAMAttention;
}

const NAME = "CBAMBasicBlock";

function parseBasicBlock(o: CBAMBasicBlockOptions): Omit<CBAMBasicBlockConfig, "layout"> {
  const channels = positiveInt(NAME, "channels", o.channels);
  const inChannels = positiveInt(NAME, "inChannels", o.inChannels, channels);
  const stride = positiveInt(NAME, "stride", o.stride, 1);
  const changes = stride !== 1 || inChannels !== channels;
  const downsample = bool(NAME, "downsample", o.downsample, changes);
  if (changes && !downsample) {
    throw new RangeError(`excite: ${NAME} option downsample cannot be false when the shape changes (stride ${stride}, ${inChannels} → ${channels} channels)`);
  }
  const cbamOptions = checkOptionKeys(`${NAME} cbam`, o.cbam ?? {}, CBAM_OPTION_KEYS.filter((k) => k !== "channels"));
  return { channels, inChannels, stride, downsample, cbam: parseCBAM(`${NAME} cbam`, cbamOptions, channels) };
}

/** conv1 (Cin → C, 3×3, stride, padding 1, bn1 folded, relu), conv2 (C → C, bn2 folded), the downsample (1×1, stride, bn folded). */
function convs(g: CBAMBasicBlockConfig): { conv1: Conv; conv2: Conv; ds?: Conv } {
  const { channels: c, inChannels: cin, stride } = g;
  return {
    conv1: { cin, cout: c, kh: 3, kw: 3, stride, padding: [1, 1], epilogue: EPILOGUE_RELU, weight: "conv1.weight", bias: "conv1.bias" },
    conv2: { cin: c, cout: c, kh: 3, kw: 3, padding: [1, 1], weight: "conv2.weight", bias: "conv2.bias" },
    ds: g.downsample ? { cin, cout: c, kh: 1, kw: 1, stride, weight: "downsample.0.weight", bias: "downsample.0.bias" } : undefined,
  };
}

const BASIC_BLOCK: BlockDef<CBAMBasicBlockOptions, CBAMBasicBlockConfig> = {
  name: NAME,
  optionKeys: ["channels", "inChannels", "stride", "downsample", "cbam"],
  layouts: ["nchw", "nhwc"],
  parse: parseBasicBlock,
  weights: (g) => {
    const { channels: c, inChannels: cin } = g;
    const specs = [
      { key: "conv1.weight", shape: [c, cin, 3, 3] }, ...batchNormSpecs("bn1.", c),
      { key: "conv2.weight", shape: [c, c, 3, 3] }, ...batchNormSpecs("bn2.", c),
      ...cbamWeightSpecs(g.cbam, "cbam."),
    ];
    if (g.downsample) specs.push({ key: "downsample.0.weight", shape: [c, cin] }, ...batchNormSpecs("downsample.1.", c));
    return specs;
  },
  prepare: (g, w) => {
    const cbam = cbamModuleWeights(g.cbam, w, "cbam.");
    const weights: Weights = {
      ...foldedConvWeights("conv1.weight", "conv1.bias", foldBatchNormExact(w["conv1.weight"], undefined, w, "bn1.")),
      ...foldedConvWeights("conv2.weight", "conv2.bias", foldBatchNormExact(w["conv2.weight"], undefined, w, "bn2.")),
      ...cbam.weights,
    };
    if (g.downsample) Object.assign(weights, foldedConvWeights("downsample.0.weight", "downsample.0.bias", foldBatchNormExact(w["downsample.0.weight"], undefined, w, "downsample.1.")));
    const c = convs(g);
    return { weights, convs: [c.conv1, c.conv2, ...(c.ds ? [c.ds] : []), ...cbam.convs] };
  },
  params: (g, pack) => {
    const c = convs(g);
    return [
      i32(layoutCode(g.layout)), i32(g.inChannels), i32(g.stride), record(convRecord(c.conv1, pack)), record(convRecord(c.conv2, pack)),
      record(c.ds && convRecord(c.ds, pack)), record(cbamRecord(g.cbam, LAYOUT_NCHW, pack, "cbam.")) /* CBAM runs on conv2's NCHW output */,
    ];
  },
  /** [N, C, floor((H − 1)/stride) + 1, floor((W − 1)/stride) + 1]. */
  outputShape: (g, s) => ({ n: s.n, c: g.channels, h: Math.floor((s.h - 1) / g.stride) + 1, w: Math.floor((s.w - 1) / g.stride) + 1 }),
  /** The downsample writes y while x is still to be read. */
  inPlace: (g) => !g.downsample,
  entry: (wasm) => ({ plan: wasm.cbam_basicblock_plan, run: wasm.cbam_basicblock_run }),
};

/**
 * The BasicBlock with CBAM. Weights: conv1.weight [C, Cin, 3, 3], bn1.*, conv2.weight [C, C, 3, 3],
 * bn2.*, cbam.* (CBAM's keys), and with a downsample downsample.0.weight [C, Cin] and downsample.1.*
 * (bn.* = weight, bias, running_mean, running_var, [C] each).
 */
export const createCBAMBasicBlock = blockFactory<CBAMBasicBlockOptions, CBAMBasicBlockConfig, Block<CBAMBasicBlockConfig>>(BASIC_BLOCK);
