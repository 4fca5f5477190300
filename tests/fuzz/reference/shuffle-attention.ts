// Shuffle attention (SPEC §3): per group of 2P channels, a_j·σ(cweight_j·GAP(a_j) + cbias_j) and
// b_j·σ(sweight_j·gn(b_j) + sbias_j) in place, then y[:, 2q + i] = z[:, i·C/2 + q].

import { fromInput, result, sigmoid, tensor, type ReferenceFn } from "./tensor.js";

export const shuffleAttention: ReferenceFn = (o, w, x, dims) => {
  const t = fromInput(x, dims);
  const { n, c } = t, hw = t.h * t.w, groups = o.groups ?? 64, P = c / (2 * groups);
  const z = tensor(n, c, t.h, t.w);
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < c; ch++) {
      const j = ch % (2 * P), plane = t.d.subarray((i * c + ch) * hw, (i * c + ch + 1) * hw);
      const mean = plane.reduce((s, v) => s + v, 0) / hw;
      const out = z.d.subarray((i * c + ch) * hw, (i * c + ch + 1) * hw);
      if (j < P) {
        const s = sigmoid(w.cweight[j] * mean + w.cbias[j]);
        plane.forEach((v, p) => { out[p] = v * s; });
      } else {
        const k = j - P, variance = plane.reduce((s, v) => s + (v - mean) ** 2, 0) / hw;
        plane.forEach((v, p) => {
          const g = ((v - mean) / Math.sqrt(variance + 1e-5)) * w["gn.weight"][k] + w["gn.bias"][k];
          out[p] = v * sigmoid(w.sweight[k] * g + w.sbias[k]);
        });
      }
    }
  }
  const y = tensor(n, c, t.h, t.w);
  for (let i = 0; i < n; i++) for (let q = 0; q < c / 2; q++) for (let s = 0; s < 2; s++) {
    y.d.set(z.d.subarray((i * c + s * (c / 2) + q) * hw, (i * c + s * (c / 2) + q + 1) * hw), (i * c + 2 * q + s) * hw);
  }
  return result(y);
};
