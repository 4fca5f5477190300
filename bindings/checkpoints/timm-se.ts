// timm's squeeze-excitation modules (huggingface/pytorch-image-models @ aa4b585, read 2026-08):
// - `timm/layers/squeeze_excite.py` SEModule (alias SqueezeExcite): fc1 / fc2 1×1 convs with
//   `bias=True`, an optional `bn` between fc1 and the activation (rexnet's SEWithNorm), act ReLU,
//   gate sigmoid, `add_maxpool=False` (0.5·avg + 0.5·max: pool 'avgmax').
// - `timm/layers/squeeze_excite.py` EffectiveSEModule: one 1×1 conv `fc` C → C with bias, gate
//   'hard_sigmoid' = F.hardsigmoid (PyTorch's 1/6, 1/2), add_maxpool False.
// - `timm/models/_efficientnet_blocks.py` SqueezeExcite (EfficientNet, MobileNetV3, …):
//   conv_reduce / conv_expand with bias, gate sigmoid; its act_layer default (ReLU) is never in
//   effect: every block that builds it passes its own act_layer (EfficientNet SiLU, MobileNetV3
//   ReLU with a hard_sigmoid gate), so the activation is required as an option rather than guessed.
// - `timm/layers/eca.py` EcaModule / CecaModule: conv.weight [1, 1, k], no bias, gate sigmoid;
//   zero padding / circular padding. Their channel count is in no weight (options.channels).

import type { BlockId } from "./blocks.js";
import { foldBatchNorm } from "../batchnorm.js";
import { allOrNone, bnKeys, key, type KeyProbe, type KeySpec, type Match, OptionRequiredError, rename, type SourceDef, type Stage } from "./source.js";

const SE_SIZES = { channels: "C", reducedChannels: "R" } as const;

/** The keys of an SE of two 1×1 convs `fc1` → (bn) → `fc2`, biases as present. */
export function seKeys(p: KeyProbe, fc1: string, fc2: string, bn?: string): KeySpec[] {
  const bias = allOrNone(p, [`${fc1}.bias`, `${fc2}.bias`]);
  const norm = bn !== undefined && allOrNone(p, bnKeys(bn, "R").map((s) => s.key));
  return [
    key(`${fc1}.weight`, "R", "C", 1, 1),
    ...(bias ? [key(`${fc1}.bias`, "R"), key(`${fc2}.bias`, "C")] : []),
    ...(norm ? bnKeys(bn!, "R") : []),
    key(`${fc2}.weight`, "C", "R", 1, 1),
  ];
}

/**
 * SE's stage from fc1 → (bn) → fc2 under `prefix` of excite's keys ("" or "cse."). A batch norm
 * after fc1 is folded into it (no nonlinearity between them), which gives fc1 a bias (and fc2
 * zeros where it has none).
 */
export function seStage(m: Match, fc1: string, fc2: string, defaults: Record<string, unknown>, bn?: string, block: BlockId = "SE", prefix = ""): Stage {
  const R = m.size("R"), C = m.size("C");
  const norm = bn !== undefined && m.has(`${bn}weight`);
  let bias = m.has(`${fc1}.bias`);
  const weights = rename(m, [
    [`${prefix}fc1.weight`, `${fc1}.weight`, ["R", "C"]],
    [`${prefix}fc2.weight`, `${fc2}.weight`, ["C", "R"]],
    ...(bias ? ([[`${prefix}fc1.bias`, `${fc1}.bias`, ["R"]], [`${prefix}fc2.bias`, `${fc2}.bias`, ["C"]]] as const) : []),
  ]);
  if (norm) {
    const bnWeights = Object.fromEntries(["weight", "bias", "running_mean", "running_var"].map((p) => [`bn.${p}`, m.tensor(`${bn}${p}`)]));
    const folded = foldBatchNorm(m.tensor(`${fc1}.weight`), bias ? m.tensor(`${fc1}.bias`) : undefined, bnWeights, "bn.");
    weights[`${prefix}fc1.weight`] = { data: folded.weight, shape: [R, C] };
    weights[`${prefix}fc1.bias`] = { data: folded.bias, shape: [R] };
    if (!bias) weights[`${prefix}fc2.bias`] = { data: new Float32Array(C), shape: [C] };
    bias = true;
  }
  return { block, inferred: { channels: C, reducedChannels: R, bias }, defaults, weights };
}

