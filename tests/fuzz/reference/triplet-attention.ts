// Triplet attention (SPEC §3): gate_b(z) = σ(bn(conv7×7([max_A z, mean_A z]))) on z [N, A, P, Q];
// cw gates x with C and H swapped, hc with C and W swapped, hw x itself;
// y = (1/3)(x·s3 + x·s1 + x·s2), noSpatial: (1/2)(x·s1 + x·s2).

import { add, batchNorm, catC, conv2d, fromInput, map, maxC, meanC, mul, permute, result, sigmoid, type ReferenceFn, type T, type Weights } from "./tensor.js";

/** z·gate(z) for the branch `b` (weights b.conv.conv.weight, b.conv.bn.*). */
function gated(z: T, w: Weights, b: string): T {
  const a = batchNorm(conv2d(catC(maxC(z), meanC(z)), w[`${b}.conv.conv.weight`], undefined, { cout: 1, kh: 7, kw: 7, padding: 3 }), w, `${b}.conv.bn.`);
  return mul(z, map(a, sigmoid));
}

export const tripletAttention: ReferenceFn = (o, w, x, dims) => {
  const t = fromInput(x, dims);
  const cw = permute(gated(permute(t, [0, 2, 1, 3]), w, "cw"), [0, 2, 1, 3]);
  const hc = permute(gated(permute(t, [0, 3, 2, 1]), w, "hc"), [0, 3, 2, 1]);
  if (o.noSpatial) return result(map(add(cw, hc), (v) => v / 2));
  return result(map(add(add(gated(t, w, "hw"), cw), hc), (v) => v / 3));
};
