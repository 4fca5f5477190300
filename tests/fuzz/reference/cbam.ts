// CBAM (SPEC §2): ca = σ(Σ_p fc2(relu(fc1(p(x))))), x1 = x·ca; sa = σ(bn(conv_k(maps(x1)))), y = x1·sa.

import { add, batchNorm, catC, conv1x1, conv2d, fromInput, map, maxC, meanC, mul, poolOf, reduced, relu, result, sigmoid, type Options, type ReferenceFn, type T, type Weights } from "./tensor.js";

/** CBAM of x with options `o`, weights under `prefix` (CBAMBasicBlock's "cbam."). */
export function cbamOf(x: T, o: Options, w: Weights, prefix = ""): T {
  const r = reduced(x.c, o);
  let att: T | undefined;
  for (const p of o.pools ?? ["avg", "max"]) {
    const m = conv1x1(map(conv1x1(poolOf(p)(x), w, `${prefix}channel.fc1`, r), relu), w, `${prefix}channel.fc2`, x.c);
    att = att ? add(att, m) : m;
  }
  const x1 = mul(x, map(att!, sigmoid));
  if (o.spatial === false) return x1;
  const k = o.spatialKernel ?? 7;
  const maps = (o.spatialOrder ?? "max-mean") === "max-mean" ? catC(maxC(x1), meanC(x1)) : catC(meanC(x1), maxC(x1));
  let a = conv2d(maps, w[`${prefix}spatial.conv.weight`], undefined, { cout: 1, kh: k, kw: k, padding: (k - 1) / 2 });
  if (o.spatialNorm ?? true) a = batchNorm(a, w, `${prefix}spatial.bn.`);
  return mul(x1, map(a, sigmoid));
}

export const cbam: ReferenceFn = (o, w, x, dims) => result(cbamOf(fromInput(x, dims), o, w));
