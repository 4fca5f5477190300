// ECA (SPEC §3): g = GAP(x), z[c] = Σ_{j<k} w[j]·g[c − p + j] (zeros outside, or index mod C with
// 'circular'), y = x·gate(z); k 'adaptive' is timm's rule.

import { fromInput, gap, gateOf, mul, result, tensor, type Options, type ReferenceFn } from "./tensor.js";

/** The kernel size: `kernelSize`, or for 'adaptive' t = ⌊|log2 C + beta| / gamma⌋, k = max(t odd ? t : t + 1, 3). */
export function ecaKernel(c: number, o: Options): number {
  const k = o.kernelSize ?? 3;
  if (k !== "adaptive") return k;
  const t = Math.floor(Math.abs(Math.log2(c) + (o.beta ?? 1)) / (o.gamma ?? 2));
  return Math.max(t % 2 ? t : t + 1, 3);
}

export const eca: ReferenceFn = (o, w, x, dims) => {
  const t = fromInput(x, dims);
  const g = gap(t), k = ecaKernel(t.c, o), p = (k - 1) / 2, circular = o.padding === "circular";
  const gate = gateOf(o), wk = w["conv.weight"];
  const s = tensor(t.n, t.c, 1, 1);
  for (let i = 0; i < t.n; i++) {
    for (let c = 0; c < t.c; c++) {
      let z = 0;
      for (let j = 0; j < k; j++) {
        let src = c - p + j;
        if (circular) src = ((src % t.c) + t.c) % t.c;
        if (src >= 0 && src < t.c) z += wk[j] * g.d[i * t.c + src];
      }
      s.d[i * t.c + c] = gate(z);
    }
  }
  return result(mul(t, s));
};
