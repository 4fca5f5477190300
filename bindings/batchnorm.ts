// Eval-mode batch norm at load time (SPEC §1): bn(x) = (x − running_mean)/√(running_var + eps)·weight + bias
// = x·scale + shift. Folded into the convolution or linear layer in front of it when no
// nonlinearity lies between them, w' = w·scale[o], b' = (b − mean)·scale + β = b·scale + shift;
// otherwise kept as the per-channel affine (scale, shift). Computed in double, rounded once.

import type { Weights, WeightSpec } from "./weights.js";

/** PyTorch's default eps. */
export const BN_EPS = 1e-5;

const BN_PARAMS = ["weight", "bias", "running_mean", "running_var"] as const;

/** The four keys of a BatchNorm over `channels` channels under `prefix` (e.g. "bn1."). */
export function batchNormSpecs(prefix: string, channels: number): WeightSpec[] {
  return BN_PARAMS.map((p) => ({ key: `${prefix}${p}`, shape: [channels] }));
}

/** The per-channel affine of the batch norm under `prefix`: bn(x) = x·scale + shift. */
export function batchNormAffine(weights: Weights, prefix: string, eps = BN_EPS): { scale: Float64Array; shift: Float64Array } {
  const gamma = weights[`${prefix}weight`], beta = weights[`${prefix}bias`];
  const mean = weights[`${prefix}running_mean`], variance = weights[`${prefix}running_var`];
  const scale = new Float64Array(gamma.length), shift = new Float64Array(gamma.length);
  for (let c = 0; c < gamma.length; c++) {
    scale[c] = gamma[c] / Math.sqrt(variance[c] + eps);
    shift[c] = beta[c] - mean[c] * scale[c];
  }
  return { scale, shift };
}

/** A layer with a batch norm folded into it, or (`after`) the layer as given and the batch norm's affine to apply after it. */
export interface FoldedBatchNorm {
  readonly weight: Float32Array;
  readonly bias: Float32Array;
  readonly after?: { readonly scale: Float32Array; readonly shift: Float32Array };
}

/**
 * Folded weights and biases above this magnitude are not trusted to round as bn(layer(x)) does:
 * PyTorch computes layer(x) first, and a product that overflows there may not overflow folded
 * (or the other way round). Below it, sums of products stay far from float32's overflow for any
 * input below ~1e25 in magnitude.
 */
export const FOLD_LIMIT = 2 ** 32;

/** The layer's weights and bias with the affine (scale, shift) folded in, each rounded once. */
function folded(weight: Float32Array, bias: Float32Array | undefined, scale: Float64Array, shift: Float64Array): { weight: Float32Array; bias: Float32Array } {
  const row = weight.length / scale.length;
  return {
    weight: weight.map((v, i) => v * scale[Math.floor(i / row)]),
    bias: Float32Array.from(scale, (s, o) => (bias ? bias[o] : 0) * s + shift[o]),
  };
}

/**
 * bn(layer(x)) as one layer, whatever the weights: `weight` has one row per output channel (a
 * conv's [O, I/g, kh, kw] or a linear layer's [O, I]), `bias` is the layer's own bias (undefined =
 * none). Where the fold is not exact (a NaN or ±Inf scale, folded weights that overflow) it differs
 * from PyTorch's bn(layer(x)); foldBatchNormExact does not fold there.
 */
export function foldBatchNorm(weight: Float32Array, bias: Float32Array | undefined, weights: Weights, prefix: string): { weight: Float32Array; bias: Float32Array } {
  const { scale, shift } = batchNormAffine(weights, prefix);
  return folded(weight, bias, scale, shift);
}

/**
 * foldBatchNorm where the fold is exact to rounding: every scale, shift and folded value finite
 * and moderate (FOLD_LIMIT). Otherwise (a NaN or ±Inf scale: 0·∞ and ∞ − ∞ in the folded products
 * are NaN where PyTorch's (layer(x))·scale is ±∞; weights that overflow when scaled) the layer is
 * kept as given (bias 0 when it has none) and `after` holds the batch norm's affine, for the layer
 * to apply after its sum, as PyTorch does.
 */
export function foldBatchNormExact(weight: Float32Array, bias: Float32Array | undefined, weights: Weights, prefix: string): FoldedBatchNorm {
  const { scale, shift } = batchNormAffine(weights, prefix);
  const f = folded(weight, bias, scale, shift);
  const row = weight.length / scale.length;
  const moderate = (v: number) => Math.abs(v) <= FOLD_LIMIT; // false for NaN
  // a NaN or ±Inf weight stays one when scaled by a finite, nonzero scale; a finite one must stay moderate
  const foldable = Array.from(scale, Math.fround).every((s, o) => moderate(s) && Number.isFinite(Math.fround(shift[o])) &&
    moderate(bias ? bias[o] : 0) && moderate(f.bias[o]) &&
    weight.subarray(o * row, (o + 1) * row).every((v, i) => (Number.isFinite(v) ? moderate(v) && moderate(f.weight[o * row + i]) : s !== 0)));
  if (foldable) return f;
  return { weight, bias: bias ?? new Float32Array(scale.length), after: { scale: Float32Array.from(scale), shift: Float32Array.from(shift) } };
}
