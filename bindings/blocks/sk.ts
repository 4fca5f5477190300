// SK, selective kernel convolution (Li et al., arXiv 1903.06586; implus/SKNet models/sknet50.prototxt,
// keys of ResearchingDexter/SKNet_pytorch SKNet.py SKConv): u_i = relu(bn_i(conv_i(x_i))),
// z = relu(bn(fc1(GAP(Σ_i u_i)))), a = softmax over the paths of fc2(z) read [N, paths, C],
// y = Σ_i a_i·u_i. Every bn is folded into the layer in front of it at create
// (assembly/blocks/sk.ts computes the rest).

import { batchNormSpecs, foldBatchNormExact } from "../batchnorm.js";
import { Block, type BlockDef, blockFactory, layoutCode } from "../block.js";
import { type Conv, convRecord, foldedConvWeights } from "../conv-params.js";
import { EPILOGUE_RELU } from "../constants.js";
import { i32, records } from "../params.js";
import { bool, describe, type Layout, positiveInt } from "../validate.js";
import type { Weights, WeightSpec } from "../weights.js";

export interface SKOptions {
  /** Input channel count. */
  inChannels: number;
  /** Output channel count C (default inChannels). */
  channels?: number;
  /** The branch convolutions' stride: 1 or 2 (default 1). */
  stride?: number;
  /** Number of branches M (default 2). */
  paths?: number;
  /** The branch convolutions' groups G (default 32); it divides each branch's input and output channels. */
  groups?: number;
  /** d = max(floor(inChannels / reduction), minReducedChannels) (default 16). */
  reduction?: number;
  /** The least d (the paper's L, default 32). */
  minReducedChannels?: number;
  /** d given outright; overrides reduction and minReducedChannels. */
  reducedChannels?: number;
  /** Each branch's kernel size, odd (default 3 for every branch). */
  kernelSizes?: readonly number[];
  /** Each branch's dilation (default 1, 2, …, paths); the padding is dilation·(k − 1)/2. */
  dilations?: readonly number[];
  /** Whether branch i sees only the input channels [i·inChannels/paths, (i + 1)·inChannels/paths) (timm's split_input; default false). */
  splitInput?: boolean;
}

export interface SKConfig {
  readonly layout: Layout;
  readonly inChannels: number;
  readonly channels: number;
  readonly stride: number;
  readonly paths: number;
  readonly groups: number;
  readonly reduced: number;
  readonly kernelSizes: readonly number[];
  readonly dilations: readonly number[];
  readonly splitInput: boolean;
}

const NAME = "SK";
/** At most this many paths: each takes 3 of a call's 48 stages. */
const MAX_PATHS = 15;

/** A list of `length` positive integers (odd ones with `odd`), or `fallback`. */
function intList(name: string, v: unknown, length: number, fallback: number[], odd: boolean): number[] {
  if (v === undefined) return fallback;
  const what = odd ? "odd positive integer" : "positive integer";
  if (!Array.isArray(v)) throw new TypeError(`excite: ${NAME} option ${name} must be an array of ${length} ${what}s (one per path), got ${describe(v)}`);
  if (v.length !== length) throw new RangeError(`excite: ${NAME} option ${name} must have one entry per path (paths = ${length}), got ${v.length}`);
  v.forEach((k: unknown, i) => {
    if (typeof k !== "number" || !Number.isSafeInteger(k) || k < 1 || (odd && k % 2 === 0)) {
      throw new RangeError(`excite: ${NAME} option ${name}[${i}] must be ${odd ? "an" : "a"} ${what}${odd ? " (padding dilation·(k − 1)/2 keeps the size)" : ""}, got ${describe(k)}`);
    }
  });
  return [...v];
}

function parseSK(o: SKOptions): Omit<SKConfig, "layout"> {
  const inChannels = positiveInt(NAME, "inChannels", o.inChannels);
  const channels = positiveInt(NAME, "channels", o.channels, inChannels);
  const stride = positiveInt(NAME, "stride", o.stride, 1);
  if (stride > 2) throw new RangeError(`excite: ${NAME} option stride must be 1 or 2, got ${stride}`);
  const paths = positiveInt(NAME, "paths", o.paths, 2);
  if (paths > MAX_PATHS) throw new RangeError(`excite: ${NAME} option paths must be at most ${MAX_PATHS}, got ${paths}`);
  const groups = positiveInt(NAME, "groups", o.groups, 32);
  const reduction = positiveInt(NAME, "reduction", o.reduction, 16);
  const least = positiveInt(NAME, "minReducedChannels", o.minReducedChannels, 32);
  const reduced = o.reducedChannels === undefined ? Math.max(Math.floor(inChannels / reduction), least) : positiveInt(NAME, "reducedChannels", o.reducedChannels);
  const kernelSizes = intList("kernelSizes", o.kernelSizes, paths, Array(paths).fill(3), true);
  const dilations = intList("dilations", o.dilations, paths, Array.from({ length: paths }, (_, i) => i + 1), false);
  const splitInput = bool(NAME, "splitInput", o.splitInput, false);
  if (splitInput && inChannels % paths) throw new RangeError(`excite: ${NAME} option splitInput needs inChannels (${inChannels}) divisible by paths (${paths})`);
  const perPath = splitInput ? inChannels / paths : inChannels;
  if (perPath % groups || channels % groups) {
    throw new RangeError(`excite: ${NAME} option groups (${groups}) must divide each path's input channels (${perPath}) and channels (${channels})`);
  }
  return { inChannels, channels, stride, paths, groups, reduced, kernelSizes, dilations, splitInput };
}

