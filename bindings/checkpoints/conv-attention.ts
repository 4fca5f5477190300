// Attention convolutions (their output has the conv's channels and stride):
// - timm `timm/layers/selective_kernel.py` SelectiveKernel (huggingface/pytorch-image-models @
//   aa4b585): paths.{i} = ConvNormAct (conv without bias, BatchNorm `bn`, ReLU), attn =
//   SelectiveKernelAttn (fc_reduce 1×1 no bias, bn, ReLU, fc_select 1×1 no bias → paths·C, softmax
//   over the paths). The weights tell the paths, C, the attention width and each path's kernel;
//   split_input (default True) and groups (default 1) decide how the input channels read from
//   a path's weight [C, in/groups, k, k] (skresnext passes groups 32 and split_input False: give
//   them as options). keep_3x3 (default True) turns the default kernel_size [3, 5] into 3×3
//   kernels with dilations [1, 2]: 3×3 paths take dilations 1, 2, … (kernel sizes 3, 5, …
//   kept as 3×3), other kernels dilation 1 (keep_3x3 False). stride is not in the weights (default 1).
// - timm `timm/layers/split_attn.py` SplitAttn and zhanghang1989/ResNeSt @ 1dfb3e8
//   `resnest/torch/models/splat.py` SplAtConv2d: the same keys and math (conv with groups
//   G·radix, bn0, fc1 / fc2 1×1 with groups G and bias, bn1, rSoftMax). Every width, radix and
//   groups follow from conv [R·C, in/(G·R), k, k], fc1 [I, C/G] and fc2 [R·C, I/G]; bias and norm
//   from the presence of conv.bias and bn0 / bn1. stride and dilation are not in the weights
//   (default 1); the padding is excite's dilation·(k − 1)/2, which is timm's k // 2 at dilation 1
//   and what timm's and ResNeSt's networks pass (padding = dilation) at other dilations (the bare
//   SplAtConv2d constructor's padding 0 is used by no ResNeSt network). ResNeSt's `rectify`
//   (RFConv2d, an external CUDA op) has the same keys and other math: not supported.

import { allOrNone, bnKeys, key, type Match, rename, renameBN, type SourceDef } from "./source.js";
import { describe } from "../validate.js";

function optionalInt(m: Match, source: string, name: string): number | undefined {
  const v = m.option(name);
  if (v !== undefined && (typeof v !== "number" || !Number.isSafeInteger(v) || v < 1)) throw new RangeError(`excite: ${source} option ${name} must be a positive integer, got ${describe(v)}`);
  return v as number | undefined;
}

/** a / b, or an error about `key` when b does not divide a. */
function divide(m: Match, keyName: string, a: number, b: number, what: string): number {
  if (b < 1 || a % b !== 0) m.fail(keyName, `gives ${what}: ${a} is not a multiple of ${b}`);
  return a / b;
}

