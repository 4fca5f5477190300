// The official CBAM and BAM (Jongchan/attention-module @ 459efad, 2022-09-12; in its ResNets
// (`MODELS/model_resnet.py`) they sit at `layerX.Y.cbam.` and `bam1.` … `bam3.`):
// - `MODELS/cbam.py` CBAM(gate_channels, reduction_ratio=16, pool_types=['avg', 'max'],
//   no_spatial=False): ChannelGate.mlp = Sequential(Flatten, Linear C → C//r, ReLU, Linear C//r → C)
//   (keys ChannelGate.mlp.1, .mlp.3, with bias), each pool through it, summed, sigmoid;
//   SpatialGate: ChannelPool = cat(max_C, mean_C) (max first: 'max-mean'), BasicConv(2, 1, 7,
//   padding 3, no bias, BatchNorm eps 1e-5) (SpatialGate.spatial.conv, .bn), sigmoid. pool_types
//   are not in the weights: the default ['avg', 'max'] unless options.pools says otherwise.
// - `MODELS/bam.py` BAM(gate_channel): ChannelGate(reduction_ratio 16, num_layers 1):
//   gate_c.gate_c_fc_0 (Linear) → gate_c_bn_1 (BatchNorm1d) → ReLU → gate_c_fc_final; SpatialGate
//   (reduction 16, dilation_conv_num 2, dilation_val 4): gate_s_conv_reduce0 (1×1) + gate_s_bn_reduce0
//   + ReLU, gate_s_conv_di_{i} (3×3, dilation and padding 4) + gate_s_bn_di_{i} + ReLU,
//   gate_s_conv_final (1×1 → 1); y = (1 + σ(channel·spatial))·x: combine 'mul'. The dilation is not in
//   the weights (default 4). The file's ChannelGate assigns an undefined `gate_activation`, so it does
//   not construct as released; and its channel pool is avg_pool2d with an H×H window, which is the
//   global average only for square inputs (excite's BAM takes the global average at every shape).

import { allOrNone, bnKeys, key, type KeySpec, rename, renameBN, type SourceDef } from "./source.js";

export const officialCBAM: SourceDef = {
  name: "official:CBAM",
  block: "CBAM",
  signature: ["ChannelGate.mlp.1.weight", "ChannelGate.mlp.3.weight"],
  sizes: { channels: "C", reducedChannels: "R" },
  keys: (p) => [
    key("ChannelGate.mlp.1.weight", "R", "C"),
    key("ChannelGate.mlp.1.bias", "R"),
    key("ChannelGate.mlp.3.weight", "C", "R"),
    key("ChannelGate.mlp.3.bias", "C"),
    ...(allOrNone(p, ["SpatialGate.spatial.conv.weight", ...bnKeys("SpatialGate.spatial.bn.", 1).map((s) => s.key)])
      ? [key("SpatialGate.spatial.conv.weight", 1, 2, "k", "k"), ...bnKeys("SpatialGate.spatial.bn.", 1)]
      : []),
  ],
  build: (m) => {
    const spatial = m.has("SpatialGate.spatial.conv.weight");
    const k = spatial ? m.size("k") : 0;
    if (spatial && k % 2 === 0) m.fail("SpatialGate.spatial.conv.weight", `has an even kernel size ${k}; excite's CBAM takes odd ones`);
    return {
      block: "CBAM",
      inferred: { channels: m.size("C"), reducedChannels: m.size("R"), bias: true, spatial, ...(spatial ? { spatialKernel: k, spatialNorm: true } : {}) },
      defaults: { pools: ["avg", "max"], ...(spatial ? { spatialOrder: "max-mean" } : {}) },
      weights: {
        ...rename(m, [
          ["channel.fc1.weight", "ChannelGate.mlp.1.weight", ["R", "C"]],
          ["channel.fc1.bias", "ChannelGate.mlp.1.bias", ["R"]],
          ["channel.fc2.weight", "ChannelGate.mlp.3.weight", ["C", "R"]],
          ["channel.fc2.bias", "ChannelGate.mlp.3.bias", ["C"]],
        ]),
        ...(spatial ? { "spatial.conv.weight": m.take("SpatialGate.spatial.conv.weight", [1, 2, "k", "k"]), ...renameBN(m, "SpatialGate.spatial.bn.", "spatial.bn.", 1) } : {}),
      },
    };
  },
};

const C_ = "channel_att.gate_c.";
const S_ = "spatial_att.gate_s.";

/** A conv or linear layer's weight and bias keys. */
const layer = (name: string, ...shape: (number | string)[]): KeySpec[] => [key(`${name}.weight`, ...shape), key(`${name}.bias`, shape[0])];

export const officialBAM: SourceDef = {
  name: "official:BAM",
  block: "BAM",
  signature: [`${C_}gate_c_fc_0.weight`, `${S_}gate_s_conv_reduce0.weight`],
  sizes: { channels: "C", reducedChannels: "R" },
  keys: (p) => {
    const n = p.count(`${S_}gate_s_conv_di_{i}.weight`);
    return [
      ...layer(`${C_}gate_c_fc_0`, "R", "C"),
      ...bnKeys(`${C_}gate_c_bn_1.`, "R"),
      ...layer(`${C_}gate_c_fc_final`, "C", "R"),
      ...layer(`${S_}gate_s_conv_reduce0`, "R", "C", 1, 1),
      ...bnKeys(`${S_}gate_s_bn_reduce0.`, "R"),
      ...Array.from({ length: n }, (_, i) => [...layer(`${S_}gate_s_conv_di_${i}`, "R", "R", 3, 3), ...bnKeys(`${S_}gate_s_bn_di_${i}.`, "R")]).flat(),
      ...layer(`${S_}gate_s_conv_final`, 1, "R", 1, 1),
    ];
  },
  build: (m) => {
    const n = m.count(`${S_}gate_s_conv_di_{i}.weight`);
    const pair = (to: string, from: string, shape: (number | string)[]) =>
      [[`${to}.weight`, `${from}.weight`, shape], [`${to}.bias`, `${from}.bias`, [shape[0]]]] as const;
    return {
      block: "BAM",
      inferred: { channels: m.size("C"), reducedChannels: m.size("R"), dilatedConvs: n },
      defaults: { dilation: 4, combine: "mul" },
      weights: {
        ...rename(m, [
          ...pair("channel.fc1", `${C_}gate_c_fc_0`, ["R", "C"]),
          ...pair("channel.fc2", `${C_}gate_c_fc_final`, ["C", "R"]),
          ...pair("spatial.reduce", `${S_}gate_s_conv_reduce0`, ["R", "C", 1, 1]),
          ...pair("spatial.final", `${S_}gate_s_conv_final`, [1, "R", 1, 1]),
          ...Array.from({ length: n }, (_, i) => pair(`spatial.dilated.${i}`, `${S_}gate_s_conv_di_${i}`, ["R", "R", 3, 3])).flat(),
        ]),
        ...renameBN(m, `${C_}gate_c_bn_1.`, "channel.bn.", "R"),
        ...renameBN(m, `${S_}gate_s_bn_reduce0.`, "spatial.reduce_bn.", "R"),
        ...Object.assign({}, ...Array.from({ length: n }, (_, i) => renameBN(m, `${S_}gate_s_bn_di_${i}.`, `spatial.dilated_bn.${i}.`, "R"))),
      },
    };
  },
};