export const timmSEModule: SourceDef = {
  name: "timm:SEModule",
  block: "SE",
  signature: ["fc1.weight", "fc2.weight"],
  sizes: SE_SIZES,
  keys: (p) => seKeys(p, "fc1", "fc2", "bn."),
  build: (m) => seStage(m, "fc1", "fc2", { activation: "relu", gate: "sigmoid", pool: "avg" }, "bn."),
};

export const timmEffectiveSEModule: SourceDef = {
  name: "timm:EffectiveSEModule",
  block: "EffectiveSE",
  signature: ["fc.weight", "fc.bias"],
  sizes: { channels: "C" },
  keys: () => [key("fc.weight", "C", "C", 1, 1), key("fc.bias", "C")],
  build: (m) => ({
    block: "EffectiveSE",
    inferred: { channels: m.size("C") },
    defaults: { addMaxpool: false, gate: "hardsigmoid" },
    weights: rename(m, [["fc.weight", "fc.weight", ["C", "C", 1, 1]], ["fc.bias", "fc.bias", ["C"]]]),
  }),
};

/** timm.models._efficientnet_blocks.SqueezeExcite; timm.layers' SqueezeExcite (= SEModule, fc1 / fc2) is read as SEModule. */
export const timmSqueezeExcite: SourceDef = {
  name: "timm:SqueezeExcite",
  block: "SE",
  signature: ["conv_reduce.weight", "conv_expand.weight"],
  sizes: SE_SIZES,
  keys: (p) => (p.has("fc1.weight") ? timmSEModule.keys(p) : seKeys(p, "conv_reduce", "conv_expand")),
  build: (m) => {
    if (m.has("fc1.weight")) return timmSEModule.build(m);
    if (m.option("activation") === undefined) {
      throw new OptionRequiredError(
        "excite: timm:SqueezeExcite takes its activation from the block that holds it, which the weights do not tell: pass options.activation " +
          "('silu' for EfficientNet, EfficientNetV2 and TinyNet; 'relu' with gate: 'hardsigmoid' for MobileNetV3 and LCNet; 'relu' for MNASNet and MixNet-style ReLU blocks)",
      );
    }
    return seStage(m, "conv_reduce", "conv_expand", { gate: "sigmoid", pool: "avg" });
  },
};

function ecaSource(name: string, padding: "zeros" | "circular"): SourceDef {
  return {
    name,
    block: "ECA",
    signature: ["conv.weight"],
    sizes: { channels: "C" },
    keys: () => [key("conv.weight", 1, 1, "k")],
    build: (m) => {
      const k = m.size("k");
      if (k % 2 === 0) m.fail("conv.weight", `has an even kernel size ${k}; ${name}'s is odd`);
      return {
        block: "ECA",
        inferred: { channels: m.size("C"), kernelSize: k },
        defaults: { padding, gate: "sigmoid" },
        weights: rename(m, [["conv.weight", "conv.weight", [1, 1, "k"]]]),
      };
    },
  };
}

export const timmEcaModule = ecaSource("timm:EcaModule", "zeros");
export const timmCecaModule = ecaSource("timm:CecaModule", "circular");
/** BangguWu/ECANet @ b332f6b `models/eca_module.py` eca_layer(channel, k_size=3): the same key and math as timm's EcaModule. */
export const ecanetEcaLayer = ecaSource("ecanet:eca_layer", "zeros");
