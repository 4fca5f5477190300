// Modules of the papers' own repositories (and timm's coordinate attention):
// - Andrew-Qibin/CoordAttention @ dbd5e7b `coordatt.py` CoordAtt(inp, oup, reduction=32): conv1 (1×1,
//   bias) → bn1 → h_swish, conv_h / conv_w (1×1, bias) with sigmoid gates.
// - timm `timm/layers/coord_attn.py` CoordAttn (huggingface/pytorch-image-models @ aa4b585): the same
//   keys, `bias=False` by default (read from the weights), Hardswish, gate 'sigmoid'; its
//   `has_skip` (out + x) is not in the weights and has no excite option: not supported.
// - YimianDai/open-aff @ 0bcfd8a `aff_pytorch/aff_net/fusion.py` MS_CAM, AFF, iAFF(channels=64, r=4):
//   local_att / global_att (and iAFF's local_att2 / global_att2) = Conv2d, BatchNorm2d, ReLU,
//   Conv2d, BatchNorm2d (global after AdaptiveAvgPool2d), keys verbatim excite's. Its iAFF forward
//   reuses global_att in the second stage (secondGlobal 'global_att'). MS_CAM and AFF have the same
//   keys (the weights cannot tell them apart: listCheckpointModules reports AFF, what open-aff's
//   ResNets hold; fromCheckpoint('openaff:MS_CAM', …) reads the same weights as MS-CAM).
// - wofmanaf/SA-Net @ 00a6760 `models/sa_resnet.py` sa_layer(channel, groups=64): cweight, cbias,
//   sweight, sbias [1, P, 1, 1], gn = GroupNorm(P, P) with P = C/(2·groups). Only P is in the weights:
//   C = 2·groups·P with groups 64 unless options.groups or options.channels says otherwise.
// - landskape-ai/triplet-attention @ 2cf02fb `triplet_attention.py` TripletAttention(no_spatial=False)
//   (cw, hc, hw = AttentionGate: ZPool max-then-mean, BasicConv(2, 1, 7, padding 3, no bias, BatchNorm
//   eps 1e-5)) and its older `MODELS/triplet_attention.py` (ChannelGateH, ChannelGateW, SpatialGate,
//   `.spatial` for `.conv`), which the released checkpoints use. The channel count is in no weight.
// - ZjjConan/SimAM @ ae98f43 `networks/attentions/simam_module.py` simam_module(channels=None,
//   e_lambda=1e-4): no weights.

import { describe } from "../validate.js";
import { allOrNone, bnKeys, key, type KeyProbe, type KeySpec, rename, renameBN, type SourceDef } from "./source.js";

function coordAttention(name: string): SourceDef {
  return {
    name,
    block: "CoordAttention",
    signature: ["conv_h.weight", "conv_w.weight"],
    sizes: { channels: "C", reducedChannels: "M" },
    keys: (p) => [
      key("conv1.weight", "M", "C", 1, 1),
      ...bnKeys("bn1.", "M"),
      key("conv_h.weight", "C", "M", 1, 1),
      key("conv_w.weight", "C", "M", 1, 1),
      ...(allOrNone(p, ["conv1.bias", "conv_h.bias", "conv_w.bias"]) ? [key("conv1.bias", "M"), key("conv_h.bias", "C"), key("conv_w.bias", "C")] : []),
    ],
    build: (m) => {
      const bias = m.has("conv1.bias");
      return {
        block: "CoordAttention",
        inferred: { channels: m.size("C"), reducedChannels: m.size("M"), bias },
        defaults: { gate: "sigmoid" },
        weights: {
          ...rename(m, [
            ["conv1.weight", "conv1.weight", ["M", "C", 1, 1]],
            ["conv_h.weight", "conv_h.weight", ["C", "M", 1, 1]],
            ["conv_w.weight", "conv_w.weight", ["C", "M", 1, 1]],
            ...(bias ? ([["conv1.bias", "conv1.bias", ["M"]], ["conv_h.bias", "conv_h.bias", ["C"]], ["conv_w.bias", "conv_w.bias", ["C"]]] as const) : []),
          ]),
          ...renameBN(m, "bn1.", "bn1.", "M"),
        },
      };
    },
  };
}

export const coordattCoordAtt = coordAttention("coordatt:CoordAtt");
export const timmCoordAttn = coordAttention("timm:CoordAttn");

/** One MS-CAM branch: conv C → I (bias), BN, ReLU, conv I → C (bias), BN, at Sequential indices `at`. */
function branchKeys(name: string, [a, b, c, d]: readonly number[]): KeySpec[] {
  return [
    key(`${name}.${a}.weight`, "I", "C", 1, 1), key(`${name}.${a}.bias`, "I"), ...bnKeys(`${name}.${b}.`, "I"),
    key(`${name}.${c}.weight`, "C", "I", 1, 1), key(`${name}.${c}.bias`, "C"), ...bnKeys(`${name}.${d}.`, "C"),
  ];
}

const LOCAL = [0, 1, 3, 4], GLOBAL = [1, 2, 4, 5];