export const timmSelectiveKernel: SourceDef = {
  name: "timm:SelectiveKernel",
  block: "SK",
  signature: ["paths.0.conv.weight", "attn.fc_select.weight"],
  sizes: { channels: "C", reducedChannels: "D" },
  keys: (p) => {
    const paths = Math.max(1, p.count("paths.{i}.conv.weight"));
    return [
      ...Array.from({ length: paths }, (_, i) => [key(`paths.${i}.conv.weight`, "C", "Ip", `k${i}`, `k${i}`), ...bnKeys(`paths.${i}.bn.`, "C")]).flat(),
      key("attn.fc_reduce.weight", "D", "C", 1, 1),
      ...bnKeys("attn.bn.", "D"),
      key("attn.fc_select.weight", "S", "D", 1, 1),
    ];
  },
  build: (m) => {
    const name = "timm:SelectiveKernel";
    const paths = m.count("paths.{i}.conv.weight"), C = m.size("C"), Ip = m.size("Ip");
    if (m.size("S") !== paths * C) m.fail("attn.fc_select.weight", `has ${m.size("S")} outputs, expected paths·C = ${paths}·${C} = ${paths * C}`);
    const split = m.option("splitInput") ?? true;
    if (typeof split !== "boolean") throw new TypeError(`excite: ${name} option splitInput must be true or false, got ${describe(split)}`);
    const inOption = optionalInt(m, name, "inChannels"), groupsOption = optionalInt(m, name, "groups");
    let groups: number, inChannels: number;
    if (inOption !== undefined) {
      const perPath = split ? divide(m, "paths.0.conv.weight", inOption, paths, `the input split over ${paths} paths (options.inChannels = ${inOption})`) : inOption;
      groups = groupsOption ?? divide(m, "paths.0.conv.weight", perPath, Ip, `the groups of ${perPath} input channels per path`);
      if (groups * Ip !== perPath) m.fail("paths.0.conv.weight", `reads ${Ip} input channels per group, so ${groups} groups (options.groups) read ${groups * Ip}, not the ${perPath} per path of options.inChannels = ${inOption}`);
      inChannels = inOption;
    } else {
      groups = groupsOption ?? 1;
      inChannels = groups * Ip * (split ? paths : 1);
    }
    const kernelSizes = Array.from({ length: paths }, (_, i) => m.size(`k${i}`));
    const dilations = kernelSizes.map((_, i) => (kernelSizes.every((s) => s === 3) ? i + 1 : 1));
    return {
      block: "SK",
      inferred: { inChannels, channels: C, paths, groups, reducedChannels: m.size("D"), kernelSizes, splitInput: split },
      defaults: { stride: 1, dilations },
      weights: {
        ...rename(m, [
          ...kernelSizes.map((_, i) => [`conv.${i}.0.weight`, `paths.${i}.conv.weight`, ["C", "Ip", `k${i}`, `k${i}`]] as const),
          ["fc1.0.weight", "attn.fc_reduce.weight", ["D", "C", 1, 1]],
          ["fc2.weight", "attn.fc_select.weight", ["S", "D", 1, 1]],
        ]),
        ...Object.assign({}, ...kernelSizes.map((_, i) => renameBN(m, `paths.${i}.bn.`, `conv.${i}.1.`, "C"))),
        ...renameBN(m, "attn.bn.", "fc1.1.", "D"),
      },
    };
  },
};

function splitAttention(name: string): SourceDef {
  return {
    name,
    block: "SplitAttention",
    signature: ["fc1.weight"],
    sizes: { reducedChannels: "I" },
    keys: (p) => [
      key("conv.weight", "RC", "Ig", "k", "k"),
      ...(p.has("conv.bias") ? [key("conv.bias", "RC")] : []),
      ...(allOrNone(p, [...bnKeys("bn0.", 0), ...bnKeys("bn1.", 0)].map((s) => s.key)) ? [...bnKeys("bn0.", "RC"), ...bnKeys("bn1.", "I")] : []),
      key("fc1.weight", "I", "Cg", 1, 1),
      key("fc1.bias", "I"),
      key("fc2.weight", "RC", "IG", 1, 1),
      key("fc2.bias", "RC"),
    ],
    build: (m) => {
      const RC = m.size("RC"), I = m.size("I"), k = m.size("k");
      const groups = divide(m, "fc2.weight", I, m.size("IG"), "the groups of fc1 / fc2 (I / (I/groups))");
      const C = m.size("Cg") * groups;
      const radix = divide(m, "conv.weight", RC, C, `the radix (radix·C / C, C = ${C})`);
      const norm = m.has("bn0.weight"), bias = m.has("conv.bias");
      return {
        block: "SplitAttention",
        inferred: { inChannels: m.size("Ig") * groups * radix, channels: C, kernelSize: k, radix, groups, reducedChannels: I, bias, norm },
        defaults: { stride: 1, dilation: 1, ...(k % 2 === 0 ? { padding: k / 2 } : {}) },
        weights: {
          ...rename(m, [
            ["conv.weight", "conv.weight", ["RC", "Ig", "k", "k"]],
            ...(bias ? ([["conv.bias", "conv.bias", ["RC"]]] as const) : []),
            ["fc1.weight", "fc1.weight", ["I", "Cg", 1, 1]],
            ["fc1.bias", "fc1.bias", ["I"]],
            ["fc2.weight", "fc2.weight", ["RC", "IG", 1, 1]],
            ["fc2.bias", "fc2.bias", ["RC"]],
          ]),
          ...(norm ? { ...renameBN(m, "bn0.", "bn0.", "RC"), ...renameBN(m, "bn1.", "bn1.", "I") } : {}),
        },
      };
    },
  };
}

export const timmSplitAttn = splitAttention("timm:SplitAttn");
export const resnestSplAtConv2d = splitAttention("resnest:SplAtConv2d");
