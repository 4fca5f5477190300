// scSE (Roy et al., arXiv 1803.02579): y = combine(cSE(x), sSE(x)), combine 'add' (the articles,
// smp's SCSEModule) or 'max' (the authors' package). One bias, gate and hardSigmoid for both branches.

import { Block, type BlockDef, blockFactory, layoutCode } from "../block.js";
import { COMBINE_ADD, COMBINE_MAX } from "../constants.js";
import { i32, record } from "../params.js";
import { CHANNEL_GATE_OPTION_KEYS, type ChannelGate, channelGateRecord, type ChannelGateOptions, channelGateWeights, parseChannelGate } from "../parts/channel-gate.js";
import { spatialGateRecord, spatialGateWeights } from "../parts/spatial-gate.js";
import { type Layout, oneOf } from "../validate.js";

export const SCSE_COMBINES = { add: COMBINE_ADD, max: COMBINE_MAX } as const;
export type Combine = keyof typeof SCSE_COMBINES;

export interface SCSEOptions extends ChannelGateOptions {
  /** How the two recalibrated tensors combine (default 'add'). */
  combine?: Combine;
}

export type SCSEConfig = ChannelGate & { readonly layout: Layout; readonly combine: Combine };

const SCSE: BlockDef<SCSEOptions, SCSEConfig> = {
  name: "scSE",
  optionKeys: [...CHANNEL_GATE_OPTION_KEYS, "combine"],
  layouts: ["nchw", "nhwc"],
  parse: (o) => ({ ...parseChannelGate("scSE", o), combine: oneOf("scSE", "combine", o.combine, Object.keys(SCSE_COMBINES) as Combine[], "add") }),
  weights: (g) => [...channelGateWeights(g, "cse."), ...spatialGateWeights(g.channels, g.bias, "sse.")],
  params: (g, pack) => [
    i32(layoutCode(g.layout)), record(channelGateRecord(g, pack, "cse.")), record(spatialGateRecord(g.channels, g.gate, pack, "sse.")), i32(SCSE_COMBINES[g.combine]),
  ],
  entry: (wasm) => ({ plan: wasm.scse_plan, run: wasm.scse_run }),
};

/** A concurrent spatial and channel SE block. Weights: cse.fc1.*, cse.fc2.*, sse.conv.weight [1, C], sse.conv.bias [1]. */
export const createSCSE = blockFactory<SCSEOptions, SCSEConfig, Block<SCSEConfig>>(SCSE);
