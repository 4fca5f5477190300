// scSE (SPEC §2): y = combine(cSE(x), sSE(x)), combine 'add' or 'max'.

import { seScale } from "./se.js";
import { sseScale } from "./sse.js";
import { binary, fromInput, mul, result, type ReferenceFn } from "./tensor.js";

export const scse: ReferenceFn = (o, w, x, dims) => {
  const t = fromInput(x, dims);
  const c = mul(t, seScale(t, o, w, "cse.")), s = mul(t, sseScale(t, o, w, "sse."));
  return result(binary(c, s, (o.combine ?? "add") === "add" ? (a, b) => a + b : (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b))));
};
