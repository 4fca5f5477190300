// Coordinate attention (SPEC §3): t = hardswish(bn1(conv1(cat(mean_W x, mean_H x)))) over H + W
// positions, a_h = gate(conv_h(t[:H])), a_w = gate(conv_w(t[H:])), y = x·a_w·a_h.

import { batchNorm, conv1x1, fromInput, gateOf, hardswish, map, mul, permute, result, tensor, type ReferenceFn } from "./tensor.js";

export const coordAttention: ReferenceFn = (o, w, x, dims) => {
  const t = fromInput(x, dims);
  const { n, c, h, w: wd } = t;
  const mip = o.reducedChannels ?? Math.max(8, Math.floor(c / (o.reduction ?? 32)));
  // [N, C, H + W, 1]: the means over W (one per row), then over H (one per column)
  const pooled = tensor(n, c, h + wd, 1);
  for (let i = 0; i < n * c; i++) {
    for (let y = 0; y < h; y++) { let s = 0; for (let xx = 0; xx < wd; xx++) s += t.d[(i * h + y) * wd + xx]; pooled.d[i * (h + wd) + y] = s / wd; }
    for (let xx = 0; xx < wd; xx++) { let s = 0; for (let y = 0; y < h; y++) s += t.d[(i * h + y) * wd + xx]; pooled.d[i * (h + wd) + h + xx] = s / h; }
  }
  const u = map(batchNorm(conv1x1(pooled, w, "conv1", mip), w, "bn1."), hardswish);
  const gate = gateOf(o);
  const ah = map(conv1x1(rows(u, 0, h), w, "conv_h", c), gate);                       // [N, C, H, 1]
  const aw = permute(map(conv1x1(rows(u, h, h + wd), w, "conv_w", c), gate), [0, 1, 3, 2]); // [N, C, 1, W]
  return result(mul(mul(t, aw), ah));
};

/** Rows [from, to) of x [N, C, R, 1]. */
function rows(x: ReturnType<typeof tensor>, from: number, to: number) {
  const out = tensor(x.n, x.c, to - from, 1);
  for (let i = 0; i < x.n * x.c; i++) out.d.set(x.d.subarray(i * x.h + from, i * x.h + to), i * (to - from));
  return out;
}
