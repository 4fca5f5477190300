// SEResBlock (SPEC §2): y = x + SE(conv2(relu(bn2(conv1(relu(bn1(x))))))); the sum's terms scale the tolerance.

import { seScale } from "./se.js";
import { add, batchNorm, conv2d, fromInput, magnitude, map, mul, relu, result, type ReferenceFn } from "./tensor.js";

export const seResblock: ReferenceFn = (o, w, x, dims) => {
  const t = fromInput(x, dims);
  const conv = { cout: t.c, kh: 3, kw: 3, padding: 1 };
  const out1 = conv2d(map(batchNorm(t, w, "bn1."), relu), w["conv1.weight"], undefined, conv);
  const out = conv2d(map(batchNorm(out1, w, "bn2."), relu), w["conv2.weight"], undefined, conv);
  // the inner SE: SPEC's fixed bias, ReLU, sigmoid, average pool
  const f = mul(out, seScale(out, { reduction: o.reduction, reducedChannels: o.reducedChannels }, w, "se."));
  return result(add(t, f), magnitude(t, f));
};
