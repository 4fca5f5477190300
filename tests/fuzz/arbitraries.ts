// What the fuzz suite draws per block (by golden folder): every option the block has, within
// SPEC's rules (§2–§3), and an input shape: N 1–3, C 1–70 where the block allows it, H, W 1–40,
// with 1×1, 1×200 and 200×1 among them. The layout is drawn by the suite (every layout the
// registry says the block computes in).

import fc from "fast-check";
import { affInner } from "./reference/aff-branches.js";
import { ecaKernel } from "./reference/eca.js";

export interface Draw {
  /** Options as createX takes them (channels included; no layout). */
  readonly options: Record<string, unknown>;
  /** The input's NCHW dims. */
  readonly dims: [number, number, number, number];
}

const N = fc.integer({ min: 1, max: 3 });
const C = fc.integer({ min: 1, max: 70 });
/** H, W: 1–40 each, or one of the degenerate shapes. */
const HW = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 })) },
  { weight: 1, arbitrary: fc.constantFrom<[number, number]>([1, 1], [1, 200], [200, 1]) },
);
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
/** An options object without its undefined entries (an absent option takes SPEC's default). */
const defined = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
const draw = (options: Record<string, unknown>, n: number, c: number, [h, w]: [number, number]): Draw => ({ options: defined(options), dims: [n, c, h, w] });

/** `gate` and `hardSigmoid` (PyTorch's, ONNX's or any finite slope and offset). */
const gate = (fallback: "sigmoid" | "hardsigmoid" = "sigmoid") => fc.record({
  gate: opt(fc.constantFrom("sigmoid", "hardsigmoid")),
  hardSigmoid: opt(fc.oneof(
    fc.constantFrom({ alpha: 1 / 6, beta: 0.5 }, { alpha: 0.2, beta: 0.5 }, {}),
    fc.record({ alpha: fc.double({ min: -1, max: 1, noNaN: true }), beta: fc.double({ min: -1, max: 2, noNaN: true }) }),
  )),
}).map((g) => ((g.gate ?? fallback) === "hardsigmoid" ? g : { gate: g.gate }));

/** `reduction` and `reducedChannels` (SPEC §1's R). */
const reduction = (c: number) => fc.record({ reduction: opt(fc.integer({ min: 1, max: 40 })), reducedChannels: opt(fc.integer({ min: 1, max: Math.min(2 * c, 64) })) });

const seOptions = (c: number) => fc.tuple(reduction(c), gate(), fc.record({
  bias: opt(fc.boolean()), activation: opt(fc.constantFrom("relu", "none", "silu", "hardswish")), pool: opt(fc.constantFrom("avg", "max", "avgmax")),
})).map(([r, g, o]) => ({ channels: c, ...r, ...g, ...o }));

const cbamOptions = (c: number) => fc.tuple(reduction(c), fc.record({
  bias: opt(fc.boolean()),
  pools: opt(fc.shuffledSubarray(["avg", "max", "lp", "lse"], { minLength: 1 })),
  spatialKernel: opt(fc.integer({ min: 0, max: 4 }).map((k) => 2 * k + 1)),
  spatialOrder: opt(fc.constantFrom("max-mean", "mean-max")),
  spatialNorm: opt(fc.boolean()),
  spatial: opt(fc.boolean()),
})).map(([r, o]) => ({ ...r, ...o }));

/** MS-CAM, AFF, iAFF (with secondGlobal): I = ⌊C/reduction⌋ (default 4) ≥ 1, or reducedChannels. */
const fusion = (iaff: boolean) => fc.tuple(N, C, HW).chain(([n, c, hw]) => fc.record({
  reduction: opt(fc.integer({ min: 1, max: c })), reducedChannels: opt(fc.integer({ min: 1, max: 2 * c })),
  secondGlobal: iaff ? opt(fc.constantFrom("global_att2", "global_att")) : fc.constant(undefined),
}).filter((o) => affInner(c, o) >= 1).map((o) => draw({ channels: c, ...o }, n, c, hw)));

