// A resolved checkpoint always states its reduced width (reducedChannels, from the weights), which
// overrides the ratio options of every block. A ratio the caller gives anyway must give that
// width under the block's own rule (SPEC §2–3), or it is an error rather than silently ignored.

import type { BlockId } from "./blocks.js";

type Options = Readonly<Record<string, unknown>>;

interface WidthRule {
  readonly options: readonly string[];
  /** The reduced width the block computes from its options (SPEC's defaults for the ones not given). */
  width(o: Options): number;
}

const num = (o: Options, k: string, fallback: number): number => (typeof o[k] === "number" ? (o[k] as number) : fallback);
const perReduction = (floor: number): WidthRule => ({
  options: ["reduction"],
  width: (o) => Math.max(floor, Math.floor(num(o, "channels", 0) / num(o, "reduction", 16))),
});

const RULES: Partial<Record<BlockId, WidthRule>> = {
  SE: perReduction(1),
  scSE: perReduction(1),
  CBAM: perReduction(1),
  BAM: perReduction(1),
  CoordAttention: { options: ["reduction"], width: (o) => Math.max(8, Math.floor(num(o, "channels", 0) / num(o, "reduction", 32))) },
  MSCAM: { options: ["reduction"], width: (o) => Math.floor(num(o, "channels", 0) / num(o, "reduction", 4)) },
  AFF: { options: ["reduction"], width: (o) => Math.floor(num(o, "channels", 0) / num(o, "reduction", 4)) },
  iAFF: { options: ["reduction"], width: (o) => Math.floor(num(o, "channels", 0) / num(o, "reduction", 4)) },
  GlobalContext: { options: ["ratio"], width: (o) => Math.floor(num(o, "channels", 0) * num(o, "ratio", 1 / 16)) },
  GatherExcite: { options: ["rdRatio"], width: (o) => Math.max(1, Math.floor(num(o, "channels", 0) * num(o, "rdRatio", 1 / 16) + 0.5)) },
  SK: {
    options: ["reduction", "minReducedChannels"],
    width: (o) => Math.max(Math.floor(num(o, "inChannels", 0) / num(o, "reduction", 16)), num(o, "minReducedChannels", 32)),
  },
  SplitAttention: {
    options: ["reductionFactor"],
    width: (o) => Math.max(Math.floor((num(o, "inChannels", 0) * num(o, "radix", 2)) / num(o, "reductionFactor", 4)), 32),
  },
};

/** Throws when a ratio option in `given` gives another width than the checkpoint's (merged.reducedChannels). */
export function checkWidthOptions(source: string, block: BlockId, given: Options, merged: Options): void {
  const rule = RULES[block];
  const width = merged.reducedChannels;
  if (rule === undefined || typeof width !== "number") return;
  const named = rule.options.filter((k) => typeof given[k] === "number" && (given[k] as number) > 0);
  if (named.length === 0) return;
  const implied = rule.width(merged);
  if (implied !== width) {
    throw new RangeError(`excite: ${source}: ${named.map((k) => `options.${k} = ${given[k]}`).join(" and ")} give${named.length > 1 ? "" : "s"} ${block} a reduced width of ${implied}, but the checkpoint's weights have ${width} (leave ${named.length > 1 ? "them" : "it"} out: the width comes from the weights)`);
  }
}
