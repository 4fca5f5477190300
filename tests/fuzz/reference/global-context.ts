// GC (SPEC §3): ctx = Σ_HW x·softmax_HW(conv_mask(x)) ('att') or GAP(x) ('avg');
// T_p(ctx) = p.3(relu(LN(p.0(ctx)))); y = x, y = y·σ(T_mul(ctx)), y = y + T_add(ctx) (mul first); the
// add's terms scale the tolerance.

import { add, conv1x1, fromInput, gap, magnitude, map, mul, relu, result, sigmoid, tensor, type Options, type ReferenceFn, type T, type Weights } from "./tensor.js";

function transform(ctx: T, w: Weights, p: string, planes: number, eps: number): T {
  const u = conv1x1(ctx, w, `${p}.0`, planes);
  const ln = tensor(u.n, planes, 1, 1), g = w[`${p}.1.weight`], b = w[`${p}.1.bias`];
  for (let n = 0; n < u.n; n++) {
    const v = u.d.subarray(n * planes, (n + 1) * planes);
    const mean = v.reduce((s, q) => s + q, 0) / planes, variance = v.reduce((s, q) => s + (q - mean) ** 2, 0) / planes;
    v.forEach((q, k) => { ln.d[n * planes + k] = ((q - mean) / Math.sqrt(variance + eps)) * g[k] + b[k]; });
  }
  return conv1x1(map(ln, relu), w, `${p}.3`, ctx.c);
}

function context(t: T, o: Options, w: Weights): T {
  if ((o.poolingType ?? "att") === "avg") return gap(t);
  const logits = conv1x1(t, w, "conv_mask", 1).d, hw = t.h * t.w, ctx = tensor(t.n, t.c, 1, 1);
  for (let n = 0; n < t.n; n++) {
    const l = logits.subarray(n * hw, (n + 1) * hw), m = Math.max(...l), e = l.map((v) => Math.exp(v - m)), s = e.reduce((a, b) => a + b, 0);
    for (let c = 0; c < t.c; c++) {
      let v = 0;
      for (let p = 0; p < hw; p++) v += t.d[(n * t.c + c) * hw + p] * (e[p] / s);
      ctx.d[n * t.c + c] = v;
    }
  }
  return ctx;
}

export const globalContext: ReferenceFn = (o, w, x, dims) => {
  const t = fromInput(x, dims);
  const planes = o.reducedChannels ?? Math.floor(t.c * (o.ratio ?? 1 / 16)), eps = o.layerNormEps ?? 1e-5;
  const fusions: string[] = o.fusionTypes ?? ["channel_add"];
  const ctx = context(t, o, w);
  let y = t;
  if (fusions.includes("channel_mul")) y = mul(y, map(transform(ctx, w, "channel_mul_conv", planes, eps), sigmoid));
  if (!fusions.includes("channel_add")) return result(y);
  const a = transform(ctx, w, "channel_add_conv", planes, eps);
  return result(add(y, a), magnitude(y, a));
};
