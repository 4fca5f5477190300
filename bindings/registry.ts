// Every block, one line each: the list that the golden, browser and bad-input tests, `npm start`,
// the demo page and the benchmark read. `folder` is the block's folder of goldens
// (tests/golden/<folder>); `example` the options of a typical instance (the benchmark's and the
// demo's, with C from the shape they run).

import type { BlockBase } from "./block.js";
import type { BlockFactory } from "./block.js";
import { createBAM } from "./blocks/bam.js";
import { createCBAM } from "./blocks/cbam.js";
import { createCBAMBasicBlock } from "./blocks/cbam-basicblock.js";
import { createGatherExcite } from "./blocks/gather-excite.js";
import { createGlobalContext } from "./blocks/global-context.js";
import { createSCSE } from "./blocks/scse.js";
import { createSE, createCSE } from "./blocks/se.js";
import { createSEResBlock } from "./blocks/se-resblock.js";
import { createSSE } from "./blocks/sse.js";
import { createTripletAttention } from "./blocks/triplet-attention.js";

export interface BlockEntry {
  /** The block's name, e.g. "scSE". */
  readonly name: string;
  /** Its folder of goldens, e.g. "scse". */
  readonly folder: string;
  /** Its `createX`. */
  readonly create: BlockFactory<never, BlockBase>;
  /** Options of a typical instance but its channels (the benchmark's: SPEC's defaults, the articles' variants). */
  readonly example: Readonly<Record<string, unknown>>;
}

const entry = (folder: string, create: BlockFactory<never, BlockBase>, example: Record<string, unknown> = {}): BlockEntry =>
  ({ name: create.blockName, folder, create, example });

export const blocks: readonly BlockEntry[] = Object.freeze([
  entry("se", createSE as never),
  entry("cse", createCSE as never, { reduction: 2, bias: false, activation: "none" }),
  entry("sse", createSSE as never),
  entry("scse", createSCSE as never),
  entry("cbam", createCBAM as never),
  entry("bam", createBAM as never),
  entry("se_resblock", createSEResBlock as never),
  entry("cbam_basicblock", createCBAMBasicBlock as never),
  entry("global_context", createGlobalContext as never),
  entry("gather_excite", createGatherExcite as never, { extent: 8, extraParams: true }), // timm's geresnet50t
  entry("triplet_attention", createTripletAttention as never),
]);

/** The entry of the block named `name` (e.g. "CBAM") or whose golden folder is `name` (e.g. "cbam"). */
export function blockEntry(name: string): BlockEntry {
  const found = blocks.find((b) => b.name === name || b.folder === name);
  if (!found) throw new RangeError(`excite: no block '${name}'; the blocks are ${blocks.map((b) => b.name).join(", ")}`);
  return found;
}
