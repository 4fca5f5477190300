// Context blocks:
// - timm `timm/layers/gather_excite.py` GatherExcite (huggingface/pytorch-image-models @ aa4b585):
//   gather = Sequential(conv{i} depthwise 3×3 stride 2 no bias, norm{i} BatchNorm, act between)
//   with extra_params (int(log2(extent)) stages; extent 0: one depthwise conv of kernel feat_size),
//   else pooling; mlp = ConvMlp(fc1, fc2 with bias) when use_mlp; gate sigmoid. The weights tell
//   extra_params, use_mlp, the widths and the number of stages (extent = 2^stages); they do not tell
//   the extent without extra_params (default 0), nor add_maxpool (default False). One 3×3 stage is
//   extent 2, or extent 0 with feat_size (3, 3) when options.extent is 0.
// - timm `timm/layers/global_context.py` GlobalContext: conv_attn (1×1 C → 1, bias) when use_attn
//   (poolingType 'att', else 'avg'), mlp_scale / mlp_add = ConvMlp(fc1, LayerNorm2d `norm` eps 1e-6,
//   ReLU, fc2), fuse_scale (default) → 'channel_mul', fuse_add → 'channel_add'; gate sigmoid.
// - mmcv `mmcv/cnn/bricks/context_block.py` ContextBlock (open-mmlab/mmcv @ a8073c7, 2026-01-16),
//   the official GCNet module: conv_mask, channel_add_conv / channel_mul_conv = Sequential(Conv2d,
//   LayerNorm([P, 1, 1]) eps 1e-5, ReLU, Conv2d), keys verbatim excite's.

import { allOrNone, bnKeys, key, type KeyProbe, type KeySpec, type Match, rename, type SourceDef } from "./source.js";

const MLP_KEYS = ["mlp.fc1.weight", "mlp.fc1.bias", "mlp.fc2.weight", "mlp.fc2.bias"];

export const timmGatherExcite: SourceDef = {
  name: "timm:GatherExcite",
  block: "GatherExcite",
  signature: ["mlp.fc1.weight", "gather.conv1.weight"],
  sizes: { channels: "C", reducedChannels: "R" },
  keys: (p) => {
    const stages = p.count("gather.conv{i}.weight", 1);
    const gather = Array.from({ length: stages }, (_, j) => [
      stages === 1 ? key("gather.conv1.weight", "C", 1, "kh", "kw") : key(`gather.conv${j + 1}.weight`, "C", 1, 3, 3),
      ...bnKeys(`gather.norm${j + 1}.`, "C"),
    ]).flat();
    const mlp = allOrNone(p, MLP_KEYS) ? [key("mlp.fc1.weight", "R", "C", 1, 1), key("mlp.fc1.bias", "R"), key("mlp.fc2.weight", "C", "R", 1, 1), key("mlp.fc2.bias", "C")] : [];
    return [...gather, ...mlp];
  },
  build: (m) => {
    const stages = m.count("gather.conv{i}.weight", 1), useMlp = m.has("mlp.fc1.weight");
    const inferred: Record<string, unknown> = { channels: m.size("C"), extraParams: stages > 0, useMlp };
    if (useMlp) inferred.reducedChannels = m.size("R");
    if (stages === 1 && (m.size("kh") !== 3 || m.size("kw") !== 3 || m.option("extent") === 0)) {
      Object.assign(inferred, { extent: 0, featSize: [m.size("kh"), m.size("kw")] });
    } else if (stages > 0) {
      // int(log2(extent)) stages: any even extent from 2^stages to 2^(stages+1) − 2 computes the same
      const e = m.option("extent");
      inferred.extent = typeof e === "number" && e % 2 === 0 && Math.floor(Math.log2(e)) === stages ? e : 2 ** stages;
    }
    const gather = Array.from({ length: stages }, (_, j) => {
      const i = j + 1, bn = ["weight", "bias", "running_mean", "running_var"].map((p) => [`gather.norm${i}.${p}`, `gather.norm${i}.${p}`, ["C"]] as const);
      return [[`gather.conv${i}.weight`, `gather.conv${i}.weight`, stages === 1 ? ["C", 1, "kh", "kw"] : ["C", 1, 3, 3]] as const, ...bn];
    }).flat();
    const mlp = useMlp
      ? ([["mlp.fc1.weight", "mlp.fc1.weight", ["R", "C", 1, 1]], ["mlp.fc1.bias", "mlp.fc1.bias", ["R"]], ["mlp.fc2.weight", "mlp.fc2.weight", ["C", "R", 1, 1]], ["mlp.fc2.bias", "mlp.fc2.bias", ["C"]]] as const)
      : [];
    return {
      block: "GatherExcite",
      inferred,
      defaults: stages > 0 ? {} : { extent: 0, addMaxpool: false },
      weights: rename(m, [...gather, ...mlp]),
    };
  },
};

