// SK (SPEC §3): u_i = relu(bn_i(conv_i(x_i))), z = relu(bn(fc1(GAP(Σ u_i)))), a = fc2(z) read
// [N, paths, C], softmax over the paths, y = Σ_i a_i·u_i.

import { add, batchNorm, conv1x1, conv2d, fromInput, gap, map, relu, result, sliceC, tensor, type ReferenceFn, type T } from "./tensor.js";

export const sk: ReferenceFn = (o, w, x, dims) => {
  const t = fromInput(x, dims);
  const paths = o.paths ?? 2, c = o.channels ?? o.inChannels, stride = o.stride ?? 1, groups = o.groups ?? 32;
  const kernels: number[] = o.kernelSizes ?? Array(paths).fill(3);
  const dilations: number[] = o.dilations ?? Array.from({ length: paths }, (_, i) => i + 1);
  const d = o.reducedChannels ?? Math.max(Math.floor(o.inChannels / (o.reduction ?? 16)), o.minReducedChannels ?? 32);
  const inI = o.splitInput ? t.c / paths : t.c;
  const u: T[] = [];
  for (let i = 0; i < paths; i++) {
    const xi = o.splitInput ? sliceC(t, i * inI, (i + 1) * inI) : t;
    const k = kernels[i], dil = dilations[i];
    const conv = conv2d(xi, w[`conv.${i}.0.weight`], undefined, { cout: c, kh: k, kw: k, stride, padding: (dil * (k - 1)) / 2, dilation: dil, groups });
    u.push(map(batchNorm(conv, w, `conv.${i}.1.`), relu));
  }
  const z = map(batchNorm(conv1x1(gap(u.reduce(add)), w, "fc1.0", d), w, "fc1.1."), relu);
  const a = conv1x1(z, w, "fc2", paths * c).d; // [N, paths·C]
  const y = tensor(u[0].n, c, u[0].h, u[0].w), hw = y.h * y.w;
  for (let n = 0; n < y.n; n++) {
    for (let ch = 0; ch < c; ch++) {
      const logits = Array.from({ length: paths }, (_, i) => a[n * paths * c + i * c + ch]);
      const m = Math.max(...logits), e = logits.map((v) => Math.exp(v - m)), s = e.reduce((p, q) => p + q, 0);
      for (let p = 0; p < hw; p++) {
        let v = 0;
        for (let i = 0; i < paths; i++) v += (e[i] / s) * u[i].d[(n * c + ch) * hw + p];
        y.d[(n * c + ch) * hw + p] = v;
      }
    }
  }
  return result(y);
};
