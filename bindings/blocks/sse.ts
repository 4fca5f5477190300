// sSE (Roy et al., arXiv 1803.02579): y = x · gate(conv1x1_{C→1}(x)), a [N, 1, H, W] map.

import { Block } from "../block.js";
import { type GateArgs, type GateOptions, GATE_OPTION_KEYS, parseGate } from "../gate.js";
import { type Heap, sharedHeap } from "../memory.js";
import { bool, checkOptionKeys, type Dims, positiveInt } from "../validate.js";
import { checkWeights, WeightPack, type Weights, type WeightSpec } from "../weights.js";

export interface SSEOptions extends GateOptions {
  channels: number;
  /** Whether the 1×1 conv has a bias (default true). */
  bias?: boolean;
}

export const SSE_OPTION_KEYS = ["channels", "bias", ...GATE_OPTION_KEYS] as const;

/** conv.weight [1, C] (or [1, C, 1, 1]) and conv.bias [1], under `prefix`. */
export function spatialGateWeights(channels: number, bias: boolean, prefix = ""): WeightSpec[] {
  const specs: WeightSpec[] = [{ key: `${prefix}conv.weight`, shape: [1, channels] }];
  if (bias) specs.push({ key: `${prefix}conv.bias`, shape: [1] });
  return specs;
}

export class SSEBlock extends Block {
  constructor(heap: Heap, channels: number, private readonly gate: GateArgs, pack: WeightPack) {
    super(heap, "sSE", channels, pack);
  }

  protected override execute(x: number, y: number, d: Dims): void {
    const { gate, alpha, beta } = this.gate;
    this.wasm.sse_f32_nchw(x, y, d[0], d[1], d[2] * d[3], this.weights.ptr("conv.weight"), this.weights.ptr("conv.bias"), gate, alpha, beta);
  }
}

/** A spatial SE block. Weights: conv.weight [1, C], conv.bias [1]. */
export async function createSSE(options: SSEOptions, weights: Weights): Promise<SSEBlock> {
  const o = checkOptionKeys("sSE", options, SSE_OPTION_KEYS);
  const channels = positiveInt("sSE", "channels", o.channels);
  const gate = parseGate("sSE", o);
  const checked = checkWeights("sSE", weights, spatialGateWeights(channels, bool("sSE", "bias", o.bias, true)));
  const heap = await sharedHeap();
  return new SSEBlock(heap, channels, gate, new WeightPack(heap, checked));
}
