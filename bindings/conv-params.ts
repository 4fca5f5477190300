// Convolutions inside blocks: their weights packed once, at create, in the layout of the module's
// conv kernel (f32_conv2d_pack in assembly/kernels/f32-conv2d.ts: blocks of 4, 2 and 1 output
// channels interleaved, or f32_winograd_f43_pack's transformed weights for a Winograd
// convolution), and their constants as a ConvParams record (that file's @unmanaged class).
// A conv with a NaN or ±Inf weight, or with a batch norm that could not be folded into it
// (foldedConvWeights), also keeps its weights unpacked for the exact pass
// (assembly/kernels/f32-conv2d-exact.ts), which its record's `exact` code turns on; such a conv
// is never Winograd.

import type { ExciteExports } from "./abi.js";
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
  /**
   * No Winograd at the "auto" policy (kernels.conv2d sets it: the public kernel stays the direct
   * product). Winograd's tiles that come out NaN or ±Inf are recomputed by the direct sum anyway.
   */
  readonly exactNonFinite?: boolean;
}

/** Taps per output channel. */
const kdim = (c: Conv): number => (c.cin / (c.groups ?? 1)) * c.kh * c.kw;

const pairOf = (v: number | readonly [number, number] | undefined, fallback: number): readonly [number, number] => (v === undefined ? [fallback, fallback] : typeof v === "number" ? [v, v] : v);

/**
 * Multiply-adds per float of a block's input spent in its k×k convolutions: Σ cout·taps per
 * output pixel, over the stride², per input channel (what makes a small tensor worth splitting
 * over threads: threads.ts parallelFor).
 */
export function convMacsPerInputFloat(convs: readonly Conv[], inChannels: number): number {
  let macs = 0;
  for (const c of convs) {
    const [sh, sw] = pairOf(c.stride, 1);
    macs += (c.cout * kdim(c)) / (sh * sw);
  }
  return macs / inChannels;
}

/**
 * Which convolutions run as Winograd: "auto" (winogradPays), "always" (every one that can,
 * exactNonFinite or not), "never". None on the exact pass, whatever the policy.
 */
export type WinogradPolicy = "auto" | "always" | "never";
let winogradPolicy: WinogradPolicy = "auto";

/**
 * For tests and measurements, not the public API: the policy of the convolutions of blocks (and
 * kernels.conv2d calls) created from now on; returns the previous one.
 */
export function setWinogradPolicy(policy: WinogradPolicy): WinogradPolicy {
  const previous = winogradPolicy;
  winogradPolicy = policy;
  return previous;
}

/**
 * Whether `c` can run as F(4×4, 3×3) Winograd (assembly/kernels/f32-conv3x3-winograd.ts): 3×3,
 * stride 1, one group, padding = dilation, the dilation 1 or a multiple of 4 (BAM's 4: its lanes are
 * 4 interleaved sub-images).
 */
function winogradFits(c: Conv): boolean {
  const [sh, sw] = pairOf(c.stride, 1), [dh, dw] = pairOf(c.dilation, 1), [ph, pw] = c.padding ?? [0, 0];
  return c.kh === 3 && c.kw === 3 && sh === 1 && sw === 1 && (c.groups ?? 1) === 1 && dh === dw && ph === dh && pw === dh && (dh === 1 || dh % 4 === 0);
}

/**
 * The rule: Winograd where it is faster than the direct convolution, i.e. with 16 channels or
 * more on both sides. It looks at the channels only: the weights are transformed at create,
 * before any input shape is known (and convolutions of one geometry always agree, which the blocks
 * rely on to share their regions). Per 4×4 tile the product costs 36·cin·cout multiply-adds
 * against the direct 144·cin·cout, the transforms about as much as a product of 4–8 channels each
 * side. Measured (C → C, 1 thread, alternating, medians; direct time / Winograd time):
 * C = 4: 0.44, 8: 0.63, 12: 0.97, 16: 1.18, 24: 1.8, 32: 1.8 at 56×56; C = 8: 0.72, 16: 1.7 at
 * 14×14; dilation 4 (BAM): C = 4: 0.41 at 56×56, 8: 0.77 and 16: 1.13 at 28×28, 32: 2.2 at 14×14.
 */
function winogradPays(c: Conv): boolean {
  return Math.min(c.cin, c.cout) >= 16;
}

/**
 * Whether `c` runs as Winograd under the current policy. Never when its weights take the exact
 * pass (`exact`: a NaN or ±Inf weight, or a batch norm applied after it, needsExactPass): that pass
 * recomputes only the border pixels of the direct product, whose interior has PyTorch's pattern of
 * NaN and ±Inf, where Winograd's transformed weights would turn an infinite weight into NaN.
 */
