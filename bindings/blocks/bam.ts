// BAM (Park et al., arXiv 1807.06514): y = (1 + σ(combine(mc, ms)))·x with the channel branch
// mc = fc2(relu(bn(fc1(GAP(x))))) and the spatial branch ms = final(relu(bn(dilated(…relu(bn(reduce(x))))))).
// Every batch norm is folded into the layer in front of it at create (assembly/blocks/bam.ts computes the rest).

import { batchNormSpecs, foldBatchNormExact } from "../batchnorm.js";
import { Block, type BlockDef, blockFactory, layoutCode } from "../block.js";
import { type Conv, convRecord, foldedConvWeights } from "../conv-params.js";
import { COMBINE_ADD, COMBINE_MUL, EPILOGUE_RELU } from "../constants.js";
import { i32, record, records } from "../params.js";
import { type Layout, oneOf, positiveInt, reducedChannels } from "../validate.js";
import type { Weights, WeightSpec } from "../weights.js";

export interface BAMOptions {
  /** Channel count C of the input. */
  channels: number;
  /** R = max(1, floor(C / reduction)) (default 16). */
  reduction?: number;
  /** R given outright; overrides `reduction`. */
  reducedChannels?: number;
  /** Dilation (and padding) of the spatial branch's 3×3 convs (default 4). */
  dilation?: number;
  /** How many dilated 3×3 convs the spatial branch has (default 2; 0 allowed). */
  dilatedConvs?: number;
  /** How the two attentions combine before the sigmoid (default 'mul', the official code; 'add' is the paper's text). */
  combine?: BAMCombine;
}

/** At most this many dilated convs (each takes 3 or 4 of a call's stages). */
const MAX_DILATED_CONVS = 12;

export const BAM_COMBINES = { mul: COMBINE_MUL, add: COMBINE_ADD } as const;
export type BAMCombine = keyof typeof BAM_COMBINES;

export interface BAMConfig {
  readonly layout: Layout;
  readonly channels: number;
  readonly reduced: number;
  readonly dilation: number;
  readonly dilatedConvs: number;
  readonly combine: BAMCombine;
}

function parseBAM(o: BAMOptions): Omit<BAMConfig, "layout"> {
  const channels = positiveInt("BAM", "channels", o.channels);
  const convs = o.dilatedConvs ?? 2;
  if (typeof convs !== "number" || !Number.isSafeInteger(convs) || convs < 0 || convs > MAX_DILATED_CONVS) {
    throw new RangeError(`excite: BAM option dilatedConvs must be an integer from 0 to ${MAX_DILATED_CONVS}, got ${typeof convs === "number" ? convs : typeof convs}`);
  }
  return {
    channels,
    reduced: reducedChannels("BAM", channels, o.reduction, o.reducedChannels, 16),
    dilation: positiveInt("BAM", "dilation", o.dilation, 4),
    dilatedConvs: convs,
    combine: oneOf("BAM", "combine", o.combine, Object.keys(BAM_COMBINES) as BAMCombine[], "mul"),
  };
}

function bamWeightSpecs({ channels: c, reduced: r, dilatedConvs }: BAMConfig): WeightSpec[] {
  const specs: WeightSpec[] = [
    { key: "channel.fc1.weight", shape: [r, c] }, { key: "channel.fc1.bias", shape: [r] },
    ...batchNormSpecs("channel.bn.", r),
    { key: "channel.fc2.weight", shape: [c, r] }, { key: "channel.fc2.bias", shape: [c] },
    { key: "spatial.reduce.weight", shape: [r, c] }, { key: "spatial.reduce.bias", shape: [r] },
    ...batchNormSpecs("spatial.reduce_bn.", r),
  ];
  for (let i = 0; i < dilatedConvs; i++) {
    specs.push({ key: `spatial.dilated.${i}.weight`, shape: [r, r, 3, 3] }, { key: `spatial.dilated.${i}.bias`, shape: [r] });
    specs.push(...batchNormSpecs(`spatial.dilated_bn.${i}.`, r));
  }
  specs.push({ key: "spatial.final.weight", shape: [1, r] }, { key: "spatial.final.bias", shape: [1] });
  return specs;
}

