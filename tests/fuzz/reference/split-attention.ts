// Split attention (SPEC §3): u = relu(bn0(conv(x))) [N, R·C], z = relu(bn1(fc1(GAP(Σ_r u_r)))),
// a = fc2(z); R > 1: softmax over r of a read [N, G, R, C/G], y = Σ_r att_r·u_r; R = 1: y = σ(a)·u.

import { add, batchNorm, conv2d, fromInput, gap, map, relu, result, sigmoid, sliceC, tensor, type ReferenceFn, type T } from "./tensor.js";

export const splitAttention: ReferenceFn = (o, w, x, dims) => {
  const t = fromInput(x, dims);
  const R = o.radix ?? 2, G = o.groups ?? 1, c = o.channels ?? o.inChannels, k = o.kernelSize ?? 3, dil = o.dilation ?? 1;
  const norm = o.norm ?? true;
  const inter = o.reducedChannels ?? Math.max(Math.floor((o.inChannels * R) / (o.reductionFactor ?? 4)), 32);
  let u: T = conv2d(t, w["conv.weight"], w["conv.bias"], { cout: R * c, kh: k, kw: k, stride: o.stride ?? 1, padding: o.padding ?? (dil * (k - 1)) / 2, dilation: dil, groups: G * R });
  if (norm) u = batchNorm(u, w, "bn0.");
  u = map(u, relu);
  const splits = Array.from({ length: R }, (_, r) => sliceC(u, r * c, (r + 1) * c));
  let z = conv2d(gap(splits.reduce(add)), w["fc1.weight"], w["fc1.bias"], { cout: inter, groups: G });
  if (norm) z = batchNorm(z, w, "bn1.");
  const a = conv2d(map(z, relu), w["fc2.weight"], w["fc2.bias"], { cout: R * c, groups: G }).d; // [N, R·C]
  const y = tensor(u.n, c, u.h, u.w), hw = y.h * y.w, cg = c / G;
  for (let n = 0; n < y.n; n++) {
    for (let ch = 0; ch < c; ch++) {
      const g = Math.floor(ch / cg), j = ch % cg;
      let att: number[];
      if (R === 1) att = [sigmoid(a[n * c + ch])];
      else {
        const logits = Array.from({ length: R }, (_, r) => a[n * R * c + g * R * cg + r * cg + j]);
        const m = Math.max(...logits), e = logits.map((v) => Math.exp(v - m)), s = e.reduce((p, q) => p + q, 0);
        att = e.map((v) => v / s);
      }
      for (let p = 0; p < hw; p++) {
        let v = 0;
        for (let r = 0; r < R; r++) v += att[r] * splits[r].d[(n * c + ch) * hw + p];
        y.d[(n * c + ch) * hw + p] = v;
      }
    }
  }
  return result(y);
};
