// The global context block (Cao et al., arXiv 1904.11492; xvjiarui/GCNet
// mmdet/ops/gcb/context_block.py ContextBlock): y = x·σ(T_mul(ctx)) + T_add(ctx), ctx the attention
// pooling ('att') or the mean ('avg') of x, T = conv3(relu(LN(conv0(·)))) (assembly/blocks/global-context.ts).

import { Block, type BlockDef, blockFactory, layoutCode } from "../block.js";
import { f32, type Fields, i32, record } from "../params.js";
import { describe, finite, type Layout, oneOf, positiveInt } from "../validate.js";
import type { WeightPack, WeightSpec } from "../weights.js";

export type GCPooling = "att" | "avg";
export type GCFusion = "channel_add" | "channel_mul";
const FUSIONS: readonly GCFusion[] = ["channel_add", "channel_mul"];

export interface GlobalContextOptions {
  /** Channel count C of the input. */
  channels: number;
  /** P = ⌊C·ratio⌋ (default 1/16, the official code's int(inplanes·ratio)). */
  ratio?: number;
  /** P given outright (timm's max(1, ⌊C/8 + 0.5⌋)); overrides `ratio`. */
  reducedChannels?: number;
  /** The context: 'att' (softmax-weighted sum, default) or 'avg' (GAP; timm's use_attn=False). */
  poolingType?: GCPooling;
  /** Which transforms fuse into x (default ['channel_add']; timm's default is ['channel_mul']); mul is applied first. */
  fusionTypes?: readonly GCFusion[];
  /** The LayerNorm's eps (default 1e-5, the official nn.LayerNorm's; timm's LayerNorm2d uses 1e-6). */
  layerNormEps?: number;
}

export interface GlobalContextConfig {
  readonly layout: Layout;
  readonly channels: number;
  readonly planes: number;
  readonly pooling: GCPooling;
  readonly fusions: readonly GCFusion[];
  readonly eps: number;
}

const NAME = "GlobalContext";

function parseFusions(v: unknown): GCFusion[] {
  if (v === undefined) return ["channel_add"];
  const names = FUSIONS.map((f) => `'${f}'`).join(", ");
  if (!Array.isArray(v) || v.length === 0) throw new TypeError(`excite: ${NAME} option fusionTypes must be a non-empty array of ${names}, got ${Array.isArray(v) ? "[]" : describe(v)}`);
  v.forEach((f: unknown, i) => {
    if (!FUSIONS.includes(f as GCFusion)) throw new RangeError(`excite: ${NAME} option fusionTypes[${i}] must be one of ${names}, got ${describe(f)}`);
    if (v.indexOf(f) !== i) throw new RangeError(`excite: ${NAME} option fusionTypes lists '${f}' twice`);
  });
  return v as GCFusion[];
}

function parseGC(o: GlobalContextOptions): Omit<GlobalContextConfig, "layout"> {
  const channels = positiveInt(NAME, "channels", o.channels);
  const ratio = finite(NAME, "ratio", o.ratio, 1 / 16);
  if (!(ratio > 0)) throw new RangeError(`excite: ${NAME} option ratio must be a positive number, got ${ratio}`);
  let planes: number;
  if (o.reducedChannels !== undefined) {
    planes = positiveInt(NAME, "reducedChannels", o.reducedChannels);
  } else {
    planes = Math.floor(channels * ratio);
    if (planes < 1) throw new RangeError(`excite: ${NAME} option ratio ${ratio} gives P = ⌊${channels}·${ratio}⌋ = ${planes} reduced channels for ${channels} channels; give a ratio of at least 1/${channels} or reducedChannels`);
  }
  const eps = finite(NAME, "layerNormEps", o.layerNormEps, 1e-5);
  if (eps < 0) throw new RangeError(`excite: ${NAME} option layerNormEps must be a finite number ≥ 0, got ${eps}`);
  return {
    channels,
    planes,
    pooling: oneOf<GCPooling>(NAME, "poolingType", o.poolingType, ["att", "avg"], "att"),
    fusions: parseFusions(o.fusionTypes),
    eps,
  };
}

/** The fusions present, in the keys' order. */
const present = (g: GlobalContextConfig): GCFusion[] => FUSIONS.filter((f) => g.fusions.includes(f));

function gcWeights(g: GlobalContextConfig): WeightSpec[] {
  const { channels: c, planes: p } = g;
  const specs: WeightSpec[] = [];
  if (g.pooling === "att") specs.push({ key: "conv_mask.weight", shape: [1, c] }, { key: "conv_mask.bias", shape: [1] });
  for (const f of present(g)) {
    specs.push(
      { key: `${f}_conv.0.weight`, shape: [p, c] }, { key: `${f}_conv.0.bias`, shape: [p] },
      { key: `${f}_conv.1.weight`, shape: [p, 1, 1] }, { key: `${f}_conv.1.bias`, shape: [p, 1, 1] },
      { key: `${f}_conv.3.weight`, shape: [c, p] }, { key: `${f}_conv.3.bias`, shape: [c] },
    );
  }
  return specs;
}

/** The GCTransform record of fusion f, or undefined when it is absent. */
function transformRecord(g: GlobalContextConfig, f: GCFusion, pack: WeightPack): Fields | undefined {
  if (!g.fusions.includes(f)) return undefined;
  const p = (key: string) => i32(pack.ptr(`${f}_conv.${key}`));
  return [p("0.weight"), p("0.bias"), p("1.weight"), p("1.bias"), p("3.weight"), p("3.bias")];
}

const GC: BlockDef<GlobalContextOptions, GlobalContextConfig> = {
  name: NAME,
  optionKeys: ["channels", "ratio", "reducedChannels", "poolingType", "fusionTypes", "layerNormEps"],
  layouts: ["nchw", "nhwc"],
  parse: parseGC,
  weights: gcWeights,
  params: (g, pack) => [
    i32(layoutCode(g.layout)), i32(g.channels), i32(g.planes), i32(g.pooling === "att"), f32(g.eps),
    i32(pack.ptr("conv_mask.weight")), i32(pack.ptr("conv_mask.bias")),
    record(transformRecord(g, "channel_add", pack)), record(transformRecord(g, "channel_mul", pack)),
  ],
  entry: (wasm) => ({ plan: wasm.global_context_plan, run: wasm.global_context_run }),
};

/**
 * A global context block. Weights: conv_mask.weight [1, C] and conv_mask.bias [1] ('att'); per fusion f,
 * f_conv.0.weight [P, C], f_conv.0.bias [P], f_conv.1.weight and bias [P, 1, 1] (or [P]),
 * f_conv.3.weight [C, P], f_conv.3.bias [C] (f = channel_add, channel_mul).
 */
export const createGlobalContext = blockFactory<GlobalContextOptions, GlobalContextConfig, Block<GlobalContextConfig>>(GC);
