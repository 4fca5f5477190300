// Gather-excite (Hu et al., arXiv 1810.12348; timm timm/layers/gather_excite.py GatherExcite):
// y = x·σ(mlp(gather(x))), the gate resized to H×W by nearest neighbour (assembly/blocks/gather-excite.ts).

import { batchNormSpecs, foldBatchNormExact } from "../batchnorm.js";
import { Block, type BlockDef, blockFactory, layoutCode } from "../block.js";
import { type Conv, convRecord, foldedConvWeights } from "../conv-params.js";
import { EPILOGUE_NONE, EPILOGUE_RELU, EPILOGUE_SIGMOID } from "../constants.js";
import { i32, record, records } from "../params.js";
import { bool, describe, finite, type Layout, positiveInt, type Shape } from "../validate.js";
import type { Weights, WeightSpec } from "../weights.js";

export interface GatherExciteOptions {
  /** Channel count C of the input. */
  channels: number;
  /** 0 (default): the gather is global; an even e > 0: windows of 2e − 1, stride e. */
  extent?: number;
  /** Gather with depthwise strided convs + BN (timm's extra_params) rather than a pool (default false). */
  extraParams?: boolean;
  /** Excite through the 1×1 MLP C → R → C (default true); false: t = the gathered map. */
  useMlp?: boolean;
  /** R = max(1, ⌊C·rdRatio + 0.5⌋) (default 1/16, timm's rounding). */
  rdRatio?: number;
  /** R given outright; overrides `rdRatio`. */
  reducedChannels?: number;
  /** The pool adds its window's max: 0.5·avg + 0.5·max (default false; not with extraParams). */
  addMaxpool?: boolean;
  /** [kh, kw], the kernel of the one gather conv of extraParams with extent 0 (required there, and only there). */
  featSize?: readonly [number, number];
}

export interface GatherExciteConfig {
  readonly layout: Layout;
  readonly channels: number;
  readonly extent: number;
  readonly extraParams: boolean;
  /** R, or 0 without the MLP. */
  readonly reduced: number;
  readonly addMaxpool: boolean;
  readonly featSize?: readonly [number, number];
}

const NAME = "GatherExcite";
/** The most gather convs (⌊log2 e⌋ for extraParams): each takes three of a call's stages. */
const MAX_GATHER_CONVS = 8;

/** ⌊log2 e⌋, as timm's int(math.log2(extent)). */
const log2Floor = (e: number): number => 31 - Math.clz32(e);

function parseFeatSize(v: unknown): [number, number] {
  if (!Array.isArray(v) || v.length !== 2) throw new TypeError(`excite: ${NAME} option featSize must be an array [kh, kw] of two positive integers, got ${describe(v)}`);
  return [positiveInt(NAME, "featSize[0]", v[0]), positiveInt(NAME, "featSize[1]", v[1])];
}

function parseGE(o: GatherExciteOptions): Omit<GatherExciteConfig, "layout"> {
  const channels = positiveInt(NAME, "channels", o.channels);
  const extent = o.extent ?? 0;
  if (typeof extent !== "number" || !Number.isSafeInteger(extent) || extent < 0 || extent % 2 !== 0) {
    throw new RangeError(`excite: ${NAME} option extent must be 0 or an even positive integer, got ${describe(extent)}`);
  }
  const extraParams = bool(NAME, "extraParams", o.extraParams, false);
  const useMlp = bool(NAME, "useMlp", o.useMlp, true);
  const addMaxpool = bool(NAME, "addMaxpool", o.addMaxpool, false);
  const rdRatio = finite(NAME, "rdRatio", o.rdRatio, 1 / 16);
  if (!(rdRatio > 0)) throw new RangeError(`excite: ${NAME} option rdRatio must be a positive number, got ${rdRatio}`);
  const reduced = o.reducedChannels !== undefined ? positiveInt(NAME, "reducedChannels", o.reducedChannels) : Math.max(1, Math.floor(channels * rdRatio + 0.5));
  if (addMaxpool && extraParams) throw new RangeError(`excite: ${NAME} option addMaxpool is only for extraParams: false (it adds the max of the pool's windows; extraParams gathers with convs)`);
  if (extraParams && extent > 0 && log2Floor(extent) > MAX_GATHER_CONVS) {
    throw new RangeError(`excite: ${NAME} option extent ${extent} with extraParams needs ⌊log2 ${extent}⌋ = ${log2Floor(extent)} strided convs; at most ${MAX_GATHER_CONVS} (extent < ${2 ** (MAX_GATHER_CONVS + 1)})`);
  }
  const needsFeat = extraParams && extent === 0;
  if (needsFeat && o.featSize === undefined) throw new RangeError(`excite: ${NAME} option featSize [kh, kw] is required with extraParams and extent 0 (the kernel of its one depthwise gather conv)`);
  if (!needsFeat && o.featSize !== undefined) throw new RangeError(`excite: ${NAME} option featSize is only used with extraParams and extent 0, got it with extraParams ${extraParams} and extent ${extent}`);
  return {
    channels, extent, extraParams, reduced: useMlp ? reduced : 0, addMaxpool,
    featSize: needsFeat ? parseFeatSize(o.featSize) : undefined,
  };
}

