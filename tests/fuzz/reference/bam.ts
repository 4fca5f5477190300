// BAM (SPEC §2): mc = fc2(relu(bn(fc1(GAP(x))))), ms = final(relu(bn(dilated(…relu(bn(reduce(x))))))),
// y = (1 + σ(combine(mc, ms)))·x.

import { add, batchNorm, conv1x1, conv2d, fromInput, gap, map, mul, reduced, relu, result, sigmoid, type ReferenceFn } from "./tensor.js";

export const bam: ReferenceFn = (o, w, x, dims) => {
  const t = fromInput(x, dims);
  const r = reduced(t.c, o), d = o.dilation ?? 4;
  const mc = conv1x1(map(batchNorm(conv1x1(gap(t), w, "channel.fc1", r), w, "channel.bn."), relu), w, "channel.fc2", t.c);
  let s = map(batchNorm(conv1x1(t, w, "spatial.reduce", r), w, "spatial.reduce_bn."), relu);
  for (let i = 0; i < (o.dilatedConvs ?? 2); i++) {
    const conv = conv2d(s, w[`spatial.dilated.${i}.weight`], w[`spatial.dilated.${i}.bias`], { cout: r, kh: 3, kw: 3, padding: d, dilation: d });
    s = map(batchNorm(conv, w, `spatial.dilated_bn.${i}.`), relu);
  }
  const ms = conv1x1(s, w, "spatial.final", 1);
  const a = (o.combine ?? "mul") === "mul" ? mul(mc, ms) : add(mc, ms);
  return result(mul(map(a, (v) => 1 + sigmoid(v)), t));
};
