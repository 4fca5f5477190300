// SE (Hu et al., arXiv 1709.01507) and cSE (Roy et al., arXiv 1803.02579): y = x · s[n, c],
// s = gate(fc2(act(fc1(pool(x))))).

import { Block } from "../block.js";
import { type Heap, sharedHeap } from "../memory.js";
import { checkOptionKeys, type Dims } from "../validate.js";
import { checkWeights, WeightPack, type Weights } from "../weights.js";
import { CHANNEL_GATE_OPTION_KEYS, type ChannelGate, channelGateArgs, type ChannelGateOptions, channelGateWeights, parseChannelGate } from "./channel-gate.js";

export type SEOptions = ChannelGateOptions;

export class SEBlock extends Block {
  private readonly args: [number, number, number, number, number];

  constructor(heap: Heap, name: string, readonly config: ChannelGate, pack: WeightPack) {
    super(heap, name, config.channels, pack);
    this.args = channelGateArgs(config, pack);
  }

  protected override scratchBytes(d: Dims): number {
    return this.wasm.se_f32_nchw_scratch_bytes(d[0], d[1], this.config.reduced);
  }

  protected override execute(x: number, y: number, d: Dims, scratch: number): void {
    const { activation, pool, gate } = this.config;
    this.wasm.se_f32_nchw(x, y, d[0], d[1], d[2] * d[3], scratch, ...this.args, activation, gate.gate, gate.alpha, gate.beta, pool);
  }
}

async function create(name: string, options: SEOptions, weights: Weights): Promise<SEBlock> {
  const config = parseChannelGate(name, checkOptionKeys(name, options, CHANNEL_GATE_OPTION_KEYS));
  const checked = checkWeights(name, weights, channelGateWeights(config));
  const heap = await sharedHeap();
  return new SEBlock(heap, name, config, new WeightPack(heap, checked));
}

/** A squeeze-and-excitation block. Weights: fc1.weight [R, C], fc1.bias [R], fc2.weight [C, R], fc2.bias [C]. */
export function createSE(options: SEOptions, weights: Weights): Promise<SEBlock> {
  return create("SE", options, weights);
}

/**
 * A channel SE block: the same computation, keys and defaults as SE. The first article's cSE
 * (1×1 convs without bias or ReLU, reduction 2) is { reduction: 2, bias: false, activation: 'none' }.
 */
export function createCSE(options: SEOptions, weights: Weights): Promise<SEBlock> {
  return create("cSE", options, weights);
}
