// iAFF (SPEC §3): w1 = σ(L(x + r) + G(x + r)), xi = x·w1 + r·(1 − w1), w2 = σ(L2(xi) + G'(xi))
// (G' = global_att2, or global_att with secondGlobal 'global_att'), y = x·w2 + r·(1 − w2); the
// sum's terms scale the tolerance.

import { affInner, fusionWeight } from "./aff-branches.js";
import { add, binary, fromInput, magnitude, mul, result, type ReferenceFn } from "./tensor.js";

export const iaff: ReferenceFn = (o, w, x, dims, residual) => {
  const t = fromInput(x, dims), r = fromInput(residual!, dims), inner = affInner(t.c, o);
  const mix = (wt: ReturnType<typeof mul>) => [mul(t, wt), binary(r, wt, (u, v) => u * (1 - v))];
  const [a1, b1] = mix(fusionWeight(add(t, r), w, "local_att", "global_att", inner));
  const [a, b] = mix(fusionWeight(add(a1, b1), w, "local_att2", o.secondGlobal ?? "global_att2", inner));
  return result(add(a, b), magnitude(a, b));
};