/** Per golden folder: an arbitrary of options and dims. */
export const ARBITRARIES: Readonly<Record<string, fc.Arbitrary<Draw>>> = {
  se: fc.tuple(N, C, HW).chain(([n, c, hw]) => seOptions(c).map((o) => draw(o, n, c, hw))),
  cse: fc.tuple(N, C, HW).chain(([n, c, hw]) => seOptions(c).map((o) => draw(o, n, c, hw))),
  sse: fc.tuple(N, C, HW, fc.boolean(), gate()).map(([n, c, hw, bias, g]) => draw({ channels: c, bias, ...g }, n, c, hw)),
  scse: fc.tuple(N, C, HW).chain(([n, c, hw]) => fc.tuple(seOptions(c), opt(fc.constantFrom("add", "max"))).map(([o, combine]) => draw({ ...o, combine }, n, c, hw))),
  cbam: fc.tuple(N, C, HW).chain(([n, c, hw]) => cbamOptions(c).map((o) => draw({ channels: c, ...o }, n, c, hw))),
  bam: fc.tuple(N, C, HW).chain(([n, c, hw]) => fc.tuple(reduction(c), fc.record({
    dilation: opt(fc.integer({ min: 1, max: 5 })), dilatedConvs: opt(fc.integer({ min: 0, max: 3 })), combine: opt(fc.constantFrom("mul", "add")),
  })).map(([r, o]) => draw({ channels: c, ...r, ...o }, n, c, hw))),
  se_resblock: fc.tuple(N, C, HW).chain(([n, c, hw]) => reduction(c).map((r) => draw({ channels: c, ...r }, n, c, hw))),
  cbam_basicblock: fc.tuple(N, C, C, HW, opt(fc.integer({ min: 1, max: 3 })), fc.boolean()).chain(([n, c, cin, hw, stride, ds]) => {
    // a downsample whenever the shape changes; otherwise either
    const downsample = (stride ?? 1) !== 1 || cin !== c ? opt(fc.constant(true)) : opt(fc.constant(ds));
    return fc.tuple(cbamOptions(c), downsample).map(([cbam, d]) => draw({ channels: c, inChannels: cin, stride, downsample: d, cbam }, n, cin, hw));
  }),
  eca: fc.tuple(N, C, HW).chain(([n, c, hw]) => fc.tuple(
    fc.oneof(fc.integer({ min: 0, max: 7 }).map((k) => 2 * k + 1), fc.constant("adaptive" as const)),
    opt(fc.constantFrom(1, 1.5, 2, 3)), opt(fc.constantFrom(-2, 0, 1, 2)), opt(fc.constantFrom("zeros", "circular")), gate(),
  ).map(([kernelSize, gamma, beta, padding, g]) => {
    // circular padding needs (k − 1)/2 ≤ C
    const k = ecaKernel(c, { kernelSize, gamma, beta });
    return draw({ channels: c, kernelSize, gamma, beta, padding: padding === "circular" && (k - 1) / 2 > c ? "zeros" : padding, ...g }, n, c, hw);
  })),
  coord_attention: fc.tuple(N, C, HW).chain(([n, c, hw]) => fc.tuple(reduction(c), opt(fc.boolean()), gate()).map(([r, bias, g]) => draw({ channels: c, ...r, bias, ...g }, n, c, hw))),
  sk: fc.tuple(N, fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }), fc.boolean(), HW).chain(([n, paths, groups, a, b, split, hw]) => {
    // in_i (inChannels, or inChannels/paths split) and channels multiples of groups
    const inI = groups * a, inChannels = split ? inI * paths : inI, channels = groups * b;
    return fc.record({
      stride: opt(fc.constantFrom(1, 2)), reduction: opt(fc.integer({ min: 1, max: 16 })), minReducedChannels: opt(fc.integer({ min: 1, max: 16 })),
      reducedChannels: opt(fc.integer({ min: 1, max: 16 })),
      kernelSizes: opt(fc.array(fc.constantFrom(1, 3, 5), { minLength: paths, maxLength: paths })),
      dilations: opt(fc.array(fc.integer({ min: 1, max: 3 }), { minLength: paths, maxLength: paths })),
    }).map((o) => draw({ inChannels, channels, paths, groups, splitInput: split, ...o }, n, inChannels, hw));
  }),
  split_attention: fc.tuple(N, fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 10 }), HW).chain(([n, groups, radix, a, b, hw]) => {
    const inChannels = groups * radix * a, channels = groups * b;
    return fc.tuple(fc.integer({ min: 1, max: 5 }), fc.record({
      stride: opt(fc.constantFrom(1, 2)), dilation: opt(fc.constantFrom(1, 2)), reductionFactor: opt(fc.integer({ min: 1, max: 8 })),
      reducedChannels: opt(fc.integer({ min: 1, max: 8 }).map((i) => i * groups)), bias: opt(fc.boolean()), norm: opt(fc.boolean()),
    }), opt(fc.integer({ min: 0, max: 2 }))).map(([kernelSize, o, padding]) => draw({ inChannels, channels, groups, radix, kernelSize, ...o, padding: kernelSize % 2 ? padding : (padding ?? 1) }, n, inChannels, hw))
      // a non-empty output: H + 2p − d(k − 1) − 1 ≥ 0 along both axes; the inner width I divisible by groups
      .filter(({ options: o, dims }) => {
        const k = o.kernelSize as number, d = (o.dilation as number) ?? 1, p = (o.padding as number) ?? (d * (k - 1)) / 2;
        const inner = (o.reducedChannels as number) ?? Math.max(Math.floor((inChannels * radix) / ((o.reductionFactor as number) ?? 4)), 32);
        return Math.min(dims[2], dims[3]) + 2 * p - d * (k - 1) - 1 >= 0 && inner % groups === 0;
      });
  }),
  gsop: fc.tuple(N, C, HW, opt(fc.integer({ min: 1, max: 32 })), opt(fc.constantFrom(1, 2))).map(([n, c, hw, attDim, stride]) => draw({ channels: c, attDim, stride }, n, c, hw)),
  mscam: fusion(false),
  aff: fusion(false),
  iaff: fusion(true),
  shuffle_attention: fc.tuple(N, fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 4 }), HW).map(([n, groups, p, hw]) => draw({ channels: 2 * groups * p, groups }, n, 2 * groups * p, hw)),
  // H·W = 1 included: 0/0, NaN as PyTorch's
  simam: fc.tuple(N, C, HW, opt(fc.double({ min: 0, max: 1, noNaN: true })), fc.boolean()).map(([n, c, hw, eLambda, given]) => draw({ channels: given ? c : undefined, eLambda }, n, c, hw)),
  global_context: fc.tuple(N, fc.integer({ min: 2, max: 70 }), HW).chain(([n, c, hw]) => fc.record({
    ratio: opt(fc.constantFrom(1 / 16, 1 / 8, 1 / 4, 1 / 3, 1 / 2, 1).filter((r) => Math.floor(c * r) >= 1)),
    reducedChannels: opt(fc.integer({ min: 1, max: 16 })), poolingType: opt(fc.constantFrom("att", "avg")),
    fusionTypes: opt(fc.shuffledSubarray(["channel_add", "channel_mul"], { minLength: 1 })), layerNormEps: opt(fc.constantFrom(1e-5, 1e-6)),
  }).map((o) => draw({ channels: c, ...o, reducedChannels: o.reducedChannels ?? (o.ratio === undefined && c < 16 ? 1 : undefined) }, n, c, hw))),
  gather_excite: fc.tuple(N, C, HW).chain(([n, c, hw]) => fc.tuple(fc.constantFrom(0, 2, 4, 6, 8), fc.boolean(), fc.record({
    useMlp: opt(fc.boolean()), rdRatio: opt(fc.constantFrom(1 / 16, 1 / 4, 1 / 2)), reducedChannels: opt(fc.integer({ min: 1, max: 16 })), addMaxpool: opt(fc.boolean()),
  }), fc.tuple(fc.integer({ min: 1, max: hw[0] }), fc.integer({ min: 1, max: hw[1] }))).map(([extent, extraParams, o, featSize]) => draw({
    channels: c, extent, extraParams, ...o, addMaxpool: extraParams ? undefined : o.addMaxpool, featSize: extraParams && extent === 0 ? featSize : undefined,
  }, n, c, hw))),
  triplet_attention: fc.tuple(N, C, HW, opt(fc.boolean())).map(([n, c, hw, noSpatial]) => draw({ channels: c, noSpatial }, n, c, hw)),
  effective_se: fc.tuple(N, C, HW, opt(fc.boolean()), gate("hardsigmoid")).map(([n, c, hw, addMaxpool, g]) => draw({ channels: c, addMaxpool, ...g }, n, c, hw)),
};