/** The gather convs: ⌊log2 e⌋ depthwise 3×3 stride 2 padding 1 (ReLU between), or one of kernel featSize, padding ⌊(k − 1)/2⌋. */
function gatherConvs(g: GatherExciteConfig): Conv[] {
  if (!g.extraParams) return [];
  const c = g.channels;
  const conv = (i: number, kh: number, kw: number, stride: number, last: boolean): Conv => ({
    cin: c, cout: c, kh, kw, stride, padding: [(stride - 1 + kh - 1) >> 1, (stride - 1 + kw - 1) >> 1], groups: c,
    epilogue: last ? EPILOGUE_NONE : EPILOGUE_RELU, weight: `gather.conv${i}.weight`, bias: `gather.conv${i}.bias`,
  });
  if (g.featSize) return [conv(1, g.featSize[0], g.featSize[1], 1, true)];
  const n = log2Floor(g.extent);
  return Array.from({ length: n }, (_, i) => conv(i + 1, 3, 3, 2, i === n - 1));
}

function mlpConvs(g: GatherExciteConfig): Conv[] {
  if (!g.reduced) return [];
  return [
    { cin: g.channels, cout: g.reduced, kh: 1, kw: 1, epilogue: EPILOGUE_RELU, weight: "mlp.fc1.weight", bias: "mlp.fc1.bias" },
    { cin: g.reduced, cout: g.channels, kh: 1, kw: 1, epilogue: EPILOGUE_SIGMOID, weight: "mlp.fc2.weight", bias: "mlp.fc2.bias" },
  ];
}

function geWeights(g: GatherExciteConfig): WeightSpec[] {
  const { channels: c, reduced: r } = g;
  const specs: WeightSpec[] = gatherConvs(g).flatMap((conv, i) => [
    { key: conv.weight, shape: [c, 1, conv.kh, conv.kw] }, ...batchNormSpecs(`gather.norm${i + 1}.`, c),
  ]);
  if (r) specs.push({ key: "mlp.fc1.weight", shape: [r, c] }, { key: "mlp.fc1.bias", shape: [r] }, { key: "mlp.fc2.weight", shape: [c, r] }, { key: "mlp.fc2.bias", shape: [c] });
  return specs;
}

/** A depthwise filter bank [C][taps] as [taps][C] (NHWC's kernel loads a tap's weights for consecutive channels). */
function tapMajor(weight: Float32Array, channels: number): Float32Array {
  const taps = weight.length / channels;
  return Float32Array.from(weight, (_, i) => weight[(i % channels) * taps + Math.floor(i / channels)]);
}

/**
 * Every BN folded into the gather conv before it (or kept as its affine after it where folding is
 * not exact); the MLP as given. NCHW packs every conv for the conv kernels; NHWC packs none: its
 * depthwise kernel takes the gather weights tap-major, its dense layers the MLP's as given.
 */
function geModuleWeights(g: GatherExciteConfig, w: Weights): { weights: Weights; convs: Conv[] } {
  const out: Weights = {};
  const gather = gatherConvs(g), nhwc = g.layout === "nhwc";
  gather.forEach((conv, i) => {
    Object.assign(out, foldedConvWeights(conv.weight, conv.bias!, foldBatchNormExact(w[conv.weight], undefined, w, `gather.norm${i + 1}.`)));
    if (nhwc) out[conv.weight] = tapMajor(out[conv.weight], g.channels);
  });
  for (const key of ["mlp.fc1.weight", "mlp.fc1.bias", "mlp.fc2.weight", "mlp.fc2.bias"]) if (w[key]) out[key] = w[key];
  return { weights: out, convs: nhwc ? [] : [...gather, ...mlpConvs(g)] };
}

/** The one gather conv of featSize shrinks an axis by one when its kernel is even: an axis of 1 leaves nothing to excite. */
function geOutputShape(g: GatherExciteConfig, s: Shape): Shape {
  if (g.featSize) {
    const [kh, kw] = g.featSize;
    if ((kh % 2 === 0 && s.h < 2) || (kw % 2 === 0 && s.w < 2)) {
      throw new RangeError(`excite: ${NAME} with featSize [${kh}, ${kw}] needs H ≥ 2 for an even kh and W ≥ 2 for an even kw (a same-padded conv of an even kernel gives one row or column less), got H = ${s.h}, W = ${s.w}`);
    }
  }
  return s;
}

const GE: BlockDef<GatherExciteOptions, GatherExciteConfig> = {
  name: NAME,
  layouts: ["nchw", "nhwc"],
  optionKeys: ["channels", "extent", "extraParams", "useMlp", "rdRatio", "reducedChannels", "addMaxpool", "featSize"],
  parse: parseGE,
  weights: geWeights,
  prepare: geModuleWeights,
  outputShape: geOutputShape,
  params: (g, pack) => {
    const gather = gatherConvs(g), [fc1, fc2] = mlpConvs(g);
    return [
      i32(layoutCode(g.layout)), i32(g.channels), i32(g.extent), i32(g.addMaxpool), i32(gather.length),
      records(gather.map((c) => convRecord(c, pack))), record(fc1 && convRecord(fc1, pack)), record(fc2 && convRecord(fc2, pack)),
    ];
  },
  entry: (wasm) => ({ plan: wasm.gather_excite_plan, run: wasm.gather_excite_run }),
};

/**
 * A gather-excite block. Weights (timm's names): mlp.fc1.weight [R, C], mlp.fc1.bias [R],
 * mlp.fc2.weight [C, R], mlp.fc2.bias [C] (with useMlp); gather.conv{i}.weight [C, 1, 3, 3]
 * (or [C, 1, kh, kw]) and gather.norm{i}.{weight, bias, running_mean, running_var} [C] (extraParams), i = 1…
 */
export const createGatherExcite = blockFactory<GatherExciteOptions, GatherExciteConfig, Block<GatherExciteConfig>>(GE);