/** The spatial branch's convs: reduce (C → R, relu), the dilated 3×3s (R → R, relu), final (R → 1). */
function spatialConvs(g: BAMConfig): { reduce: Conv; dilated: Conv[]; final: Conv } {
  const r = g.reduced, d = g.dilation;
  return {
    reduce: { cin: g.channels, cout: r, kh: 1, kw: 1, epilogue: EPILOGUE_RELU, weight: "spatial.reduce.weight", bias: "spatial.reduce.bias" },
    dilated: Array.from({ length: g.dilatedConvs }, (_, i) => ({
      cin: r, cout: r, kh: 3, kw: 3, padding: [d, d] as const, dilation: d, epilogue: EPILOGUE_RELU,
      weight: `spatial.dilated.${i}.weight`, bias: `spatial.dilated.${i}.bias`,
    })),
    final: { cin: r, cout: 1, kh: 1, kw: 1, weight: "spatial.final.weight", bias: "spatial.final.bias" },
  };
}

/** The folded weights: fc1 with channel.bn, reduce with reduce_bn, each dilated conv with its bn. */
function bamModuleWeights(g: BAMConfig, w: Weights): { weights: Weights; convs: Conv[] } {
  const fc1 = foldBatchNormExact(w["channel.fc1.weight"], w["channel.fc1.bias"], w, "channel.bn.");
  const out: Weights = {
    "channel.fc1.weight": fc1.weight, "channel.fc1.bias": fc1.bias,
    "channel.fc2.weight": w["channel.fc2.weight"], "channel.fc2.bias": w["channel.fc2.bias"],
    ...foldedConvWeights("spatial.reduce.weight", "spatial.reduce.bias", foldBatchNormExact(w["spatial.reduce.weight"], w["spatial.reduce.bias"], w, "spatial.reduce_bn.")),
    "spatial.final.weight": w["spatial.final.weight"], "spatial.final.bias": w["spatial.final.bias"],
  };
  // channel.bn where it does not fold into fc1: applied after it (BAMParams s1, t1)
  if (fc1.after) Object.assign(out, { "channel.bn.scale": fc1.after.scale, "channel.bn.shift": fc1.after.shift });
  for (let i = 0; i < g.dilatedConvs; i++) {
    const key = `spatial.dilated.${i}.`;
    Object.assign(out, foldedConvWeights(`${key}weight`, `${key}bias`, foldBatchNormExact(w[`${key}weight`], w[`${key}bias`], w, `spatial.dilated_bn.${i}.`)));
  }
  const c = spatialConvs(g);
  return { weights: out, convs: [c.reduce, ...c.dilated, c.final] };
}

const BAM: BlockDef<BAMOptions, BAMConfig> = {
  name: "BAM",
  optionKeys: ["channels", "reduction", "reducedChannels", "dilation", "dilatedConvs", "combine"],
  layouts: ["nchw", "nhwc"],
  parse: parseBAM,
  weights: bamWeightSpecs,
  prepare: bamModuleWeights,
  params: (g, pack) => {
    const c = spatialConvs(g), p = (key: string) => i32(pack.ptr(key));
    return [
      i32(layoutCode(g.layout)), i32(g.channels), i32(g.reduced), i32(BAM_COMBINES[g.combine]),
      p("channel.fc1.weight"), p("channel.fc1.bias"), p("channel.bn.scale"), p("channel.bn.shift"), p("channel.fc2.weight"), p("channel.fc2.bias"),
      record(convRecord(c.reduce, pack)), i32(g.dilatedConvs), records(c.dilated.map((d) => convRecord(d, pack))), record(convRecord(c.final, pack)),
    ];
  },
  entry: (wasm) => ({ plan: wasm.bam_plan, run: wasm.bam_run }),
};

/**
 * A bottleneck attention module. Weights: channel.fc1.{weight [R, C], bias}, channel.bn.*,
 * channel.fc2.{weight [C, R], bias}, spatial.reduce.{weight [R, C], bias}, spatial.reduce_bn.*,
 * spatial.dilated.{i}.{weight [R, R, 3, 3], bias}, spatial.dilated_bn.{i}.*, spatial.final.{weight [1, R], bias}.
 */
export const createBAM = blockFactory<BAMOptions, BAMConfig, Block<BAMConfig>>(BAM);
