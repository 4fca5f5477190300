// sSE (Roy et al., arXiv 1803.02579): y = x · gate(conv1x1_{C→1}(x)) (assembly/blocks/sse.ts).

import { Block, type BlockDef, blockFactory, layoutCode } from "../block.js";
import { type GateArgs, type GateOptions, GATE_OPTION_KEYS, parseGate } from "../gate.js";
import { i32, record } from "../params.js";
import { spatialGateRecord, spatialGateWeights } from "../parts/spatial-gate.js";
import { bool, type Layout, positiveInt } from "../validate.js";

export interface SSEOptions extends GateOptions {
  channels: number;
  /** Whether the 1×1 conv has a bias (default true). */
  bias?: boolean;
}

export interface SSEConfig {
  readonly layout: Layout;
  readonly channels: number;
  readonly bias: boolean;
  readonly gate: GateArgs;
}

const SSE: BlockDef<SSEOptions, SSEConfig> = {
  name: "sSE",
  optionKeys: ["channels", "bias", ...GATE_OPTION_KEYS],
  layouts: ["nchw", "nhwc"],
  parse: (o) => ({ channels: positiveInt("sSE", "channels", o.channels), bias: bool("sSE", "bias", o.bias, true), gate: parseGate("sSE", o) }),
  weights: (g) => spatialGateWeights(g.channels, g.bias),
  params: (g, pack) => [i32(layoutCode(g.layout)), record(spatialGateRecord(g.channels, g.gate, pack))],
  entry: (wasm) => ({ plan: wasm.sse_plan, run: wasm.sse_run }),
};

/** A spatial SE block. Weights: conv.weight [1, C], conv.bias [1]. */
export const createSSE = blockFactory<SSEOptions, SSEConfig, Block<SSEConfig>>(SSE);