function fusion(name: string, block: "MSCAM" | "AFF" | "iAFF"): SourceDef {
  const branches: [string, number[]][] = [["local_att", LOCAL], ["global_att", GLOBAL]];
  if (block === "iAFF") branches.push(["local_att2", LOCAL], ["global_att2", GLOBAL]);
  const specs = branches.flatMap(([b, at]) => branchKeys(b, at));
  return {
    name,
    block,
    signature: block === "iAFF" ? ["local_att2.0.weight"] : ["local_att.0.weight"],
    sizes: { channels: "C", reducedChannels: "I" },
    keys: () => specs,
    build: (m) => ({
      block,
      inferred: { channels: m.size("C"), reducedChannels: m.size("I") },
      defaults: block === "iAFF" ? { secondGlobal: "global_att" } : {},
      weights: rename(m, specs.map((s) => [s.key, s.key, s.shape] as const)),
    }),
  };
}

export const openaffMSCAM = fusion("openaff:MS_CAM", "MSCAM");
export const openaffAFF = fusion("openaff:AFF", "AFF");
export const openaffIAFF = fusion("openaff:iAFF", "iAFF");

const SA_KEYS = ["cweight", "cbias", "sweight", "sbias"];

export const sanetSaLayer: SourceDef = {
  name: "sanet:sa_layer",
  block: "ShuffleAttention",
  signature: ["cweight", "sweight"],
  keys: () => [...SA_KEYS.map((k) => key(k, 1, "P", 1, 1)), key("gn.weight", "P"), key("gn.bias", "P")],
  build: (m) => {
    const P = m.size("P"), c = m.option("channels"), g = m.option("groups");
    for (const [o, v] of [["channels", c], ["groups", g]] as const) {
      if (v !== undefined && (typeof v !== "number" || !Number.isSafeInteger(v) || v < 1)) throw new RangeError(`excite: sanet:sa_layer option ${o} must be a positive integer, got ${describe(v)}`);
    }
    let groups = (g as number | undefined) ?? 64;
    if (c !== undefined) {
      if ((c as number) % (2 * P) !== 0) m.fail("cweight", `holds P = ${P} channels per half-group, so channels = 2·groups·${P}: options.channels = ${c} is not a multiple of ${2 * P}`);
      if (g !== undefined && (g as number) * 2 * P !== c) m.fail("cweight", `holds P = ${P}: options.groups = ${g} gives channels 2·${g}·${P} = ${2 * (g as number) * P}, not options.channels = ${c}`);
      groups = (c as number) / (2 * P);
    }
    return {
      block: "ShuffleAttention",
      inferred: { channels: 2 * groups * P, groups },
      defaults: {},
      weights: rename(m, [...SA_KEYS.map((k) => [k, k, [1, "P", 1, 1]] as const), ["gn.weight", "gn.weight", ["P"]], ["gn.bias", "gn.bias", ["P"]]]),
    };
  },
};

/** The triplet gates' names: the root file's and the older MODELS file's (released checkpoints). */
const TRIPLET_NAMES = {
  root: { cw: "cw.conv.", hc: "hc.conv.", hw: "hw.conv." },
  models: { cw: "ChannelGateH.spatial.", hc: "ChannelGateW.spatial.", hw: "SpatialGate.spatial." },
} as const;

const tripletNames = (p: KeyProbe) => (p.has("ChannelGateH.spatial.conv.weight") ? TRIPLET_NAMES.models : TRIPLET_NAMES.root);
const gateKeys = (g: string): KeySpec[] => [key(`${g}conv.weight`, 1, 2, 7, 7), ...bnKeys(`${g}bn.`, 1)];

export const tripletTripletAttention: SourceDef = {
  name: "triplet:TripletAttention",
  block: "TripletAttention",
  signature: ["cw.conv.conv.weight", "ChannelGateH.spatial.conv.weight"],
  sizes: { channels: "C" },
  keys: (p) => {
    const n = tripletNames(p);
    const spatial = allOrNone(p, gateKeys(n.hw).map((s) => s.key));
    return [...gateKeys(n.cw), ...gateKeys(n.hc), ...(spatial ? gateKeys(n.hw) : [])];
  },
  build: (m) => {
    const n = tripletNames(m), noSpatial = !m.has(`${n.hw}conv.weight`);
    const gate = (from: string, to: string) => ({ [`${to}.conv.weight`]: m.take(`${from}conv.weight`, [1, 2, 7, 7]), ...renameBN(m, `${from}bn.`, `${to}.bn.`, 1) });
    return {
      block: "TripletAttention",
      inferred: { channels: m.size("C"), noSpatial },
      defaults: {},
      weights: { ...gate(n.cw, "cw.conv"), ...gate(n.hc, "hc.conv"), ...(noSpatial ? {} : gate(n.hw, "hw.conv")) },
    };
  },
};

export const simamSimamModule: SourceDef = {
  name: "simam:simam_module",
  block: "SimAM",
  signature: [],
  keys: () => [],
  build: () => ({ block: "SimAM", inferred: {}, defaults: { eLambda: 1e-4 }, weights: {} }),
};
