// SE and cSE (SPEC §2): s = gate(fc2(act(fc1(pool(x))))), y = x·s.

import { activationOf, conv1x1, fromInput, gateOf, map, mul, poolOf, reduced, result, type Options, type ReferenceFn, type T, type Weights } from "./tensor.js";

/** The excitation s [N, C, 1, 1] of x, weights under `prefix` (scSE's "cse.", SEResBlock's "se."). */
export function seScale(x: T, o: Options, w: Weights, prefix = ""): T {
  const r = reduced(x.c, o);
  const hidden = map(conv1x1(poolOf(o.pool ?? "avg")(x), w, `${prefix}fc1`, r), activationOf(o.activation));
  return map(conv1x1(hidden, w, `${prefix}fc2`, x.c), gateOf(o));
}

export const se: ReferenceFn = (o, w, x, dims) => {
  const t = fromInput(x, dims);
  return result(mul(t, seScale(t, o, w)));
};
