// CBAM's channel and spatial attention (Woo et al., arXiv 1807.06521), shared by CBAM and the
// CBAM basic block (assembly/parts/cbam-attention.ts computes it): ca = σ(Σ_p fc2(relu(fc1(p(x))))),
// x1 = x·ca; sa = σ(bn(conv_k([maxC(x1), meanC(x1)]))), y = x1·sa.

import { batchNormSpecs, foldBatchNormExact } from "../batchnorm.js";
import { type Conv, convRecord, foldedConvWeights } from "../conv-params.js";
import { EPILOGUE_SIGMOID, POOL_AVG, POOL_LP, POOL_LSE, POOL_MAX } from "../constants.js";
import { type Fields, i32, record } from "../params.js";
import { bool, describe, oneOf, positiveInt, reducedChannels } from "../validate.js";
import type { WeightPack, Weights, WeightSpec } from "../weights.js";

export const CBAM_POOLS = { avg: POOL_AVG, max: POOL_MAX, lp: POOL_LP, lse: POOL_LSE } as const;
export type CBAMPool = keyof typeof CBAM_POOLS;
export type SpatialOrder = "max-mean" | "mean-max";

export interface CBAMOptions {
  /** Channel count C of the input. */
  channels: number;
  /** R = max(1, floor(C / reduction)) (default 16). */
  reduction?: number;
  /** R given outright; overrides `reduction`. */
  reducedChannels?: number;
  /** Whether the channel MLP's fc1 and fc2 have biases (default true). */
  bias?: boolean;
  /** The global pools whose MLP outputs are summed (default ['avg', 'max']; also 'lp', 'lse'). */
  pools?: readonly CBAMPool[];
  /** The spatial conv's kernel size, odd (default 7). */
  spatialKernel?: number;
  /** The order of the spatial maps (default 'max-mean', the official code; 'mean-max' is timm's). */
  spatialOrder?: SpatialOrder;
  /** Whether a batch norm follows the spatial conv (default true). */
  spatialNorm?: boolean;
  /** Whether the spatial branch is present (default true); without it y = x·ca. */
  spatial?: boolean;
}

export const CBAM_OPTION_KEYS = ["channels", "reduction", "reducedChannels", "bias", "pools", "spatialKernel", "spatialOrder", "spatialNorm", "spatial"] as const;

export interface CBAMAttention {
  readonly channels: number;
  readonly reduced: number;
  readonly bias: boolean;
  readonly pools: readonly CBAMPool[];
  readonly kernel: number;
  readonly maxFirst: boolean;
  readonly norm: boolean;
  readonly spatial: boolean;
}

function parsePools(block: string, v: unknown): CBAMPool[] {
  if (v === undefined) return ["avg", "max"];
  const names = Object.keys(CBAM_POOLS) as CBAMPool[];
  if (!Array.isArray(v) || v.length === 0) throw new TypeError(`excite: ${block} option pools must be a non-empty array of ${names.map((n) => `'${n}'`).join(", ")}, got ${Array.isArray(v) ? "[]" : describe(v)}`);
  v.forEach((p: unknown, i) => {
    if (!names.includes(p as CBAMPool)) throw new RangeError(`excite: ${block} option pools[${i}] must be one of ${names.map((n) => `'${n}'`).join(", ")}, got ${typeof p === "string" ? `'${p}'` : String(p)}`);
    if (v.indexOf(p) !== i) throw new RangeError(`excite: ${block} option pools lists '${p}' twice`);
  });
  return v as CBAMPool[];
}

/** CBAM's options for C = `channels` (checked by the caller for unknown keys). */
export function parseCBAM(block: string, o: Omit<CBAMOptions, "channels">, channels: number): CBAMAttention {
  const kernel = positiveInt(block, "spatialKernel", o.spatialKernel, 7);
  if (kernel % 2 === 0) throw new RangeError(`excite: ${block} option spatialKernel must be odd (padding (k − 1)/2 keeps the size), got ${kernel}`);
  return {
    channels,
    reduced: reducedChannels(block, channels, o.reduction, o.reducedChannels, 16),
    bias: bool(block, "bias", o.bias, true),
    pools: parsePools(block, o.pools),
    kernel,
    maxFirst: oneOf<SpatialOrder>(block, "spatialOrder", o.spatialOrder, ["max-mean", "mean-max"], "max-mean") === "max-mean",
    norm: bool(block, "spatialNorm", o.spatialNorm, true),
    spatial: bool(block, "spatial", o.spatial, true),
  };
}

/** CBAM's canonical keys under `prefix`. */
export function cbamWeightSpecs(g: CBAMAttention, prefix = ""): WeightSpec[] {
  const { channels: c, reduced: r, kernel: k } = g;
  const specs: WeightSpec[] = [{ key: `${prefix}channel.fc1.weight`, shape: [r, c] }];
  if (g.bias) specs.push({ key: `${prefix}channel.fc1.bias`, shape: [r] });
  specs.push({ key: `${prefix}channel.fc2.weight`, shape: [c, r] });
  if (g.bias) specs.push({ key: `${prefix}channel.fc2.bias`, shape: [c] });
  if (g.spatial) {
    specs.push({ key: `${prefix}spatial.conv.weight`, shape: [1, 2, k, k] });
    if (g.norm) specs.push(...batchNormSpecs(`${prefix}spatial.bn.`, 1));
  }
  return specs;
}

/** The spatial conv: 2 → 1, k×k, padding (k − 1)/2, its BN folded into a bias, σ as its epilogue. */
function spatialConv(g: CBAMAttention, prefix: string): Conv {
  const pad = (g.kernel - 1) / 2;
  return {
    cin: 2, cout: 1, kh: g.kernel, kw: g.kernel, padding: [pad, pad], epilogue: EPILOGUE_SIGMOID,
    weight: `${prefix}spatial.conv.weight`, bias: g.norm ? `${prefix}spatial.conv.bias` : undefined,
  };
}

/** The weights the module uses, under `prefix`: the channel MLP as given, the spatial conv with its BN folded; and the conv to pack. */
export function cbamModuleWeights(g: CBAMAttention, w: Weights, prefix = ""): { weights: Weights; convs: Conv[] } {
  const out: Weights = {};
  for (const key of ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]) {
    if (w[`${prefix}channel.${key}`]) out[`${prefix}channel.${key}`] = w[`${prefix}channel.${key}`];
  }
  if (!g.spatial) return { weights: out, convs: [] };
  const conv = `${prefix}spatial.conv.weight`;
  if (g.norm) {
    Object.assign(out, foldedConvWeights(conv, `${prefix}spatial.conv.bias`, foldBatchNormExact(w[conv], undefined, w, `${prefix}spatial.bn.`)));
  } else {
    out[conv] = w[conv];
  }
  return { weights: out, convs: [spatialConv(g, prefix)] };
}

/** The CBAMParams record (assembly/parts/cbam-attention.ts) of layout code `layout`, its weights under `prefix`. */
export function cbamRecord(g: CBAMAttention, layout: number, pack: WeightPack, prefix = ""): Fields {
  const p = (key: string) => i32(pack.ptr(`${prefix}${key}`));
  const code = (i: number) => i32(i < g.pools.length ? CBAM_POOLS[g.pools[i]] : 0);
  return [
    i32(layout), i32(g.channels), i32(g.reduced), p("channel.fc1.weight"), p("channel.fc1.bias"), p("channel.fc2.weight"), p("channel.fc2.bias"),
    i32(g.pools.length), code(0), code(1), code(2), code(3),
    record(g.spatial ? convRecord(spatialConv(g, prefix), pack) : undefined), i32(g.maxFirst),
  ];
}
