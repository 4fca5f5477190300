// NaN, ±Inf and ±3e38 through the public kernels as PyTorch (SPEC §5), against torch itself
// (/usr/bin/python3, tests/helpers/torch_nan_inf.py) at test time: the gates and activations on
// special values and on the sweep where e^−x overflows (σ(x) is exactly 0 from x ≤ −88.7228394
// in PyTorch, so x·σ(x) is NaN at −∞ and −0 at −3e38), the global and channel pools and triplet
// attention's ZPools (NCHW and NHWC) on planes that hold them (in the SIMD body and in the scalar
// tail), and the k×k convolution with a NaN or ±Inf weight at every tap (only the pixels where that
// tap lands inside the image change, as PyTorch's mkldnn convolution), cross-checked with a double
// reference that skips padded taps.
// The blocks' NaN/Inf goldens (tests/golden/*/poison_*) run in tests/golden.test.ts.

import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import test from "ava";
import { kernels } from "../dist/index.js";
import { foldBatchNormExact } from "../dist/batchnorm.js";
import { assertClose, SPEC_TOLERANCE } from "./helpers/close.js";
import { type Conv, referenceConv2d } from "./helpers/conv-reference.js";
import { goldenInput } from "./golden/prng.js";
import { wasm, withArena } from "./helpers/wasm.js";

const PYTHON = "/usr/bin/python3";
const hasTorch = spawnSync(PYTHON, ["-c", "import torch"]).status === 0;
const torchTest = hasTorch ? test : test.skip;
if (!hasTorch) console.log(`nan-inf: the torch comparisons skipped, ${PYTHON} cannot import torch (apt-get install python3-torch)`);
if (!hasTorch && process.env.CI) test("PyTorch is installed (CI)", (t) => t.fail(`${PYTHON} cannot import torch: apt-get install -y python3-torch`));

test.before(() => kernels.ready());

const b64 = (a: Float32Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("base64");
const f32 = (s: string): Float32Array => {
  const b = Buffer.from(s, "base64");
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};

/** PyTorch's answers to `request` (see torch_nan_inf.py). */
function torch(request: unknown): any {
  const script = fileURLToPath(new URL("./helpers/torch_nan_inf.py", import.meta.url));
  const run = spawnSync(PYTHON, [script], { input: JSON.stringify(request), encoding: "utf8", maxBuffer: 1 << 28 });
  if (run.status !== 0) throw new Error(`${script} failed: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

const SPECIALS = [NaN, Infinity, -Infinity, 3e38, -3e38, 0, -0, 1e-45, -1e-45, 1.17549435e-38, 3.4028234663852886e38, -3.4028234663852886e38];

/** `count` consecutive float32 values from `from` upwards (by bit pattern; `from` negative: towards −∞). */
function floatsFrom(from: number, count: number): number[] {
  const bits = new Uint32Array(new Float32Array([from]).buffer)[0];
  const u = new Uint32Array(count).map((_, i) => bits + i);
  return Array.from(new Float32Array(u.buffer));
}

// x around where e^−x overflows (σ = 0 from −88.7228394 down) and where e^x leaves the normal floats (−87.3365)
const UNARY_X = Float32Array.from([
  ...SPECIALS, ...floatsFrom(-88.72283935546875, 64), ...floatsFrom(-88.7228317, 64), ...floatsFrom(-87.33654, 64),
  -90, -100, -103.97, -104, -200, 88, 88.7228, 89, 100, ...Array.from(goldenInput(7, 97), (v) => v * 40),
]);

torchTest("the gates and activations on NaN, ±Inf, ±3e38 and where e^−x overflows: as PyTorch (σ exactly 0 where torch's is)", (t) => {
  const want = fromTorch().unary;
  const got: Record<string, Float32Array> = {
    sigmoid: kernels.sigmoid(UNARY_X),
    silu: kernels.silu(UNARY_X),
    hardsigmoid: kernels.hardSigmoid(UNARY_X),
    hardsigmoid_onnx: kernels.hardSigmoid(UNARY_X, { alpha: 0.2, beta: 0.5 }),
    hardswish: kernels.hardSwish(UNARY_X),
    relu: kernels.relu(UNARY_X),
  };
  for (const [op, y] of Object.entries(got)) {
    const expected = f32(want[op]);
    assertClose(t, y, expected, SPEC_TOLERANCE, op);
    const zeroes = (a: Float32Array) => Array.from(a, (v) => v === 0);
    t.deepEqual(zeroes(y), zeroes(expected), `${op}: exactly 0 where PyTorch's is`);
  }
  // the issue's cases (PyTorch 1.13): σ(−3e38) = 0 (not 1.6e−38), silu(−∞) = NaN, silu(−3e38) = −0
  const issue = Float32Array.from([-3e38, -Infinity]);
  t.deepEqual(Array.from(kernels.sigmoid(issue)), [0, 0]);
  t.deepEqual(Array.from(kernels.silu(issue)), [-0, NaN]);
});

