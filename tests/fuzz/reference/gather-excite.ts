// GE (SPEC §3): gather g (GAP, an average pool of window 2e − 1 and stride e, or log2 e depthwise
// stride-2 convs + BN, or one depthwise featSize conv + BN), t = mlp(g) or g, resized to H×W by
// nearest neighbour with PyTorch's float32 source index, y = x·σ(t).

import { batchNorm, binary, conv1x1, conv2d, fromInput, gap, gmp, map, mul, relu, result, sigmoid, tensor, type Options, type ReferenceFn, type T, type Weights } from "./tensor.js";

/** The average (count_include_pad = False) or max pool of window k, stride s, padding p. */
function pool(x: T, k: number, s: number, p: number, kind: "avg" | "max"): T {
  const oh = Math.floor((x.h + 2 * p - k) / s) + 1, ow = Math.floor((x.w + 2 * p - k) / s) + 1;
  const y = tensor(x.n, x.c, oh, ow);
  for (let i = 0; i < x.n * x.c; i++) {
    for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) {
      let acc = kind === "avg" ? 0 : -Infinity, count = 0;
      for (let iy = oy * s - p; iy < oy * s - p + k; iy++) for (let ix = ox * s - p; ix < ox * s - p + k; ix++) {
        if (iy < 0 || iy >= x.h || ix < 0 || ix >= x.w) continue;
        const v = x.d[(i * x.h + iy) * x.w + ix];
        acc = kind === "avg" ? acc + v : Math.max(acc, v);
        count++;
      }
      y.d[(i * oh + oy) * ow + ox] = kind === "avg" ? acc / count : acc;
    }
  }
  return y;
}

function gather(t: T, o: Options, w: Weights): T {
  const e = o.extent ?? 0;
  if (!o.extraParams) {
    const half = (a: T, b: T) => binary(a, b, (u, v) => 0.5 * u + 0.5 * v);
    if (e === 0) return o.addMaxpool ? half(gap(t), gmp(t)) : gap(t);
    const avg = pool(t, 2 * e - 1, e, e - 1, "avg");
    return o.addMaxpool ? half(avg, pool(t, 2 * e - 1, e, e - 1, "max")) : avg;
  }
  if (e === 0) {
    const [kh, kw] = o.featSize;
    return batchNorm(conv2d(t, w["gather.conv1.weight"], undefined, { cout: t.c, kh, kw, padding: [Math.floor((kh - 1) / 2), Math.floor((kw - 1) / 2)], groups: t.c }), w, "gather.norm1.");
  }
  let g = t;
  const stages = Math.floor(Math.log2(e));
  for (let i = 1; i <= stages; i++) {
    g = batchNorm(conv2d(g, w[`gather.conv${i}.weight`], undefined, { cout: t.c, kh: 3, kw: 3, stride: 2, padding: 1, groups: t.c }), w, `gather.norm${i}.`);
    if (i < stages) g = map(g, relu);
  }
  return g;
}

/** Nearest-neighbour resize to h×w, source index min(⌊f32(f32(dst)·f32(in/out))⌋, in − 1) as PyTorch's. */
function resize(t: T, h: number, w: number): T {
  const src = (dst: number, size: number, out: number) => Math.min(Math.floor(Math.fround(Math.fround(dst) * Math.fround(size / out))), size - 1);
  const y = tensor(t.n, t.c, h, w);
  for (let i = 0; i < t.n * t.c; i++) for (let oy = 0; oy < h; oy++) for (let ox = 0; ox < w; ox++) {
    y.d[(i * h + oy) * w + ox] = t.d[(i * t.h + src(oy, t.h, h)) * t.w + src(ox, t.w, w)];
  }
  return y;
}

export const gatherExcite: ReferenceFn = (o, w, x, dims) => {
  const t0 = fromInput(x, dims);
  let t = gather(t0, o, w);
  if (o.useMlp ?? true) {
    const r = o.reducedChannels ?? Math.max(1, Math.floor(t0.c * (o.rdRatio ?? 1 / 16) + 0.5));
    t = conv1x1(map(conv1x1(t, w, "mlp.fc1", r), relu), w, "mlp.fc2", t0.c);
  }
  if (t.h !== 1 || t.w !== 1) t = resize(t, t0.h, t0.w);
  return result(mul(t0, map(t, sigmoid)));
};
