// SimAM (SPEC §3): d = (x − mean_HW x)², e = d / (4·(Σ_HW d/(H·W − 1) + eLambda)) + 0.5, y = x·σ(e).

import { fromInput, result, sigmoid, tensor, type ReferenceFn } from "./tensor.js";

export const simam: ReferenceFn = (o, _w, x, dims) => {
  const t = fromInput(x, dims), hw = t.h * t.w, lambda = o.eLambda ?? 1e-4;
  const y = tensor(t.n, t.c, t.h, t.w);
  for (let i = 0; i < t.n * t.c; i++) {
    const plane = t.d.subarray(i * hw, (i + 1) * hw);
    const mean = plane.reduce((s, v) => s + v, 0) / hw;
    const dsum = plane.reduce((s, v) => s + (v - mean) ** 2, 0);
    plane.forEach((v, p) => { y.d[i * hw + p] = v * sigmoid((v - mean) ** 2 / (4 * (dsum / (hw - 1) + lambda)) + 0.5); });
  }
  return result(y);
};
