// SimAM (Yang et al., ICML 2021; ZjjConan/SimAM networks/attentions/simam_module.py): per plane,
// y = x·σ((x − mean)² / (4·(var + eLambda)) + 0.5), var with the divisor H·W − 1; no weights
// (assembly/blocks/simam.ts).

import { Block, type BlockDef, blockFactory, layoutCode } from "../block.js";
import { f32, i32 } from "../params.js";
import { finite, type Layout, positiveInt } from "../validate.js";

export interface SimAMOptions {
  /** C, when given: the input must have it (the math does not use it). Absent: any C. */
  channels?: number;
  /** λ, added to the variance (default 1e-4). */
  eLambda?: number;
}

export interface SimAMConfig {
  readonly layout: Layout;
  readonly channels?: number;
  readonly eLambda: number;
}

const SIMAM: BlockDef<SimAMOptions, SimAMConfig> = {
  name: "SimAM",
  optionKeys: ["channels", "eLambda"],
  parse: (o) => ({
    layout: "nchw",
    channels: o.channels === undefined ? undefined : positiveInt("SimAM", "channels", o.channels),
    eLambda: finite("SimAM", "eLambda", o.eLambda, 1e-4),
  }),
  weights: () => [],
  params: (g) => [i32(layoutCode(g.layout)), f32(g.eLambda)],
  entry: (wasm) => ({ plan: wasm.simam_plan, run: wasm.simam_run }),
};

/** A SimAM block (no weights: `{}` or nothing); built for `channels` channels, or for any C without it. */
export const createSimAM = blockFactory<SimAMOptions, SimAMConfig, Block<SimAMConfig>>(SIMAM);
