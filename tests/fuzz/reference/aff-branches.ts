// The branches of MS-CAM, AFF and iAFF (SPEC §3): L_p(v) = bn_{p.4}(conv_{p.3}(relu(bn_{p.1}(conv_{p.0}(v))))) per pixel,
// G_p(v) = the same on GAP(v) with indices shifted by one, I = ⌊C/reduction⌋ unless reducedChannels gives it.

import { add, batchNorm, conv1x1, gap, map, relu, sigmoid, type Options, type T, type Weights } from "./tensor.js";

export const affInner = (c: number, o: Options): number => o.reducedChannels ?? Math.floor(c / (o.reduction ?? 4));

/** The local branch `p` of v. */
export function local(v: T, w: Weights, p: string, inner: number): T {
  const h = map(batchNorm(conv1x1(v, w, `${p}.0`, inner), w, `${p}.1.`), relu);
  return batchNorm(conv1x1(h, w, `${p}.3`, v.c), w, `${p}.4.`);
}

/** The global branch `p` of v, [N, C, 1, 1]. */
export function global(v: T, w: Weights, p: string, inner: number): T {
  const h = map(batchNorm(conv1x1(gap(v), w, `${p}.1`, inner), w, `${p}.2.`), relu);
  return batchNorm(conv1x1(h, w, `${p}.4`, v.c), w, `${p}.5.`);
}

/** σ(L_l(v) + G_g(v)). */
export const fusionWeight = (v: T, w: Weights, l: string, g: string, inner: number): T => map(add(local(v, w, l, inner), global(v, w, g, inner)), sigmoid);
