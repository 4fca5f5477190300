// Convolutions inside blocks: their weights packed once, at create, in the layout of the module's
// conv kernel (f32_conv2d_pack in assembly/kernels/f32-conv2d.ts: blocks of 4 output channels
// interleaved, or f32_winograd_f43_pack's transformed weights for a Winograd convolution), and
// their constants as a ConvParams record (that file's @unmanaged class).

import type { ExciteExports } from "./abi.js";
import { EPILOGUE_NONE } from "./constants.js";
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
  /**
   * Keep PyTorch's pattern of NaN and ±Inf in the output (no Winograd, whose transforms spread a
   * non-finite input over every 4×4 output tile whose 6×6 patch holds it). Inside the blocks a
   * non-finite input reaches every output through their pooled gates anyway; kernels.conv2d sets it.
   */
  readonly exactNonFinite?: boolean;
}

/** Taps per output channel. */
const kdim = (c: Conv): number => (c.cin / (c.groups ?? 1)) * c.kh * c.kw;

const pairOf = (v: number | readonly [number, number] | undefined, fallback: number): readonly [number, number] => (v === undefined ? [fallback, fallback] : typeof v === "number" ? [v, v] : v);

/** Which convolutions run as Winograd: "auto" (winogradPays), "always" (every one that can, exactNonFinite or not), "never". */
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

/** Whether `c` runs as Winograd under the current policy. */
export function usesWinograd(c: Conv): boolean {
  return winogradPolicy !== "never" && winogradFits(c) && (winogradPolicy === "always" || (!c.exactNonFinite && winogradPays(c)));
}

/** Floats of c's packed weights. */
export function packedFloats(c: Conv): number {
  return usesWinograd(c) ? 36 * Math.ceil(c.cout / 4) * 4 * c.cin : c.cout * kdim(c);
}

/** Packs c's PyTorch weights at module address `raw` into `dst` (packedFloats(c) floats). */
export function packConv(wasm: ExciteExports, c: Conv, raw: number, dst: number): void {
  if (usesWinograd(c)) wasm.f32_winograd_f43_pack(raw, c.cin, c.cout, dst);
  else wasm.f32_conv2d_pack(raw, c.cout, kdim(c), c.groups ?? 1, dst);
}

/**
 * The ConvParams record of `c`, field for field as assembly/kernels/f32-conv2d.ts declares it; its
 * weights' addresses from `weights` (a block's WeightPack, or any key → address map).
 */
export function convRecord(c: Conv, weights: Pick<WeightPack, "ptr">): Fields {
  const [sh, sw] = pairOf(c.stride, 1), [dh, dw] = pairOf(c.dilation, 1), [ph, pw] = c.padding ?? [0, 0];
  const at = (key: string | undefined) => (key === undefined ? 0 : weights.ptr(key));
  return [
    i32(c.cin), i32(c.cout), i32(c.kh), i32(c.kw), i32(sh), i32(sw), i32(dh), i32(dw), i32(ph), i32(pw),
    i32(c.groups ?? 1), i32(c.epilogue ?? EPILOGUE_NONE), i32(at(c.weight)), i32(at(c.bias)), i32(at(c.preScale)), i32(at(c.preShift)),
    i32(usesWinograd(c)),
  ];
}

/** A WeightPack of `weights` in which the weights of `convs` are packed for the conv kernel. */
export function packWeights(heap: Heap, weights: Weights, convs: readonly Conv[]): WeightPack {
  const pack = new WeightPack(heap, weights, new Map(convs.map((c) => [c.weight, packedFloats(c)])));
  try {
    for (const c of convs) {
      const src = heap.upload(weights[c.weight]);
      packConv(heap.wasm, c, src, pack.ptr(c.weight));
      heap.free(src);
    }
  } catch (err) {
    pack.free();
    throw err;
  }
  return pack;
}