/** Input channels of each path's convolution. */
const pathInput = (g: SKConfig): number => (g.splitInput ? g.inChannels / g.paths : g.inChannels);

function skWeightSpecs(g: SKConfig): WeightSpec[] {
  const { channels: c, reduced: d } = g;
  const specs: WeightSpec[] = [];
  g.kernelSizes.forEach((k, i) => {
    specs.push({ key: `conv.${i}.0.weight`, shape: [c, pathInput(g) / g.groups, k, k] }, ...batchNormSpecs(`conv.${i}.1.`, c));
  });
  specs.push({ key: "fc1.0.weight", shape: [d, c] }, ...batchNormSpecs("fc1.1.", d), { key: "fc2.weight", shape: [g.paths * c, d] });
  return specs;
}

/** Path i's convolution: in_i → C, k_i × k_i, dilation d_i, padding d_i·(k_i − 1)/2, groups, stride, its bn folded, ReLU. */
function pathConvs(g: SKConfig): Conv[] {
  return g.kernelSizes.map((k, i) => {
    const d = g.dilations[i], pad = (d * (k - 1)) / 2;
    return {
      cin: pathInput(g), cout: g.channels, kh: k, kw: k, stride: g.stride, padding: [pad, pad] as const, dilation: d, groups: g.groups,
      epilogue: EPILOGUE_RELU, weight: `conv.${i}.0.weight`, bias: `conv.${i}.0.bias`, inputChannels: g.inChannels,
    };
  });
}

/**
 * Each bn folded into the layer in front of it where that is exact (batchnorm.ts foldBatchNormExact);
 * otherwise kept apart: a path's by its conv's exact pass, fc1's as the affine after fc1 ("fc1.1.scale", "fc1.1.shift").
 */
function skModuleWeights(g: SKConfig, w: Weights): { weights: Weights; convs: Conv[] } {
  const fc1 = foldBatchNormExact(w["fc1.0.weight"], undefined, w, "fc1.1.");
  const out: Weights = { "fc1.0.weight": fc1.weight, "fc1.0.bias": fc1.bias, "fc2.weight": w["fc2.weight"] };
  if (fc1.after) Object.assign(out, { "fc1.1.scale": fc1.after.scale, "fc1.1.shift": fc1.after.shift });
  for (let i = 0; i < g.paths; i++) {
    Object.assign(out, foldedConvWeights(`conv.${i}.0.weight`, `conv.${i}.0.bias`, foldBatchNormExact(w[`conv.${i}.0.weight`], undefined, w, `conv.${i}.1.`)));
  }
  return { weights: out, convs: pathConvs(g) };
}

const SK: BlockDef<SKOptions, SKConfig> = {
  name: NAME,
  optionKeys: ["inChannels", "channels", "stride", "paths", "groups", "reduction", "minReducedChannels", "reducedChannels", "kernelSizes", "dilations", "splitInput"],
  layouts: ["nchw", "nhwc"],
  parse: parseSK,
  weights: skWeightSpecs,
  prepare: skModuleWeights,
  params: (g, pack) => [
    i32(layoutCode(g.layout)), i32(g.channels), i32(g.paths), i32(g.splitInput ? pathInput(g) : 0), i32(g.stride), i32(g.reduced),
    i32(pack.ptr("fc1.0.weight")), i32(pack.ptr("fc1.0.bias")), i32(pack.ptr("fc1.1.scale")), i32(pack.ptr("fc1.1.shift")),
    i32(pack.ptr("fc2.weight")), records(pathConvs(g).map((c) => convRecord(c, pack))),
  ],
  /** [N, C, floor((H − 1)/stride) + 1, floor((W − 1)/stride) + 1]. */
  outputShape: (g, s) => ({ n: s.n, c: g.channels, h: Math.floor((s.h - 1) / g.stride) + 1, w: Math.floor((s.w - 1) / g.stride) + 1 }),
  entry: (wasm) => ({ plan: wasm.sk_plan, run: wasm.sk_run }),
};

/**
 * A selective kernel convolution. Weights: conv.{i}.0.weight [C, in_i/groups, k_i, k_i],
 * conv.{i}.1.{weight, bias, running_mean, running_var} [C], fc1.0.weight [d, C], fc1.1.* [d],
 * fc2.weight [paths·C, d].
 */
export const createSK = blockFactory<SKOptions, SKConfig, Block<SKConfig>>(SK);
