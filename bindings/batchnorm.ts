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

/**
 * bn(layer(x)) as one layer: `weight` has one row per output channel (a conv's [O, I/g, kh, kw]
 * or a linear layer's [O, I]), `bias` is the layer's own bias (undefined = none).
 */
export function foldBatchNorm(weight: Float32Array, bias: Float32Array | undefined, weights: Weights, prefix: string): { weight: Float32Array; bias: Float32Array } {
  const { scale, shift } = batchNormAffine(weights, prefix);
  const outChannels = scale.length;
  const row = weight.length / outChannels;
  const w = new Float32Array(weight.length), b = new Float32Array(outChannels);
  for (let o = 0; o < outChannels; o++) {
    for (let i = 0; i < row; i++) w[o * row + i] = weight[o * row + i] * scale[o];
    b[o] = (bias ? bias[o] : 0) * scale[o] + shift[o];
  }
  return { weight: w, bias: b };
}
