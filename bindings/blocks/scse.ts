// scSE (Roy et al., arXiv 1803.02579): y = combine(cSE(x), sSE(x)), combine 'add' (the articles,
// smp's SCSEModule) or 'max' (the authors' package). One bias, gate and hardSigmoid for both branches.

import { COMBINE, type Combine } from "../abi.js";
import { Block } from "../block.js";
import { type Heap, sharedHeap } from "../memory.js";
import { checkOptionKeys, type Dims, oneOf } from "../validate.js";
import { checkWeights, WeightPack, type Weights } from "../weights.js";
import { CHANNEL_GATE_OPTION_KEYS, type ChannelGate, channelGateArgs, type ChannelGateOptions, channelGateWeights, parseChannelGate } from "./channel-gate.js";
import { spatialGateWeights } from "./sse.js";

export interface SCSEOptions extends ChannelGateOptions {
  /** How the two recalibrated tensors combine (default 'add'). */
  combine?: Combine;
}

export class SCSEBlock extends Block {
  private readonly cse: [number, number, number, number, number];

  constructor(heap: Heap, readonly config: ChannelGate, private readonly combine: number, pack: WeightPack) {
    super(heap, "scSE", config.channels, pack);
    this.cse = channelGateArgs(config, pack, "cse.");
  }

  protected override scratchBytes(d: Dims): number {
    return this.wasm.scse_f32_nchw_scratch_bytes(d[0], d[1], this.config.reduced);
  }

  protected override execute(x: number, y: number, d: Dims, scratch: number): void {
    const { activation, pool, gate } = this.config;
    const w = this.weights;
    this.wasm.scse_f32_nchw(x, y, d[0], d[1], d[2] * d[3], scratch, ...this.cse, activation, pool,
      w.ptr("sse.conv.weight"), w.ptr("sse.conv.bias"), gate.gate, gate.alpha, gate.beta, this.combine);
  }
}

/** A concurrent spatial and channel SE block. Weights: cse.fc1.*, cse.fc2.*, sse.conv.weight [1, C], sse.conv.bias [1]. */
export async function createSCSE(options: SCSEOptions, weights: Weights): Promise<SCSEBlock> {
  const o = checkOptionKeys("scSE", options, [...CHANNEL_GATE_OPTION_KEYS, "combine"]);
  const config = parseChannelGate("scSE", o);
  const combine = COMBINE[oneOf("scSE", "combine", o.combine, Object.keys(COMBINE) as Combine[], "add")];
  const checked = checkWeights("scSE", weights, [...channelGateWeights(config, "cse."), ...spatialGateWeights(config.channels, config.bias, "sse.")]);
  const heap = await sharedHeap();
  return new SCSEBlock(heap, config, combine, new WeightPack(heap, checked));
}