/** Planes of hw floats, each holding a different mix of specials (in the SIMD body and in the scalar tail). */
function specialPlanes(c: number, hw: number): Float32Array {
  const x = goldenInput(hw * 31 + c, c * hw);
  const mixes: number[][] = [[], [NaN], [Infinity], [-Infinity], [3e38], [-3e38], [Infinity, -Infinity], [3e38, 3e38], [NaN, Infinity], [-Infinity, -3e38]];
  for (let p = 0; p < c; p++) {
    const mix = mixes[p % mixes.length];
    mix.forEach((v, k) => { x[p * hw + ((p * 7 + k * 5 + (p >> 2)) % hw)] = v; });
    if (p % mixes.length === 0 && p > 0) x.fill(-Infinity, p * hw, (p + 1) * hw); // a plane of −∞ only
  }
  return x;
}

// [21, 19, 3]: triplet attention's NHWC pool over two bands of 16 rows, C in four-vector blocks and a partial vector
const POOL_SHAPES = [[23, 1, 1], [23, 1, 3], [23, 2, 2], [23, 1, 5], [23, 4, 4], [23, 1, 17], [23, 5, 7], [12, 9, 13], [21, 19, 3]];

torchTest("global and channel pools over planes holding NaN, ±Inf, ±3e38: as PyTorch (mean, amax, √Σx², logsumexp)", (t) => {
  POOL_SHAPES.forEach(([c, h, w], i) => {
    const dims = [1, c, h, w];
    const x = specialPlanes(c, h * w);
    const want = fromTorch().pool[i];
    for (const pool of ["avg", "max", "lp", "lse"] as const) assertClose(t, kernels.globalPool(x, dims, pool), f32(want[pool]), SPEC_TOLERANCE, `globalPool ${pool} ${dims}`);
    assertClose(t, kernels.channelPool(x, dims, "avg"), f32(want.cavg), SPEC_TOLERANCE, `channelPool avg ${dims}`);
    assertClose(t, kernels.channelPool(x, dims, "max"), f32(want.cmax), SPEC_TOLERANCE, `channelPool max ${dims}`);
  });
});