export function usesWinograd(c: Conv, exact: boolean): boolean {
  return !exact && winogradPolicy !== "never" && winogradFits(c) && (winogradPolicy === "always" || (!c.exactNonFinite && winogradPays(c)));
}

// The keys, derived from a conv's weight key, of its unpacked weights, of the affine after it
// (a batch norm that could not be folded: scale, shift per output channel) and of its Winograd
// weights (in place of the packed ones). convRecord's codes follow from which of them the pack holds.
export const exactWeightKey = (weight: string): string => `${weight}#exact`;
export const postScaleKey = (weight: string): string => `${weight}#post.scale`;
export const postShiftKey = (weight: string): string => `${weight}#post.shift`;
export const winogradWeightKey = (weight: string): string => `${weight}#winograd`;

/** The key under which packConv's weights of `c` go (`exact`: as usesWinograd): c.weight, or its Winograd key. */
export function packedKey(c: Conv, exact: boolean): string {
  return usesWinograd(c, exact) ? winogradWeightKey(c.weight) : c.weight;
}

/** Floats of c's packed weights (`exact`: as usesWinograd). */
export function packedFloats(c: Conv, exact: boolean): number {
  return usesWinograd(c, exact) ? 36 * Math.ceil(c.cout / 4) * 4 * c.cin : c.cout * kdim(c);
}

/** Packs c's PyTorch weights at module address `raw` into `dst` (packedFloats(c, exact) floats, to be found under packedKey(c, exact)). */
export function packConv(wasm: ExciteExports, c: Conv, exact: boolean, raw: number, dst: number): void {
  if (usesWinograd(c, exact)) wasm.f32_winograd_f43_pack(raw, c.cin, c.cout, dst);
  else wasm.f32_conv2d_pack(raw, c.cout, kdim(c), c.groups ?? 1, dst);
}

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
  const [sh, sw] = pairOf(c.stride, 1), [dh, dw] = pairOf(c.dilation, 1), [ph, pw] = c.padding ?? [0, 0];
  const at = (key: string | undefined) => (key === undefined ? 0 : weights.ptr(key));
  const winograd = at(winogradWeightKey(c.weight));
  return [
    i32(c.cin), i32(c.cout), i32(c.kh), i32(c.kw), i32(sh), i32(sw), i32(dh), i32(dw), i32(ph), i32(pw),
    i32(c.groups ?? 1), i32(c.epilogue ?? EPILOGUE_NONE), i32(winograd || at(c.weight)), i32(at(c.bias)), i32(at(c.preScale)), i32(at(c.preShift)),
    i32(c.inputChannels ?? c.cin),
    i32(at(postScaleKey(c.weight)) ? CONV_EXACT_ALL : at(exactWeightKey(c.weight)) && !winograd ? CONV_EXACT_BORDER : CONV_EXACT_NONE),
    i32(at(exactWeightKey(c.weight))), i32(at(postScaleKey(c.weight))), i32(at(postShiftKey(c.weight))),
    i32(winograd ? 1 : 0),
  ];
}

/** Whether conv weights `w` need the exact pass: a NaN or ±Inf among them, or the affine of an unfolded batch norm after them. */
export const needsExactPass = (weights: Weights, weight: string): boolean =>
  weights[postScaleKey(weight)] !== undefined || !weights[weight].every(Number.isFinite);

/**
 * A WeightPack of `weights` in which the weights of `convs` are packed for the conv kernel, or
 * transformed for Winograd under their Winograd key (and kept unpacked as well for those that
 * need the exact pass, and for Winograd's direct sum on the tiles it finds NaN or ±Inf).
 */
export function packWeights(heap: Heap, weights: Weights, convs: readonly Conv[]): WeightPack {
  const all: Weights = { ...weights };
  const sizes = new Map<string, number>();
  for (const c of convs) {
    const exact = needsExactPass(weights, c.weight), key = packedKey(c, exact);
    // the unpacked weights: the exact pass's, or a Winograd conv's fallback on non-finite tiles
    if (exact || key !== c.weight) all[exactWeightKey(c.weight)] = weights[c.weight];
    if (key !== c.weight) {
      delete all[c.weight];
      all[key] = weights[c.weight];
    }
    sizes.set(key, packedFloats(c, exact));
  }
  const pack = new WeightPack(heap, all, sizes);
  try {
    for (const c of convs) {
      const src = heap.upload(weights[c.weight]);
      const exact = needsExactPass(weights, c.weight);
      packConv(heap.wasm, c, exact, src, pack.ptr(packedKey(c, exact)));
      heap.free(src);
    }
  } catch (err) {
    pack.free();
    throw err;
  }
  return pack;
}
