// AFF (SPEC §3): xa = x + residual, w = σ(L(xa) + G(xa)), y = 2·x·w + 2·residual·(1 − w); the
// sum's terms scale the tolerance.

import { affInner, fusionWeight } from "./aff-branches.js";
import { add, binary, fromInput, magnitude, result, type ReferenceFn } from "./tensor.js";

export const aff: ReferenceFn = (o, w, x, dims, residual) => {
  const t = fromInput(x, dims), r = fromInput(residual!, dims);
  const wt = fusionWeight(add(t, r), w, "local_att", "global_att", affInner(t.c, o));
  const a = binary(t, wt, (u, v) => 2 * u * v), b = binary(r, wt, (u, v) => 2 * u * (1 - v));
  return result(add(a, b), magnitude(a, b));
};
