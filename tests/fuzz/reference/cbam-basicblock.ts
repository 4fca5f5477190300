// CBAMBasicBlock (SPEC §2): out = CBAM(bn2(conv2(relu(bn1(conv1(x)))))), y = relu(out + downsample(x));
// the sum's terms scale the tolerance.

import { cbamOf } from "./cbam.js";
import { add, batchNorm, conv2d, fromInput, magnitude, map, relu, result, type ReferenceFn } from "./tensor.js";

export const cbamBasicblock: ReferenceFn = (o, w, x, dims) => {
  const t = fromInput(x, dims);
  const c = o.channels, stride = o.stride ?? 1;
  const downsample = o.downsample ?? (stride !== 1 || (o.inChannels ?? c) !== c);
  let out = map(batchNorm(conv2d(t, w["conv1.weight"], undefined, { cout: c, kh: 3, kw: 3, stride, padding: 1 }), w, "bn1."), relu);
  out = batchNorm(conv2d(out, w["conv2.weight"], undefined, { cout: c, kh: 3, kw: 3, padding: 1 }), w, "bn2.");
  out = cbamOf(out, o.cbam ?? {}, w, "cbam.");
  const residual = downsample ? batchNorm(conv2d(t, w["downsample.0.weight"], undefined, { cout: c, stride }), w, "downsample.1.") : t;
  return result(map(add(out, residual), relu), magnitude(out, residual));
};