/** The keys of GC's transform `fc1` (1×1 C → P, bias), `norm` (affine over P), `fc2` (1×1 P → C, bias). */
const transformKeys = (fc1: string, norm: string, fc2: string, normShape: (number | string)[]): KeySpec[] => [
  key(`${fc1}.weight`, "P", "C", 1, 1),
  key(`${fc1}.bias`, "P"),
  key(`${norm}.weight`, ...normShape),
  key(`${norm}.bias`, ...normShape),
  key(`${fc2}.weight`, "C", "P", 1, 1),
  key(`${fc2}.bias`, "C"),
];

interface ContextNames {
  readonly attn: string;
  /** Per fusion: its transform's fc1, norm and fc2 names. */
  readonly fusions: Record<"channel_mul" | "channel_add", readonly [string, string, string]>;
  readonly normShape: (number | string)[];
}

const TIMM_GC: ContextNames = {
  attn: "conv_attn",
  fusions: { channel_mul: ["mlp_scale.fc1", "mlp_scale.norm", "mlp_scale.fc2"], channel_add: ["mlp_add.fc1", "mlp_add.norm", "mlp_add.fc2"] },
  normShape: ["P"],
};
const MMCV_GC: ContextNames = {
  attn: "conv_mask",
  fusions: { channel_mul: ["channel_mul_conv.0", "channel_mul_conv.1", "channel_mul_conv.3"], channel_add: ["channel_add_conv.0", "channel_add_conv.1", "channel_add_conv.3"] },
  normShape: ["P", 1, 1],
};

function fusionsOf(p: KeyProbe, n: ContextNames): ("channel_mul" | "channel_add")[] {
  return (["channel_mul", "channel_add"] as const).filter((f) => p.has(`${n.fusions[f][0]}.weight`));
}

function contextKeys(p: KeyProbe, n: ContextNames, fallback: "channel_mul" | "channel_add"): KeySpec[] {
  const fusions = fusionsOf(p, n);
  const attn = allOrNone(p, [`${n.attn}.weight`, `${n.attn}.bias`]) ? [key(`${n.attn}.weight`, 1, "C", 1, 1), key(`${n.attn}.bias`, 1)] : [];
  // neither transform present: ask for the module's default one (its missing keys are the error)
  return [...attn, ...(fusions.length ? fusions : [fallback]).flatMap((f) => transformKeys(...n.fusions[f], n.normShape))];
}

function contextStage(m: Match, n: ContextNames, eps: number) {
  const fusions = fusionsOf(m, n);
  const given = m.option("fusionTypes");
  // mul is applied before add whatever the order of the list: the caller's order of the same set stands
  const sameSet = Array.isArray(given) && given.length === fusions.length && fusions.every((f) => given.includes(f));
  const att = m.has(`${n.attn}.weight`);
  const weights = rename(m, [
    ...(att ? ([["conv_mask.weight", `${n.attn}.weight`, [1, "C", 1, 1]], ["conv_mask.bias", `${n.attn}.bias`, [1]]] as const) : []),
    ...fusions.flatMap((f) => {
      const [fc1, norm, fc2] = n.fusions[f];
      return [
        [`${f}_conv.0.weight`, `${fc1}.weight`, ["P", "C", 1, 1]],
        [`${f}_conv.0.bias`, `${fc1}.bias`, ["P"]],
        [`${f}_conv.1.weight`, `${norm}.weight`, ["P", 1, 1]],
        [`${f}_conv.1.bias`, `${norm}.bias`, ["P", 1, 1]],
        [`${f}_conv.3.weight`, `${fc2}.weight`, ["C", "P", 1, 1]],
        [`${f}_conv.3.bias`, `${fc2}.bias`, ["C"]],
      ] as const;
    }),
  ]);
  return {
    block: "GlobalContext" as const,
    inferred: { channels: m.size("C"), reducedChannels: m.size("P"), poolingType: att ? "att" : "avg", fusionTypes: sameSet ? given : fusions },
    defaults: { layerNormEps: eps },
    weights,
  };
}

function contextSource(name: string, names: ContextNames, fallback: "channel_mul" | "channel_add", eps: number): SourceDef {
  return {
    name,
    block: "GlobalContext",
    signature: [`${names.fusions.channel_mul[0]}.weight`, `${names.fusions.channel_add[0]}.weight`],
    sizes: { channels: "C", reducedChannels: "P" },
    keys: (p) => contextKeys(p, names, fallback),
    build: (m) => contextStage(m, names, eps),
  };
}

export const timmGlobalContext = contextSource("timm:GlobalContext", TIMM_GC, "channel_mul", 1e-6);
export const mmcvContextBlock = contextSource("mmcv:ContextBlock", MMCV_GC, "channel_add", 1e-5);
