// Effective SE (Lee & Park, arXiv 1911.06667; youngwanLEE/vovnet-detectron2 vovnet/vovnet.py
// `eSEModule`; timm's EffectiveSEModule): y = x·gate(fc(pool(x))), fc a 1×1 conv C → C with bias
// (assembly/blocks/effective-se.ts).

import { Block, type BlockDef, blockFactory, layoutCode } from "../block.js";
import { POOL_AVG, POOL_AVGMAX } from "../constants.js";
import { type GateArgs, type GateOptions, GATE_OPTION_KEYS, parseGate } from "../gate.js";
import { i32 } from "../params.js";
import { pooledGateRecord } from "../parts/pooled-gate.js";
import { bool, type Layout, positiveInt } from "../validate.js";

export interface EffectiveSEOptions extends GateOptions {
  /** Channel count C of the input. */
  channels: number;
  /** Pool 0.5·GAP + 0.5·GMP (timm's add_maxpool) rather than GAP (default false). */
  addMaxpool?: boolean;
}

export interface EffectiveSEConfig {
  readonly layout: Layout;
  readonly channels: number;
  readonly addMaxpool: boolean;
  readonly gate: GateArgs;
}

const EFFECTIVE_SE: BlockDef<EffectiveSEOptions, EffectiveSEConfig> = {
  name: "EffectiveSE",
  layouts: ["nchw", "nhwc"],
  optionKeys: ["channels", "addMaxpool", ...GATE_OPTION_KEYS],
  // the gate defaults to PyTorch's hard sigmoid (the official Hsigmoid, relu6(x + 3)/6)
  parse: (o) => ({
    channels: positiveInt("EffectiveSE", "channels", o.channels),
    addMaxpool: bool("EffectiveSE", "addMaxpool", o.addMaxpool, false),
    gate: parseGate("EffectiveSE", o, "hardsigmoid"),
  }),
  weights: (g) => [{ key: "fc.weight", shape: [g.channels, g.channels] }, { key: "fc.bias", shape: [g.channels] }],
  params: (g, pack) => [
    ...pooledGateRecord(layoutCode(g.layout), g.channels, g.addMaxpool ? POOL_AVGMAX : POOL_AVG, g.gate),
    i32(pack.ptr("fc.weight")), i32(pack.ptr("fc.bias")),
  ],
  entry: (wasm) => ({ plan: wasm.effective_se_plan, run: wasm.effective_se_run }),
};

/** An effective squeeze-excitation block. Weights: fc.weight [C, C] (or [C, C, 1, 1]), fc.bias [C]. */
export const createEffectiveSE = blockFactory<EffectiveSEOptions, EffectiveSEConfig, Block<EffectiveSEConfig>>(EFFECTIVE_SE);
