// GSoP (SPEC §3): t = relu(bn_for_DR(conv_for_DR(relu(x)))), Σ = biased covariance of t's rows over
// its M positions, Σ' = row_bn(Σ), r[4i + j] = Σ_k W[4i + j, k]·Σ'[i, k] + b[4i + j], y = x·σ(fc(r)).

import { batchNorm, conv1x1, conv2d, fromInput, map, mul, relu, result, sigmoid, tensor, type ReferenceFn } from "./tensor.js";

export const gsop: ReferenceFn = (o, w, x, dims) => {
  const t = fromInput(x, dims);
  const d = o.attDim ?? 128;
  const u = map(batchNorm(conv2d(map(t, relu), w["conv_for_DR.weight"], w["conv_for_DR.bias"], { cout: d, stride: o.stride ?? 1 }), w, "bn_for_DR."), relu);
  const m = u.h * u.w;
  const cov = tensor(t.n, d, d, 1); // row i as channel i, for row_bn
  for (let n = 0; n < t.n; n++) {
    const mu = Array.from({ length: d }, (_, i) => { let s = 0; for (let p = 0; p < m; p++) s += u.d[(n * d + i) * m + p]; return s / m; });
    for (let i = 0; i < d; i++) {
      for (let k = 0; k < d; k++) {
        let s = 0;
        for (let p = 0; p < m; p++) s += (u.d[(n * d + i) * m + p] - mu[i]) * (u.d[(n * d + k) * m + p] - mu[k]);
        cov.d[(n * d + i) * d + k] = s / m;
      }
    }
  }
  const rows = batchNorm(cov, w, "row_bn.");
  const r = tensor(t.n, 4 * d, 1, 1), W = w["row_conv_group.weight"], b = w["row_conv_group.bias"];
  for (let n = 0; n < t.n; n++) {
    for (let q = 0; q < 4 * d; q++) {
      const i = Math.floor(q / 4);
      let s = b[q];
      for (let k = 0; k < d; k++) s += W[q * d + k] * rows.d[(n * d + i) * d + k];
      r.d[n * 4 * d + q] = s;
    }
  }
  return result(mul(t, map(conv1x1(r, w, "fc_adapt_channels", t.c), sigmoid)));
};
