// SE (Hu et al., arXiv 1709.01507) and cSE (Roy et al., arXiv 1803.02579): y = x · s[n, c],
// s = gate(fc2(act(fc1(pool(x))))) (assembly/blocks/se.ts).

import { Block, type BlockDef, blockFactory, layoutCode } from "../block.js";
import { i32, record } from "../params.js";
import { CHANNEL_GATE_OPTION_KEYS, type ChannelGate, channelGateRecord, type ChannelGateOptions, channelGateWeights, parseChannelGate } from "../parts/channel-gate.js";
import type { Layout } from "../validate.js";

export type SEOptions = ChannelGateOptions;
export type SEConfig = ChannelGate & { readonly layout: Layout };

const seDef = (name: string): BlockDef<SEOptions, SEConfig> => ({
  name,
  optionKeys: CHANNEL_GATE_OPTION_KEYS,
  layouts: ["nchw", "nhwc"],
  parse: (o) => ({ ...parseChannelGate(name, o) }),
  weights: (g) => channelGateWeights(g),
  params: (g, pack) => [i32(layoutCode(g.layout)), record(channelGateRecord(g, pack))],
  entry: (wasm) => ({ plan: wasm.se_plan, run: wasm.se_run }),
});

/** A squeeze-and-excitation block. Weights: fc1.weight [R, C], fc1.bias [R], fc2.weight [C, R], fc2.bias [C]. */
export const createSE = blockFactory<SEOptions, SEConfig, Block<SEConfig>>(seDef("SE"));

/**
 * A channel SE block: the same computation, keys and defaults as SE. The first article's cSE
 * (1×1 convs without bias or ReLU, reduction 2) is { reduction: 2, bias: false, activation: 'none' }.
 */
export const createCSE = blockFactory<SEOptions, SEConfig, Block<SEConfig>>(seDef("cSE"));