torchTest("triplet attention's ZPools (max and mean over H, over W, over C) over planes holding NaN, ±Inf, ±3e38: as PyTorch, NCHW and NHWC", (t) => {
  POOL_SHAPES.forEach(([c, h, w], i) => {
    const x = specialPlanes(c, h * w), want = fromTorch().pool[i], what = `[1, ${c}, ${h}, ${w}]`;
    // PyTorch's [c][h] over W as the NHWC kernel's [h][c]
    const hc = (v: Float32Array) => Float32Array.from({ length: h * c }, (_, k) => v[(k % c) * h + Math.floor(k / c)]);
    withArena((a) => {
      const colMax = a.fresh(c * w), colMean = a.fresh(c * w), rowMax = a.fresh(c * h), rowMean = a.fresh(c * h);
      wasm.f32_rcpool_cw(a.put(x), c, h, w, colMax, colMean, rowMax, rowMean);
      assertClose(t, a.read(colMax, c * w), f32(want.hmax), SPEC_TOLERANCE, `f32_rcpool_cw max over H ${what}`);
      assertClose(t, a.read(colMean, c * w), f32(want.hmean), SPEC_TOLERANCE, `f32_rcpool_cw mean over H ${what}`);
      assertClose(t, a.read(rowMax, c * h), f32(want.wmax), SPEC_TOLERANCE, `f32_rcpool_cw max over W ${what}`);
      assertClose(t, a.read(rowMean, c * h), f32(want.wmean), SPEC_TOLERANCE, `f32_rcpool_cw mean over W ${what}`);
      const nhwc = Float32Array.from({ length: c * h * w }, (_, k) => x[(k % c) * h * w + Math.floor(k / c)]);
      const cw = a.fresh(2 * c * w), hcMaps = a.fresh(2 * h * c), hw = a.fresh(2 * h * w);
      wasm.f32_triplet_pool_nhwc(a.put(nhwc), c, h, w, cw, hcMaps, hw, a.fresh(Math.ceil(h / 16) * 2 * w * ((c + 3) & ~3) + 8 * w));
      const maps = (p: number, n: number) => a.read(p, 2 * n);
      assertClose(t, maps(cw, c * w).subarray(0, c * w), f32(want.hmax), SPEC_TOLERANCE, `f32_triplet_pool_nhwc max over H ${what}`);
      assertClose(t, maps(cw, c * w).subarray(c * w), f32(want.hmean), SPEC_TOLERANCE, `f32_triplet_pool_nhwc mean over H ${what}`);
      assertClose(t, maps(hcMaps, h * c).subarray(0, h * c), hc(f32(want.wmax)), SPEC_TOLERANCE, `f32_triplet_pool_nhwc max over W ${what}`);
      assertClose(t, maps(hcMaps, h * c).subarray(h * c), hc(f32(want.wmean)), SPEC_TOLERANCE, `f32_triplet_pool_nhwc mean over W ${what}`);
      assertClose(t, maps(hw, h * w).subarray(0, h * w), f32(want.cmax), SPEC_TOLERANCE, `f32_triplet_pool_nhwc max over C ${what}`);
      assertClose(t, maps(hw, h * w).subarray(h * w), f32(want.cavg), SPEC_TOLERANCE, `f32_triplet_pool_nhwc mean over C ${what}`);
    });
  });
});

// k×k geometries: padding, dilation, stride, groups, rectangular kernels and outputs around the 8- and 4-pixel tiles.
// PyTorch 1.13's CPU convolution skips the padding taps only in mkldnn's direct convolution, which
// these take (a batch of 2; groups 1, depthwise, or 16 channels per group in and out). Its im2col paths
// (a single small image with a 3×3 or 1-wide kernel; groups of a few channels, e.g. 2) multiply
// the padded zeros by every weight: a NaN or ±Inf weight there makes every pixel NaN. excite
// skips the padding taps everywhere.
const CONVS: Required<Conv>[] = [
  { n: 2, cin: 3, h: 7, w: 9, cout: 5, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, ph: 1, pw: 1, groups: 1, bias: true, relu: false, pre: false },
  { n: 2, cin: 2, h: 9, w: 11, cout: 1, kh: 7, kw: 7, sh: 1, sw: 1, dh: 1, dw: 1, ph: 3, pw: 3, groups: 1, bias: false, relu: false, pre: false },
  { n: 2, cin: 4, h: 9, w: 7, cout: 4, kh: 3, kw: 3, sh: 1, sw: 1, dh: 2, dw: 2, ph: 2, pw: 2, groups: 1, bias: true, relu: true, pre: false },
  { n: 2, cin: 32, h: 10, w: 9, cout: 32, kh: 3, kw: 5, sh: 2, sw: 2, dh: 1, dw: 1, ph: 1, pw: 2, groups: 2, bias: false, relu: false, pre: false },
  { n: 2, cin: 6, h: 5, w: 19, cout: 6, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, ph: 1, pw: 1, groups: 6, bias: true, relu: false, pre: false },
];

const convParams = (c: Required<Conv>, weight: Float32Array, bias: Float32Array | undefined) => ({
  weight, weightShape: [c.cout, c.cin / c.groups, c.kh, c.kw] as [number, number, number, number], bias,
  stride: [c.sh, c.sw] as [number, number], padding: [c.ph, c.pw] as [number, number], dilation: [c.dh, c.dw] as [number, number], groups: c.groups, relu: c.relu,
});

