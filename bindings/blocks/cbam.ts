// CBAM (Woo et al., arXiv 1807.06521): the channel and spatial attention of parts/cbam-attention.ts
// on its own (assembly/blocks/cbam.ts).

import { Block, type BlockDef, blockFactory, layoutCode } from "../block.js";
import { CBAM_OPTION_KEYS, type CBAMAttention, cbamModuleWeights, type CBAMOptions, cbamRecord, cbamWeightSpecs, parseCBAM } from "../parts/cbam-attention.js";
import { type Layout, positiveInt } from "../validate.js";

export type CBAMConfig = CBAMAttention & { readonly layout: Layout };

const CBAM: BlockDef<CBAMOptions, CBAMConfig> = {
  name: "CBAM",
  optionKeys: CBAM_OPTION_KEYS,
  layouts: ["nchw", "nhwc"],
  parse: (o) => ({ ...parseCBAM("CBAM", o, positiveInt("CBAM", "channels", o.channels)) }),
  weights: (g) => cbamWeightSpecs(g),
  prepare: (g, w) => cbamModuleWeights(g, w),
  params: (g, pack) => cbamRecord(g, layoutCode(g.layout), pack),
  entry: (wasm) => ({ plan: wasm.cbam_plan, run: wasm.cbam_run }),
};

/**
 * A convolutional block attention module. Weights: channel.fc1.weight [R, C], channel.fc1.bias [R],
 * channel.fc2.weight [C, R], channel.fc2.bias [C], spatial.conv.weight [1, 2, k, k],
 * spatial.bn.{weight, bias, running_mean, running_var} [1].
 */
export const createCBAM = blockFactory<CBAMOptions, CBAMConfig, Block<CBAMConfig>>(CBAM);
