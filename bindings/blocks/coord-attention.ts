// Coordinate attention (Hou et al., arXiv 2103.02907; Andrew-Qibin/CoordAttention coordatt.py
// `CoordAtt`): y = x·a_w·a_h with a_h, a_w the gates of the two directional pools after a shared
// 1×1 conv + bn + h_swish (assembly/blocks/coord-attention.ts). bn1 is folded into conv1 at create
// (kept as its affine after conv1 where folding it is not exact: batchnorm.ts foldBatchNormExact).

import { batchNormSpecs, foldBatchNormExact } from "../batchnorm.js";
import { Block, type BlockDef, blockFactory, layoutCode } from "../block.js";
import { type GateArgs, type GateOptions, GATE_OPTION_KEYS, parseGate } from "../gate.js";
import { f32, i32 } from "../params.js";
import { bool, type Layout, positiveInt, reducedChannels } from "../validate.js";
import type { Weights, WeightSpec } from "../weights.js";

export interface CoordAttentionOptions extends GateOptions {
  /** Channel count C of the input. */
  channels: number;
  /** mip = max(8, floor(C / reduction)) (default 32). */
  reduction?: number;
  /** mip given outright (also below 8; timm's CoordAttn: make_divisible(C·(1/16)·(2/3), 8)); overrides `reduction`. */
  reducedChannels?: number;
  /** Whether conv1, conv_h and conv_w have biases (default true, the official code; timm's CoordAttn has none). */
  bias?: boolean;
}

export interface CoordAttentionConfig {
  readonly layout: Layout;
  readonly channels: number;
  /** mip, the width of the shared 1×1 conv. */
  readonly reduced: number;
  readonly bias: boolean;
  readonly gate: GateArgs;
}

function weightSpecs({ channels: c, reduced: mip, bias }: CoordAttentionConfig): WeightSpec[] {
  const specs: WeightSpec[] = [{ key: "conv1.weight", shape: [mip, c] }];
  if (bias) specs.push({ key: "conv1.bias", shape: [mip] });
  specs.push(...batchNormSpecs("bn1.", mip));
  for (const conv of ["conv_h", "conv_w"]) {
    specs.push({ key: `${conv}.weight`, shape: [c, mip] });
    if (bias) specs.push({ key: `${conv}.bias`, shape: [c] });
  }
  return specs;
}

const COORD_ATTENTION: BlockDef<CoordAttentionOptions, CoordAttentionConfig> = {
  name: "CoordAttention",
  layouts: ["nchw", "nhwc"],
  optionKeys: ["channels", "reduction", "reducedChannels", "bias", ...GATE_OPTION_KEYS],
  parse: (o) => {
    const channels = positiveInt("CoordAttention", "channels", o.channels);
    return {
      channels,
      reduced: reducedChannels("CoordAttention", channels, o.reduction, o.reducedChannels, 32, 8),
      bias: bool("CoordAttention", "bias", o.bias, true),
      gate: parseGate("CoordAttention", o),
    };
  },
  weights: weightSpecs,
  prepare: (g, w) => {
    const conv1 = foldBatchNormExact(w["conv1.weight"], w["conv1.bias"], w, "bn1.");
    const weights: Weights = { "conv1.weight": conv1.weight, "conv1.bias": conv1.bias, "conv_h.weight": w["conv_h.weight"], "conv_w.weight": w["conv_w.weight"] };
    if (conv1.after) Object.assign(weights, { "bn1.scale": conv1.after.scale, "bn1.shift": conv1.after.shift });
    return { weights: g.bias ? { ...weights, "conv_h.bias": w["conv_h.bias"], "conv_w.bias": w["conv_w.bias"] } : weights };
  },
  params: (g, pack) => {
    const p = (key: string) => i32(pack.ptr(key));
    return [
      i32(layoutCode(g.layout)), i32(g.channels), i32(g.reduced),
      p("conv1.weight"), p("conv1.bias"), p("conv_h.weight"), p("conv_h.bias"), p("conv_w.weight"), p("conv_w.bias"),
      i32(g.gate.gate), f32(g.gate.alpha), f32(g.gate.beta), p("bn1.scale"), p("bn1.shift"),
    ];
  },
  entry: (wasm) => ({ plan: wasm.coord_attention_plan, run: wasm.coord_attention_run }),
};

/**
 * A coordinate attention block. Weights: conv1.weight [mip, C], conv1.bias [mip],
 * bn1.{weight, bias, running_mean, running_var} [mip], conv_h.weight [C, mip], conv_h.bias [C],
 * conv_w.weight [C, mip], conv_w.bias [C] (biases only with `bias`).
 */
export const createCoordAttention = blockFactory<CoordAttentionOptions, CoordAttentionConfig, Block<CoordAttentionConfig>>(COORD_ATTENTION);
