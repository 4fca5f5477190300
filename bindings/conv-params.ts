// Convolutions inside blocks: their weights packed once, at create, in the layout of the module's
// conv kernel (f32_conv2d_pack in assembly/kernels/f32-conv2d.ts: blocks of 4, 2 and 1 output
// channels interleaved), and their constants as a ConvParams record (that file's @unmanaged class).
// A conv with a NaN or ±Inf weight, or with a batch norm that could not be folded into it
// (foldedConvWeights), also keeps its weights unpacked for the exact pass
// (assembly/kernels/f32-conv2d-exact.ts), which its record's `exact` code turns on.

import type { FoldedBatchNorm } from "./batchnorm.js";
import { CONV_EXACT_ALL, CONV_EXACT_BORDER, CONV_EXACT_NONE, EPILOGUE_NONE } from "./constants.js";
import type { Heap } from "./memory.js";
import { type Fields, i32 } from "./params.js";
import { WeightPack, type Weights } from "./weights.js";

/** A convolution of a block: its geometry and where its weights are (keys of the block's WeightPack). */
export interface Conv {
  readonly cin: number;
  readonly cout: number;
  readonly kh: number;
  readonly kw: number;
  /** A number, or [along H, along W]; default 1. */
  readonly stride?: number | readonly [number, number];
  /** [along H, along W]; default [0, 0]. */
  readonly padding?: readonly [number, number];
  /** A number, or [along H, along W]; default 1. */
  readonly dilation?: number | readonly [number, number];
  readonly groups?: number;
  /** EPILOGUE_* (default none). */
  readonly epilogue?: number;
  /** The packed weight [cout, cin/groups, kh, kw] and the bias [cout] (absent: none). */
  readonly weight: string;
  readonly bias?: string;
  /** A per-input-channel affine + ReLU applied as the input is read (bn + relu in front): scale and shift keys. */
  readonly preScale?: string;
  readonly preShift?: string;
  /** Channels per image of the tensor the convolution reads channels [0, cin) of (default cin: all of it). */
  readonly inputChannels?: number;
}

/** Taps per output channel. */
const kdim = (c: Conv): number => (c.cin / (c.groups ?? 1)) * c.kh * c.kw;

// The keys, derived from a conv's weight key, of its unpacked weights and of the affine after it
// (a batch norm that could not be folded: scale, shift per output channel).
export const exactWeightKey = (weight: string): string => `${weight}#exact`;
export const postScaleKey = (weight: string): string => `${weight}#post.scale`;
export const postShiftKey = (weight: string): string => `${weight}#post.shift`;

/**
 * The weights of a conv under `weight` and `bias` with a batch norm folded into it
 * (batchnorm.ts foldBatchNormExact): the folded ones, or, where the fold is not exact, the conv's own
 * and the batch norm's affine, which the conv's record then applies after it (CONV_EXACT_ALL).
 */
export function foldedConvWeights(weight: string, bias: string, folded: FoldedBatchNorm): Weights {
  const out: Weights = { [weight]: folded.weight, [bias]: folded.bias };
  if (folded.after) {
    out[postScaleKey(weight)] = folded.after.scale;
    out[postShiftKey(weight)] = folded.after.shift;
  }
  return out;
}

/**
 * The ConvParams record of `c`, field for field as assembly/kernels/f32-conv2d.ts declares it; its
 * weights' addresses from `weights` (a block's WeightPack, or any key → address map).
 */
export function convRecord(c: Conv, weights: Pick<WeightPack, "ptr">): Fields {
  const pair = (v: number | readonly [number, number] | undefined, fallback: number) => (v === undefined ? [fallback, fallback] : typeof v === "number" ? [v, v] : v);
  const [sh, sw] = pair(c.stride, 1), [dh, dw] = pair(c.dilation, 1), [ph, pw] = c.padding ?? [0, 0];
  const at = (key: string | undefined) => (key === undefined ? 0 : weights.ptr(key));
  return [
    i32(c.cin), i32(c.cout), i32(c.kh), i32(c.kw), i32(sh), i32(sw), i32(dh), i32(dw), i32(ph), i32(pw),
    i32(c.groups ?? 1), i32(c.epilogue ?? EPILOGUE_NONE), i32(at(c.weight)), i32(at(c.bias)), i32(at(c.preScale)), i32(at(c.preShift)),
    i32(c.inputChannels ?? c.cin),
    i32(at(postScaleKey(c.weight)) ? CONV_EXACT_ALL : at(exactWeightKey(c.weight)) ? CONV_EXACT_BORDER : CONV_EXACT_NONE),
    i32(at(exactWeightKey(c.weight))), i32(at(postScaleKey(c.weight))), i32(at(postShiftKey(c.weight))),
  ];
}

/** Whether conv weights `w` need the exact pass: a NaN or ±Inf among them, or the affine of an unfolded batch norm after them. */
export const needsExactPass = (weights: Weights, weight: string): boolean =>
  weights[postScaleKey(weight)] !== undefined || !weights[weight].every(Number.isFinite);

/**
 * A WeightPack of `weights` in which the weights of `convs` are packed for the conv kernel (and
 * kept unpacked as well for those that need the exact pass).
 */
export function packWeights(heap: Heap, weights: Weights, convs: readonly Conv[]): WeightPack {
  const all: Weights = { ...weights };
  for (const c of convs) if (needsExactPass(weights, c.weight)) all[exactWeightKey(c.weight)] = weights[c.weight];
  const pack = new WeightPack(heap, all);
  try {
    for (const c of convs) {
      const src = heap.upload(weights[c.weight]);
      heap.wasm.f32_conv2d_pack(src, c.cout, kdim(c), c.groups ?? 1, pack.ptr(c.weight));
      heap.free(src);
    }
  } catch (err) {
    pack.free();
    throw err;
  }
  return pack;
}
