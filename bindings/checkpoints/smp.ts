// segmentation_models.pytorch (qubvel/segmentation_models.pytorch @ bd7f877, 2024-06-05),
// `segmentation_models_pytorch/base/modules.py` SCSEModule(in_channels, reduction=16):
// cSE = Sequential(AdaptiveAvgPool2d, Conv2d C → C//r, ReLU, Conv2d C//r → C, Sigmoid) (keys cSE.1,
// cSE.3), sSE = Sequential(Conv2d C → 1, Sigmoid) (sSE.0), all with bias; y = x·cSE(x) + x·sSE(x):
// excite's scSE with combine 'add'. In a U-Net it sits at `decoder.blocks.{i}.attention{1,2}.attention.`.

import { allOrNone, key, rename, type SourceDef } from "./source.js";

export const smpSCSEModule: SourceDef = {
  name: "smp:SCSEModule",
  block: "scSE",
  signature: ["cSE.1.weight", "cSE.3.weight", "sSE.0.weight"],
  sizes: { channels: "C", reducedChannels: "R" },
  keys: (p) => [
    key("cSE.1.weight", "R", "C", 1, 1),
    key("cSE.3.weight", "C", "R", 1, 1),
    key("sSE.0.weight", 1, "C", 1, 1),
    ...(allOrNone(p, ["cSE.1.bias", "cSE.3.bias", "sSE.0.bias"]) ? [key("cSE.1.bias", "R"), key("cSE.3.bias", "C"), key("sSE.0.bias", 1)] : []),
  ],
  build: (m) => {
    const bias = m.has("cSE.1.bias");
    return {
      block: "scSE",
      inferred: { channels: m.size("C"), reducedChannels: m.size("R"), bias },
      defaults: { activation: "relu", gate: "sigmoid", combine: "add" },
      weights: rename(m, [
        ["cse.fc1.weight", "cSE.1.weight", ["R", "C"]],
        ["cse.fc2.weight", "cSE.3.weight", ["C", "R"]],
        ["sse.conv.weight", "sSE.0.weight", [1, "C", 1, 1]],
        ...(bias ? ([["cse.fc1.bias", "cSE.1.bias", ["R"]], ["cse.fc2.bias", "cSE.3.bias", ["C"]], ["sse.conv.bias", "sSE.0.bias", [1]]] as const) : []),
      ]),
    };
  },
};
