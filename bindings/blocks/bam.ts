// BAM (Park et al., arXiv 1807.06514): y = (1 + σ(combine(mc, ms)))·x with the channel branch
// mc = fc2(relu(bn(fc1(GAP(x))))) and the spatial branch ms = final(relu(bn(dilated(…relu(bn(reduce(x))))))).
// Every batch norm is folded into the layer in front of it at create (assembly/blocks/bam.ts computes the rest).

import { BAM_COMBINE, type BAMCombine } from "../abi.js";
import { batchNormSpecs, foldBatchNorm } from "../batchnorm.js";
import { Block } from "../block.js";
import { type ConvWeight, packWeights } from "../conv-pack.js";
import { type Heap, sharedHeap } from "../memory.js";
import { scratchWithinMemory } from "../scratch.js";
import { checkOptionKeys, type Dims, oneOf, positiveInt, reducedChannels } from "../validate.js";
import { checkWeights, type WeightPack, type Weights, type WeightSpec } from "../weights.js";

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

const BAM_OPTION_KEYS = ["channels", "reduction", "reducedChannels", "dilation", "dilatedConvs", "combine"] as const;

interface BAMConfig {
  readonly channels: number;
  readonly reduced: number;
  readonly dilation: number;
  readonly dilatedConvs: number;
  readonly combine: number;
}

function parseBAM(o: BAMOptions): BAMConfig {
  const channels = positiveInt("BAM", "channels", o.channels);
  const convs = o.dilatedConvs ?? 2;
  if (typeof convs !== "number" || !Number.isSafeInteger(convs) || convs < 0) {
    throw new RangeError(`excite: BAM option dilatedConvs must be a non-negative integer, got ${typeof convs === "number" ? convs : typeof convs}`);
  }
  return {
    channels,
    reduced: reducedChannels("BAM", channels, o.reduction, o.reducedChannels, 16),
    dilation: positiveInt("BAM", "dilation", o.dilation, 4),
    dilatedConvs: convs,
    combine: BAM_COMBINE[oneOf("BAM", "combine", o.combine, Object.keys(BAM_COMBINE) as BAMCombine[], "mul")],
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

/** The folded weights: fc1 with channel.bn, reduce with reduce_bn, each dilated conv with its bn (all back to back). */
function bamModuleWeights(g: BAMConfig, w: Weights): Weights {
  const r = g.reduced;
  const fc1 = foldBatchNorm(w["channel.fc1.weight"], w["channel.fc1.bias"], w, "channel.bn.");
  const reduce = foldBatchNorm(w["spatial.reduce.weight"], w["spatial.reduce.bias"], w, "spatial.reduce_bn.");
  const dilated = new Float32Array(g.dilatedConvs * r * r * 9), dilatedBias = new Float32Array(g.dilatedConvs * r);
  for (let i = 0; i < g.dilatedConvs; i++) {
    const f = foldBatchNorm(w[`spatial.dilated.${i}.weight`], w[`spatial.dilated.${i}.bias`], w, `spatial.dilated_bn.${i}.`);
    dilated.set(f.weight, i * r * r * 9);
    dilatedBias.set(f.bias, i * r);
  }
  const out: Weights = {
    "channel.fc1.weight": fc1.weight, "channel.fc1.bias": fc1.bias,
    "channel.fc2.weight": w["channel.fc2.weight"], "channel.fc2.bias": w["channel.fc2.bias"],
    "spatial.reduce.weight": reduce.weight, "spatial.reduce.bias": reduce.bias,
    "spatial.final.weight": w["spatial.final.weight"], "spatial.final.bias": w["spatial.final.bias"],
  };
  if (g.dilatedConvs > 0) {
    out["spatial.dilated.weight"] = dilated;
    out["spatial.dilated.bias"] = dilatedBias;
  }
  return out;
}

export class BAMBlock extends Block {
  constructor(heap: Heap, readonly config: BAMConfig, pack: WeightPack) {
    super(heap, "BAM", config.channels, pack);
  }

  protected override scratchBytes(d: Dims): number {
    return scratchWithinMemory(this.name, d, this.wasm.bam_f32_nchw_scratch_bytes(d[0], d[1], d[2], d[3], this.config.reduced, this.config.dilation));
  }

  protected override execute(x: number, y: number, d: Dims, scratch: number): void {
    const g = this.config, p = (key: string) => this.weights.ptr(key);
    this.wasm.bam_f32_nchw(x, y, d[0], d[1], d[2], d[3], scratch, g.reduced,
      p("channel.fc1.weight"), p("channel.fc1.bias"), p("channel.fc2.weight"), p("channel.fc2.bias"),
      p("spatial.reduce.weight"), p("spatial.reduce.bias"), p("spatial.dilated.weight"), p("spatial.dilated.bias"),
      g.dilatedConvs, g.dilation, p("spatial.final.weight"), p("spatial.final.bias"), g.combine);
  }
}

/**
 * A bottleneck attention module. Weights: channel.fc1.{weight [R, C], bias}, channel.bn.*,
 * channel.fc2.{weight [C, R], bias}, spatial.reduce.{weight [R, C], bias}, spatial.reduce_bn.*,
 * spatial.dilated.{i}.{weight [R, R, 3, 3], bias}, spatial.dilated_bn.{i}.*, spatial.final.{weight [1, R], bias}.
 */
export async function createBAM(options: BAMOptions, weights: Weights): Promise<BAMBlock> {
  const config = parseBAM(checkOptionKeys("BAM", options, BAM_OPTION_KEYS));
  const checked = checkWeights("BAM", weights, bamWeightSpecs(config));
  const moduleWeights = bamModuleWeights(config, checked);
  const r = config.reduced;
  const heap = await sharedHeap();
  const convs: ConvWeight[] = [
    { key: "spatial.reduce.weight", cout: r, kdim: config.channels },
    { key: "spatial.final.weight", cout: 1, kdim: r },
  ];
  if (config.dilatedConvs > 0) convs.push({ key: "spatial.dilated.weight", cout: r, kdim: r * 9, count: config.dilatedConvs });
  return new BAMBlock(heap, config, packWeights(heap, moduleWeights, convs));
}
