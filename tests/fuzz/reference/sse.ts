// sSE (SPEC §2): q = gate(conv1x1_{C→1}(x)), y = x·q.

import { conv1x1, fromInput, gateOf, map, mul, result, type Options, type ReferenceFn, type T, type Weights } from "./tensor.js";

/** The spatial excitation q [N, 1, H, W], weights under `prefix`. */
export const sseScale = (x: T, o: Options, w: Weights, prefix = ""): T => map(conv1x1(x, w, `${prefix}conv`, 1), gateOf(o));

export const sse: ReferenceFn = (o, w, x, dims) => {
  const t = fromInput(x, dims);
  return result(mul(t, sseScale(t, o, w)));
};
