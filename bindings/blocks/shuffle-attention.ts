// Shuffle attention (Zhang & Yang, arXiv 2102.00240; wofmanaf/SA-Net models/sa_resnet.py `sa_layer`):
// per group of 2P channels, the first P gated by σ(cweight·GAP + cbias), the last P by
// σ(sweight·gn(x) + sbias), then channel_shuffle with 2 groups (assembly/blocks/shuffle-attention.ts).

import { Block, type BlockDef, blockFactory, layoutCode } from "../block.js";
import { i32 } from "../params.js";
import { type Layout, positiveInt } from "../validate.js";

export interface ShuffleAttentionOptions {
  /** Channel count C; a multiple of 2·groups. */
  channels: number;
  /** The number of groups G (default 64, sa_layer's); each has 2P = C/G channels. */
  groups?: number;
}

export interface ShuffleAttentionConfig {
  readonly layout: Layout;
  readonly channels: number;
  readonly groups: number;
  /** P = C/(2·groups). */
  readonly half: number;
}

const PARAMS = ["cweight", "cbias", "sweight", "sbias"] as const;

function parseShuffleAttention(o: ShuffleAttentionOptions): Omit<ShuffleAttentionConfig, "layout"> {
  const channels = positiveInt("ShuffleAttention", "channels", o.channels);
  const groups = positiveInt("ShuffleAttention", "groups", o.groups, 64);
  if (channels % (2 * groups) !== 0) {
    throw new RangeError(`excite: ShuffleAttention option channels must be a multiple of 2·groups = ${2 * groups} (groups ${groups}), got ${channels}`);
  }
  return { channels, groups, half: channels / (2 * groups) };
}

const SHUFFLE_ATTENTION: BlockDef<ShuffleAttentionOptions, ShuffleAttentionConfig> = {
  name: "ShuffleAttention",
  optionKeys: ["channels", "groups"],
  parse: parseShuffleAttention,
  weights: (g) => [...PARAMS.map((key) => ({ key, shape: [1, g.half, 1, 1] })), { key: "gn.weight", shape: [g.half] }, { key: "gn.bias", shape: [g.half] }],
  params: (g, pack) => [i32(layoutCode(g.layout)), i32(g.channels), i32(g.half), ...[...PARAMS, "gn.weight", "gn.bias"].map((key) => i32(pack.ptr(key)))],
  // an output plane is another plane's input: y is never written over x
  inPlace: () => false,
  entry: (wasm) => ({ plan: wasm.shuffle_attention_plan, run: wasm.shuffle_attention_run }),
};

/**
 * A shuffle attention block (SA-Net's sa_layer). Weights (P = C/(2·groups)): cweight, cbias, sweight,
 * sbias [1, P, 1, 1], gn.weight [P], gn.bias [P].
 */
export const createShuffleAttention = blockFactory<ShuffleAttentionOptions, ShuffleAttentionConfig, Block<ShuffleAttentionConfig>>(SHUFFLE_ATTENTION);
