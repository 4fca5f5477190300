// Every block, one line each: the list that the golden, browser and bad-input tests, `npm start`,
// the demo page and the benchmark read. `folder` is the block's folder of goldens
// (tests/golden/<folder>); `example` the options of a typical instance (the benchmark's and the
// demo's, with C from the shape they run).

import type { BlockBase } from "./block.js";
import type { BlockFactory } from "./block.js";
import type { Layout } from "./validate.js";
import { createBAM } from "./blocks/bam.js";
import { createCBAM } from "./blocks/cbam.js";
import { createCBAMBasicBlock } from "./blocks/cbam-basicblock.js";
import { createCoordAttention } from "./blocks/coord-attention.js";
import { createECA } from "./blocks/eca.js";
import { createEffectiveSE } from "./blocks/effective-se.js";
import { createGatherExcite } from "./blocks/gather-excite.js";
import { createGlobalContext } from "./blocks/global-context.js";
import { createSCSE } from "./blocks/scse.js";
import { createSE, createCSE } from "./blocks/se.js";
import { createSEResBlock } from "./blocks/se-resblock.js";
import { createSimAM } from "./blocks/simam.js";
import { createGSoP } from "./blocks/gsop.js";
import { createSK } from "./blocks/sk.js";
import { createSplitAttention } from "./blocks/split-attention.js";
import { createAFF } from "./blocks/aff.js";
import { createIAFF } from "./blocks/iaff.js";
import { createMSCAM } from "./blocks/mscam.js";
import { createShuffleAttention } from "./blocks/shuffle-attention.js";
import { createSSE } from "./blocks/sse.js";
import { createTripletAttention } from "./blocks/triplet-attention.js";

export interface BlockEntry {
  /** The block's name, e.g. "scSE". */
  readonly name: string;
  /** Its folder of goldens, e.g. "scse". */
  readonly folder: string;
  /** Its `createX`. */
  readonly create: BlockFactory<never, BlockBase>;
  /** The options of a typical instance on C channels (the benchmark's and the demo's: SPEC's defaults, or an article's variant). */
  options(channels: number): Record<string, unknown>;
  /** The layouts it computes in. */
  readonly layouts: readonly Layout[];
  /** How many times it reads its input from memory (the benchmark's limit reads it as often, and writes once). */
  readonly reads: number;
}

type Example = Record<string, unknown> | ((channels: number) => Record<string, unknown>);

/** A registry line: the golden folder, the factory, the options of a typical instance but its channels (or all of them, for C), its reads. */
const entry = (folder: string, create: BlockFactory<never, BlockBase>, example: Example = {}, reads = 2): BlockEntry => ({
  name: create.blockName, folder, create, layouts: create.layouts, reads,
  options: (channels) => (typeof example === "function" ? example(channels) : { channels, ...example }),
});

export const blocks: readonly BlockEntry[] = Object.freeze([
  entry("se", createSE as never),
  entry("cse", createCSE as never, { reduction: 2, bias: false, activation: "none" }),
  entry("sse", createSSE as never),
  entry("scse", createSCSE as never),
  entry("cbam", createCBAM as never, {}, 3),
  entry("bam", createBAM as never),
  entry("se_resblock", createSEResBlock as never),
  entry("cbam_basicblock", createCBAMBasicBlock as never, {}, 3),
  entry("eca", createECA as never),
  entry("effective_se", createEffectiveSE as never),
  entry("simam", createSimAM as never),
  entry("coord_attention", createCoordAttention as never),
  entry("sk", createSK as never, (c) => ({ inChannels: c })),
  entry("split_attention", createSplitAttention as never, (c) => ({ inChannels: c }), 1),
  entry("gsop", createGSoP as never),
  entry("mscam", createMSCAM as never),
  entry("aff", createAFF as never),
  entry("iaff", createIAFF as never, {}, 3),
  // SA-Net's groups 64 needs C % 128 = 0: at fewer channels, as many groups as C allows
  entry("shuffle_attention", createShuffleAttention as never, (c) => ({ channels: c, groups: Math.min(64, c / 2) }), 1),
  entry("global_context", createGlobalContext as never),
  entry("gather_excite", createGatherExcite as never, { extent: 8, extraParams: true }), // timm's geresnet50t
  entry("triplet_attention", createTripletAttention as never, {}, 3),
]);

/** The entry of the block named `name` (e.g. "CBAM") or whose golden folder is `name` (e.g. "cbam"). */
export function blockEntry(name: string): BlockEntry {
  const found = blocks.find((b) => b.name === name || b.folder === name);
  if (!found) throw new RangeError(`excite: no block '${name}'; the blocks are ${blocks.map((b) => b.name).join(", ")}`);
  return found;
}
