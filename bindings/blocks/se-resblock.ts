// The SE residual block of the articles (ResBlockSqEx, pre-activation):
// y = x + SE(conv2(relu(bn2(conv1(relu(bn1(x))))))), 3×3 convs, padding 1, no bias; the SE with
// bias, ReLU, sigmoid and average pooling. bn2 is folded into conv1; bn1, before a ReLU, is
// applied as a per-channel affine as conv1 reads x (assembly/blocks/se-resblock.ts).

import { batchNormAffine, batchNormSpecs, foldBatchNorm } from "../batchnorm.js";
import { Block } from "../block.js";
import { packWeights } from "../conv-pack.js";
import { type Heap, sharedHeap } from "../memory.js";
import { scratchWithinMemory } from "../scratch.js";
import { checkOptionKeys, type Dims } from "../validate.js";
import { checkWeights, type WeightPack, type Weights } from "../weights.js";
import { type ChannelGate, channelGateArgs, channelGateWeights, parseChannelGate } from "./channel-gate.js";

export interface SEResBlockOptions {
  /** Channel count C of the input and the output. */
  channels: number;
  /** The SE's R = max(1, floor(C / reduction)) (default 16). */
  reduction?: number;
  /** The SE's R given outright; overrides `reduction`. */
  reducedChannels?: number;
}

export class SEResBlock extends Block {
  private readonly se: ReturnType<typeof channelGateArgs>;

  constructor(heap: Heap, readonly config: ChannelGate, pack: WeightPack) {
    super(heap, "SEResBlock", config.channels, pack);
    this.se = channelGateArgs(config, pack, "se.");
  }

  protected override scratchBytes(d: Dims): number {
    return scratchWithinMemory(this.name, d, this.wasm.se_resblock_f32_nchw_scratch_bytes(d[0], d[1], d[2], d[3], this.config.reduced));
  }

  protected override execute(x: number, y: number, d: Dims, scratch: number): void {
    const p = (key: string) => this.weights.ptr(key);
    this.wasm.se_resblock_f32_nchw(x, y, d[0], d[1], d[2], d[3], scratch,
      p("bn1.scale"), p("bn1.shift"), p("conv1.weight"), p("conv1.bias"), p("conv2.weight"), ...this.se);
  }
}

/**
 * The pre-activation residual block with SE. Weights: bn1.*, conv1.weight [C, C, 3, 3], bn2.*,
 * conv2.weight [C, C, 3, 3], se.fc1.weight [R, C], se.fc1.bias [R], se.fc2.weight [C, R], se.fc2.bias [C]
 * (bn.* = weight, bias, running_mean, running_var, [C] each).
 */
export async function createSEResBlock(options: SEResBlockOptions, weights: Weights): Promise<SEResBlock> {
  const o = checkOptionKeys("SEResBlock", options, ["channels", "reduction", "reducedChannels"]);
  const config = parseChannelGate("SEResBlock", { channels: o.channels, reduction: o.reduction, reducedChannels: o.reducedChannels });
  const c = config.channels;
  const checked = checkWeights("SEResBlock", weights, [
    ...batchNormSpecs("bn1.", c), { key: "conv1.weight", shape: [c, c, 3, 3] },
    ...batchNormSpecs("bn2.", c), { key: "conv2.weight", shape: [c, c, 3, 3] },
    ...channelGateWeights(config, "se."),
  ]);
  const bn1 = batchNormAffine(checked, "bn1.");
  const conv1 = foldBatchNorm(checked["conv1.weight"], undefined, checked, "bn2.");
  const moduleWeights: Weights = {
    "bn1.scale": Float32Array.from(bn1.scale), "bn1.shift": Float32Array.from(bn1.shift),
    "conv1.weight": conv1.weight, "conv1.bias": conv1.bias, "conv2.weight": checked["conv2.weight"],
  };
  for (const key of ["se.fc1.weight", "se.fc1.bias", "se.fc2.weight", "se.fc2.bias"]) moduleWeights[key] = checked[key];
  const heap = await sharedHeap();
  const convs = [{ key: "conv1.weight", cout: c, kdim: c * 9 }, { key: "conv2.weight", cout: c, kdim: c * 9 }];
  return new SEResBlock(heap, config, packWeights(heap, moduleWeights, convs));
}
