// CBAM (Woo et al., arXiv 1807.06521): ca = σ(Σ_p fc2(relu(fc1(p(x))))), x1 = x·ca;
// sa = σ(bn(conv_k([maxC(x1), meanC(x1)]))), y = x1·sa (assembly/blocks/cbam.ts computes it).

import { CBAM_POOL, type CBAMPool } from "../abi.js";
import { batchNormSpecs, foldBatchNorm } from "../batchnorm.js";
import { Block } from "../block.js";
import { type ConvWeight, packWeights } from "../conv-pack.js";
import { type Heap, sharedHeap } from "../memory.js";
import { scratchWithinMemory } from "../scratch.js";
import { bool, checkOptionKeys, type Dims, oneOf, positiveInt, reducedChannels } from "../validate.js";
import { checkWeights, type WeightPack, type Weights, type WeightSpec } from "../weights.js";

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

export interface CBAMConfig {
  readonly channels: number;
  readonly reduced: number;
  readonly bias: boolean;
  /** The pools as the module encodes them: code + 1 in 4 bits each, from the lowest. */
  readonly pools: number;
  readonly kernel: number;
  readonly maxFirst: boolean;
  readonly norm: boolean;
  readonly spatial: boolean;
}

function parsePools(block: string, v: unknown): number {
  if (v === undefined) return (CBAM_POOL.avg + 1) | ((CBAM_POOL.max + 1) << 4);
  const names = Object.keys(CBAM_POOL) as CBAMPool[];
  if (!Array.isArray(v) || v.length === 0) {
    throw new TypeError(`excite: ${block} option pools must be a non-empty array of ${names.map((n) => `'${n}'`).join(", ")}, got ${Array.isArray(v) ? "[]" : typeof v}`);
  }
  let code = 0;
  v.forEach((p: unknown, i) => {
    if (!names.includes(p as CBAMPool)) throw new RangeError(`excite: ${block} option pools[${i}] must be one of ${names.map((n) => `'${n}'`).join(", ")}, got ${typeof p === "string" ? `'${p}'` : String(p)}`);
    if (v.indexOf(p) !== i) throw new RangeError(`excite: ${block} option pools lists '${p}' twice`);
    code |= (CBAM_POOL[p as CBAMPool] + 1) << (4 * i);
  });
  return code;
}

/** CBAM's options for C = `channels` (checked by the caller for unknown keys). */
export function parseCBAM(block: string, o: Omit<CBAMOptions, "channels">, channels: number): CBAMConfig {
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
export function cbamWeightSpecs(g: CBAMConfig, prefix = ""): WeightSpec[] {
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

/**
 * The weights the module uses, under `prefix`: the channel MLP as given, the spatial conv with
 * its BN folded (spatial.conv.weight, spatial.conv.bias), and the convs to pack.
 */
export function cbamModuleWeights(g: CBAMConfig, w: Weights, prefix = ""): { weights: Weights; convs: ConvWeight[] } {
  const out: Weights = {};
  for (const key of ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]) {
    if (w[`${prefix}channel.${key}`]) out[`${prefix}channel.${key}`] = w[`${prefix}channel.${key}`];
  }
  if (!g.spatial) return { weights: out, convs: [] };
  const conv = `${prefix}spatial.conv.weight`;
  if (g.norm) {
    const folded = foldBatchNorm(w[conv], undefined, w, `${prefix}spatial.bn.`);
    out[conv] = folded.weight;
    out[`${prefix}spatial.conv.bias`] = folded.bias;
  } else {
    out[conv] = w[conv];
  }
  return { weights: out, convs: [{ key: conv, cout: 1, kdim: 2 * g.kernel * g.kernel }] };
}

/** The module's CBAM arguments (r, w1, b1, w2, b2, pools, spatial, k, sw, sb, maxFirst). */
export function cbamArgs(g: CBAMConfig, pack: WeightPack, prefix = ""): [number, number, number, number, number, number, boolean, number, number, number, boolean] {
  return [
    g.reduced, pack.ptr(`${prefix}channel.fc1.weight`), pack.ptr(`${prefix}channel.fc1.bias`),
    pack.ptr(`${prefix}channel.fc2.weight`), pack.ptr(`${prefix}channel.fc2.bias`), g.pools,
    g.spatial, g.kernel, pack.ptr(`${prefix}spatial.conv.weight`), pack.ptr(`${prefix}spatial.conv.bias`), g.maxFirst,
  ];
}

export class CBAMBlock extends Block {
  private readonly args: ReturnType<typeof cbamArgs>;

  constructor(heap: Heap, readonly config: CBAMConfig, pack: WeightPack) {
    super(heap, "CBAM", config.channels, pack);
    this.args = cbamArgs(config, pack);
  }

  protected override scratchBytes(d: Dims): number {
    const g = this.config;
    return scratchWithinMemory(this.name, d, this.wasm.cbam_f32_nchw_scratch_bytes(d[0], d[1], d[2], d[3], g.reduced, g.pools, g.kernel, g.spatial));
  }

  protected override execute(x: number, y: number, d: Dims, scratch: number): void {
    this.wasm.cbam_f32_nchw(x, y, d[0], d[1], d[2], d[3], scratch, ...this.args);
  }
}

/**
 * A convolutional block attention module. Weights: channel.fc1.weight [R, C], channel.fc1.bias [R],
 * channel.fc2.weight [C, R], channel.fc2.bias [C], spatial.conv.weight [1, 2, k, k],
 * spatial.bn.{weight, bias, running_mean, running_var} [1].
 */
export async function createCBAM(options: CBAMOptions, weights: Weights): Promise<CBAMBlock> {
  const o = checkOptionKeys("CBAM", options, CBAM_OPTION_KEYS);
  const config = parseCBAM("CBAM", o, positiveInt("CBAM", "channels", o.channels));
  const checked = checkWeights("CBAM", weights, cbamWeightSpecs(config));
  const { weights: moduleWeights, convs } = cbamModuleWeights(config, checked);
  const heap = await sharedHeap();
  return new CBAMBlock(heap, config, packWeights(heap, moduleWeights, convs));
}