test("conv2d with a NaN or ±Inf weight at any tap: only the pixels where that tap lands inside the image change (double reference)", (t) => {
  let checked = 0;
  for (const c of CONVS) {
    const kdim = (c.cin / c.groups) * c.kh * c.kw;
    const x = goldenInput(c.h * 13 + c.w, c.n * c.cin * c.h * c.w);
    const clean = goldenInput(kdim + c.cout, c.cout * kdim).map((v) => v / Math.sqrt(kdim));
    const bias = c.bias ? goldenInput(5, c.cout) : undefined;
    // every tap of output channel 0 and of the last output channel, each value in turn
    for (const co of [0, c.cout - 1]) {
      for (let k = 0; k < kdim; k++) {
        const value = [NaN, Infinity, -Infinity][(k + co) % 3];
        const wt = clean.slice();
        wt[co * kdim + k] = value;
        const ref = referenceConv2d(c, x, wt, bias ?? null);
        const got = kernels.conv2d(x, [c.n, c.cin, c.h, c.w], convParams(c, wt, bias));
        assertClose(t, got, Float32Array.from(ref.y), { atol: 1e-6, rtol: 2e-5, scale: ref.mag }, `${JSON.stringify(c)}: weight [${co}, ${k}] = ${value}`);
        checked++;
      }
    }
  }
  t.log(`${checked} convolutions, each with one non-finite weight`);
});

/** The convolutions of the torch comparison: NaN, ±Inf and ±3e38 in weights and inputs. */
function poisonedConvs() {
  return CONVS.map((c, i) => {
    const kdim = (c.cin / c.groups) * c.kh * c.kw;
    const x = goldenInput(c.h * 13 + c.w, c.n * c.cin * c.h * c.w);
    const wt = goldenInput(kdim + c.cout, c.cout * kdim).map((v) => v / Math.sqrt(kdim));
    // a corner tap, a middle tap and the last tap; NaN, ±Inf and ±3e38 in x (image 1) at a border and inside
    wt[0] = [NaN, Infinity, -Infinity, 3e38, -3e38][i % 5];
    wt[(kdim >> 1) + kdim * (c.cout >> 1)] = [3e38, NaN, -3e38, Infinity, -Infinity][i % 5];
    wt[wt.length - 1] = [-Infinity, -3e38, NaN, 3e38, Infinity][i % 5];
    const image = c.cin * c.h * c.w;
    x[image] = NaN;
    x[image + c.h * c.w + c.w * (c.h >> 1) + (c.w >> 1)] = 3e38;
    x[2 * image - 1] = -Infinity;
    return { c, x, wt };
  });
}

torchTest("conv2d with NaN, ±Inf and ±3e38 weights and inputs: as PyTorch", (t) => {
  const want = fromTorch().conv;
  poisonedConvs().forEach(({ c, x, wt }, i) => {
    const got = kernels.conv2d(x, [c.n, c.cin, c.h, c.w], { ...convParams(c, wt, undefined), relu: false });
    assertClose(t, got, f32(want[i]), SPEC_TOLERANCE, `${JSON.stringify(c)}`);
  });
});

// LayerNorm rows across PyTorch's 8-float vectors, chunks of 16 and their merge levels, holding NaN, ±Inf,
// ±3e38 or values whose mean or squares overflow float32: its float32 moments are NaN or +∞ there, and
// its LayerNorm NaN or β (f32-rowmoments.ts); finite rows as well, where excite's double statistics serve.
const LN_SIZES = [1, 2, 5, 7, 8, 9, 16, 17, 127, 128, 129, 255, 256, 257, 384, 513, 1025, 2049];
function layerNormRows(): Array<{ x: Float32Array; gamma: Float32Array; beta: Float32Array; eps: number }> {
  const rows: Array<{ x: Float32Array; gamma: Float32Array; beta: Float32Array; eps: number }> = [];
  LN_SIZES.forEach((n, i) => {
    const mixes: Array<(x: Float32Array) => void> = [
      (x) => { x[(i * 7) % n] = NaN; },
      (x) => { x[n - 1] = Infinity; },
      (x) => { x[n >> 1] = 3e38; },
      (x) => { x[0] = 3e38; x[n - 1] = -3e38; },
      (x) => { x.fill(2e19); },                              // constant: variance 0 exactly, mean² overflows
      (x) => { for (let k = 0; k < n; k++) x[k] *= 1e19; },  // mean and squares around float32's limits
      (x) => { x[n - 1] = 1e20; },                           // a large value in the scalar tail
      (x) => { for (let k = 0; k < n; k += 9) x[k] = -1e25; },
      () => {},                                              // finite: the double path
    ];
    mixes.forEach((mix, k) => {
      // one finite value: PyTorch's x·rstd − rstd·mean leaves its multiply-add's residue where the exact LayerNorm is β
      if (n === 1 && (k === 5 || k === mixes.length - 1)) return;
      const x = goldenInput(n * 17 + k, n);
      mix(x);
      const gamma = goldenInput(n + k, n).map((v) => 1 + v * 0.5), beta = goldenInput(n + k + 1, n).map((v) => v * 0.2);
      if (k === 2) gamma[0] = Infinity;
      rows.push({ x, gamma, beta, eps: k % 2 ? 1e-6 : 1e-5 });
    });
  });
  return rows;
}

