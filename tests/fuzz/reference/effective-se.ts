// eSE (SPEC §3): y = x·gate(fc(p)), p = GAP(x) (addMaxpool: 0.5·GAP + 0.5·GMP), fc 1×1 C → C with
// bias; the gate is PyTorch's hardsigmoid by default.

import { binary, conv1x1, fromInput, gap, gateOf, gmp, map, mul, result, type ReferenceFn } from "./tensor.js";

export const effectiveSe: ReferenceFn = (o, w, x, dims) => {
  const t = fromInput(x, dims);
  const p = o.addMaxpool ? binary(gap(t), gmp(t), (a, b) => 0.5 * a + 0.5 * b) : gap(t);
  return result(mul(t, map(conv1x1(p, w, "fc", t.c), gateOf(o, "hardsigmoid"))));
};
