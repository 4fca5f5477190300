// MS-CAM's options, weights and record (assembly/parts/ms-cam.ts computes it), shared by MS-CAM, AFF
// and iAFF (Dai et al., arXiv 2009.14082; YimianDai/open-aff aff_pytorch/aff_net/fusion.py): the local
// branch `local_att` = conv 1×1 C → I (0), BN (1), ReLU, conv 1×1 I → C (3), BN (4), and the global
// branch `global_att` = GAP, conv (1), BN (2), ReLU, conv (4), BN (5); each BN folded into its conv.

import type { StagedEntry } from "../abi.js";
import type { ExciteExports } from "../abi.js";
import { batchNormSpecs, foldBatchNorm } from "../batchnorm.js";
import { type BlockDef, layoutCode } from "../block.js";
import type { Conv } from "../conv-params.js";
import { type Fields, i32, record } from "../params.js";
import { type Layout, positiveInt } from "../validate.js";
import type { WeightPack, Weights, WeightSpec } from "../weights.js";

export interface MSCAMOptions {
  /** Channel count C of the input(s). */
  channels: number;
  /** The inner width is I = ⌊C / reduction⌋ (the official `r`, default 4); it must be at least 1. */
  reduction?: number;
  /** I given outright; overrides `reduction`. */
  reducedChannels?: number;
}

export const MSCAM_OPTION_KEYS = ["channels", "reduction", "reducedChannels"] as const;

export interface MSCAMConfig {
  readonly layout: Layout;
  readonly channels: number;
  /** The inner width I. */
  readonly inner: number;
}

/** The options: I = ⌊C / reduction⌋ (fusion.py's `int(channels // r)`, not rounded up), or reducedChannels. */
export function parseMSCAM(block: string, o: MSCAMOptions): Omit<MSCAMConfig, "layout"> {
  const channels = positiveInt(block, "channels", o.channels);
  // a bad reduction is an error even where reducedChannels overrides it
  const reduction = positiveInt(block, "reduction", o.reduction, 4);
  if (o.reducedChannels !== undefined) return { channels, inner: positiveInt(block, "reducedChannels", o.reducedChannels) };
  const inner = Math.floor(channels / reduction);
  if (inner < 1) {
    throw new RangeError(`excite: ${block} option reduction ${reduction} leaves ⌊channels / reduction⌋ = ⌊${channels} / ${reduction}⌋ = 0 inner channels: give a reduction of at most ${channels}, or reducedChannels`);
  }
  return { channels, inner };
}

/** The keys of one MS-CAM: its local branch under `local` (e.g. "local_att"), its global branch under `global`. */
export function msCamWeights({ channels: c, inner: i }: MSCAMConfig, local: string, global: string): WeightSpec[] {
  return [
    { key: `${local}.0.weight`, shape: [i, c, 1, 1] }, { key: `${local}.0.bias`, shape: [i] }, ...batchNormSpecs(`${local}.1.`, i),
    { key: `${local}.3.weight`, shape: [c, i, 1, 1] }, { key: `${local}.3.bias`, shape: [c] }, ...batchNormSpecs(`${local}.4.`, c),
    { key: `${global}.1.weight`, shape: [i, c, 1, 1] }, { key: `${global}.1.bias`, shape: [i] }, ...batchNormSpecs(`${global}.2.`, i),
    { key: `${global}.4.weight`, shape: [c, i, 1, 1] }, { key: `${global}.4.bias`, shape: [c] }, ...batchNormSpecs(`${global}.5.`, c),
  ];
}

/** The conv (by key) and the BN after it of each branch, as the record lists them. */
const layers = (local: string, global: string) => [
  [`${local}.0`, `${local}.1.`], [`${local}.3`, `${local}.4.`], [`${global}.1`, `${global}.2.`], [`${global}.4`, `${global}.5.`],
] as const;

/**
 * The branches with their BNs folded, written into `out` under the conv's keys, and the local convs
 * to pack for f32-gemm-cw.ts (the global ones stay row-major for f32-dense.ts).
 */
export function foldMSCAM(g: MSCAMConfig, w: Weights, local: string, global: string, out: Weights): Conv[] {
  for (const [conv, bn] of layers(local, global)) {
    const f = foldBatchNorm(w[`${conv}.weight`], w[`${conv}.bias`], w, bn);
    out[`${conv}.weight`] = f.weight;
    out[`${conv}.bias`] = f.bias;
  }
  return [
    { cin: g.channels, cout: g.inner, kh: 1, kw: 1, weight: `${local}.0.weight` },
    { cin: g.inner, cout: g.channels, kh: 1, kw: 1, weight: `${local}.3.weight` },
  ];
}

/** The MSCAM record (assembly/parts/ms-cam.ts), field for field, of the branches under `local` and `global` in `pack`. */
export function msCamRecord(g: MSCAMConfig, pack: WeightPack, local: string, global: string): Fields {
  return [i32(g.channels), i32(g.inner), ...layers(local, global).flatMap(([conv]) => [i32(pack.ptr(`${conv}.weight`)), i32(pack.ptr(`${conv}.bias`))])];
}

/** The definition of a block of one MS-CAM under local_att, global_att (MS-CAM itself, AFF), its record { layout, att }. */
export const singleMSCAMDef = (name: string, inputs: 1 | 2, entry: (wasm: ExciteExports) => StagedEntry): BlockDef<MSCAMOptions, MSCAMConfig> => ({
  name,
  optionKeys: MSCAM_OPTION_KEYS,
  inputs,
  parse: (o) => parseMSCAM(name, o),
  weights: (g) => msCamWeights(g, "local_att", "global_att"),
  prepare: (g, w) => {
    const weights: Weights = {};
    return { weights, convs: foldMSCAM(g, w, "local_att", "global_att", weights) };
  },
  params: (g, pack) => [i32(layoutCode(g.layout)), record(msCamRecord(g, pack, "local_att", "global_att"))],
  entry,
});
