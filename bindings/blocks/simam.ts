// SimAM (Yang et al., ICML 2021; ZjjConan/SimAM networks/attentions/simam_module.py): per plane,
// y = x·σ((x − mean)² / (4·(var + eLambda)) + 0.5), var with the divisor H·W − 1; no weights
// (assembly/blocks/simam.ts).

import { Block, type BlockDef, blockFactory, layoutCode } from "../block.js";
import { f32, i32 } from "../params.js";
import { describe, finite, type Layout, positiveInt } from "../validate.js";

export interface SimAMOptions {
  /** C, when given: the input must have it (the math does not use it). Absent: any C. */
  channels?: number;
  /** λ ≥ 0, added to the variance (default 1e-4). */
  eLambda?: number;
}

export interface SimAMConfig {
  readonly layout: Layout;
  readonly channels?: number;
  readonly eLambda: number;
}

/** λ ≥ 0: the paper's regularizer (a negative one could make 4·(var + λ) zero or negative, the "energy" meaningless). */
function nonNegativeLambda(v: unknown): number {
  const lambda = finite("SimAM", "eLambda", v, 1e-4);
  if (lambda < 0) throw new RangeError(`excite: SimAM option eLambda must be a non-negative finite number, got ${describe(v)}`);
  return lambda;
}

const SIMAM: BlockDef<SimAMOptions, SimAMConfig> = {
  name: "SimAM",
  layouts: ["nchw", "nhwc"],
  optionKeys: ["channels", "eLambda"],
  parse: (o) => ({
    channels: o.channels === undefined ? undefined : positiveInt("SimAM", "channels", o.channels),
    eLambda: nonNegativeLambda(o.eLambda),
  }),
  weights: () => [],
  params: (g) => [i32(layoutCode(g.layout)), f32(g.eLambda)],
  entry: (wasm) => ({ plan: wasm.simam_plan, run: wasm.simam_run }),
};

/** A SimAM block (no weights: `{}` or nothing); built for `channels` channels, or for any C without it. */
export const createSimAM = blockFactory<SimAMOptions, SimAMConfig, Block<SimAMConfig>>(SIMAM);