torchTest("LayerNorm over rows holding NaN, ±Inf, ±3e38 or values whose mean or squares overflow: as PyTorch's (its float32 moments)", (t) => {
  const want = fromTorch().layernorm;
  layerNormRows().forEach(({ x, gamma, beta, eps }, i) => {
    const n = x.length;
    const got = withArena((a) => {
      const y = a.fresh(n), scratch = a.fresh(20 * 32);
      wasm.f32_layernorm(a.put(x), n, a.put(gamma), a.put(beta), eps, scratch, y);
      return a.read(y, n);
    });
    assertClose(t, got, f32(want[i]), SPEC_TOLERANCE, `row ${i}: n=${n}`);
  });
});

let answers: any;
/** PyTorch's answers to every comparison of this file, from one run of torch (its import is the slow part). */
function fromTorch(): any {
  answers ??= torch({
    unary: b64(UNARY_X),
    pool: POOL_SHAPES.map(([c, h, w]) => ({ x: b64(specialPlanes(c, h * w)), dims: [1, c, h, w] })),
    conv: poisonedConvs().map(({ c, x, wt }) => ({ x: b64(x), dims: [c.n, c.cin, c.h, c.w], weight: b64(wt), shape: [c.cout, c.cin / c.groups, c.kh, c.kw], stride: [c.sh, c.sw], padding: [c.ph, c.pw], dilation: [c.dh, c.dw], groups: c.groups })),
    layernorm: layerNormRows().map(({ x, gamma, beta, eps }) => ({ x: b64(x), gamma: b64(gamma), beta: b64(beta), eps })),
  });
  return answers;
}

test("foldBatchNormExact folds ordinary batch norms, and keeps the affine apart where folding is not exact", (t) => {
  const bn = (weight: number[], running_var = weight.map(() => 1)) => ({
    "bn.weight": Float32Array.from(weight), "bn.bias": Float32Array.from(weight, () => 0.5),
    "bn.running_mean": Float32Array.from(weight, () => 0.25), "bn.running_var": Float32Array.from(running_var),
  });
  const w = Float32Array.from([1, -2, 0.5, 3]); // [2 channels, 2 inputs]
  const folded = foldBatchNormExact(w, undefined, bn([2, 1]), "bn.");
  t.is(folded.after, undefined);
  t.deepEqual(Array.from(folded.weight), Array.from(w, (v, i) => Math.fround(v * (i < 2 ? 2 : 1) / Math.sqrt(1 + 1e-5))));
  // a NaN weight under a finite scale folds (it stays NaN)
  t.is(foldBatchNormExact(Float32Array.from([NaN, 1, 2, 3]), undefined, bn([2, 1]), "bn.").after, undefined);
  for (const [what, weights, params] of [
    ["an infinite scale", w, bn([Infinity, 1])],
    ["a NaN scale", w, bn([NaN, 1])],
    ["a negative variance", w, bn([1, 1], [1, -2])],
    ["a scale that overflows the weights", w, bn([3e38, 1])],
    ["a huge weight", Float32Array.from([3e38, 1, 2, 3]), bn([0.5, 1])],
  ] as const) {
    const f = foldBatchNormExact(weights, undefined, params, "bn.");
    t.not(f.after, undefined, `${what}: not folded`);
    t.is(f.weight, weights, `${what}: the layer's own weights`);
    t.deepEqual(Array.from(f.bias), [0, 0], `${what}: bias 0`);
  }
});
