// The public `kernels` namespace: each function against a double-precision reference, its
// `out` handling, and its errors (nothing written on bad input; a call before ready() throws).

import test from "ava";
import { kernels, loadModule, moduleFlavour } from "../dist/index.js";
import { assertClose } from "./helpers/close.js";
import { referenceConv2d } from "./helpers/conv-reference.js";
import { values } from "./helpers/wasm.js";

const err = (type: typeof TypeError | typeof RangeError | typeof Error, pattern: RegExp) => ({ instanceOf: type, message: pattern });

test.serial("a kernel called before kernels.ready() says so", (t) => {
  t.throws(() => kernels.sigmoid(new Float32Array(3)), err(Error, /kernels\.sigmoid was called before the module was ready: await kernels\.ready\(\) once first/));
});

test.serial("ready() instantiates the module once: the kernels then run, and a second ready() keeps the same module", async (t) => {
  t.is(await kernels.ready(), undefined);
  t.not(moduleFlavour(), undefined, "the module is instantiated");
  const exports = await loadModule();
  t.deepEqual(Array.from(kernels.relu(new Float32Array([-1, 0.5, 2]))), [0, 0.5, 2]);
  await kernels.ready();
  t.is(await loadModule(), exports, "the same instance");
  t.deepEqual(Array.from(kernels.sigmoid(new Float32Array([0]))), [0.5]);
});

const dims: [number, number, number, number] = [3, 5, 7, 9];
const [N, C, H, W] = dims;
const x = values(N * C * H * W, 5);
const at = (n: number, c: number, i: number) => x[(n * C + c) * H * W + i];

test("globalPool: avg, max, lp and lse of every plane", (t) => {
  const want: Record<string, number[]> = { avg: [], max: [], lp: [], lse: [] };
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const p = Array.from({ length: H * W }, (_, i) => at(n, c, i));
      const m = Math.max(...p);
      want.avg.push(p.reduce((a, b) => a + b, 0) / p.length);
      want.max.push(m);
      want.lp.push(Math.sqrt(p.reduce((a, b) => a + b * b, 0)));
      want.lse.push(m + Math.log(p.reduce((a, b) => a + Math.exp(b - m), 0)));
    }
  }
  for (const pool of ["avg", "max", "lp", "lse"] as const) assertClose(t, kernels.globalPool(x, dims, pool), want[pool], { atol: 1e-6, rtol: 1e-6 }, pool);
  assertClose(t, kernels.globalPool(x, dims), want.avg, { atol: 1e-6, rtol: 1e-6 }, "default avg");
});

test("globalPool lse is stable for large values and follows logsumexp at ±Infinity and NaN", (t) => {
  const hw = 37;
  const big = new Float32Array(4 * hw);
  for (let i = 0; i < hw; i++) {
    big[i] = 500 + (i % 5);       // exp overflows float32 without the max shift
    big[hw + i] = -500 - (i % 3); // and underflows to 0
  }
  big.fill(-Infinity, 2 * hw, 3 * hw);
  big.fill(1, 3 * hw, 4 * hw);
  big[3 * hw + 4] = Infinity;
  const lse = (p: number[]) => { const m = Math.max(...p); return m + Math.log(p.reduce((a, b) => a + Math.exp(b - m), 0)); };
  const got = kernels.globalPool(big, [1, 4, 1, hw], "lse");
  assertClose(t, got.subarray(0, 2), [lse(Array.from(big.subarray(0, hw))), lse(Array.from(big.subarray(hw, 2 * hw)))], { atol: 0, rtol: 1e-6 }, "shifted");
  t.is(got[2], -Infinity);
  t.is(got[3], Infinity);
  big[5] = NaN;
  t.true(Number.isNaN(kernels.globalPool(big, [1, 4, 1, hw], "lse")[0]));
});

test("channelPool: mean and max over channels at every pixel", (t) => {
  const avg: number[] = [], max: number[] = [];
  for (let n = 0; n < N; n++) {
    for (let i = 0; i < H * W; i++) {
      const v = Array.from({ length: C }, (_, c) => at(n, c, i));
      avg.push(v.reduce((a, b) => a + b, 0) / C);
      max.push(Math.max(...v));
    }
  }
  assertClose(t, kernels.channelPool(x, dims, "avg"), avg, { atol: 1e-6, rtol: 1e-6 }, "avg");
  t.deepEqual(Array.from(kernels.channelPool(x, dims, "max")), max.map(Math.fround));
});

test("conv2d: stride, padding, dilation and groups as numbers or pairs, with and without bias and relu", (t) => {
  const specs = [
    { cout: 4, kh: 3, kw: 3, stride: 1, padding: 1, dilation: 1, groups: 1, bias: true, relu: false },
    { cout: 6, kh: 3, kw: 5, stride: [2, 1], padding: [1, 2], dilation: [1, 2], groups: 1, bias: false, relu: true },
    { cout: 10, kh: 3, kw: 3, stride: 2, padding: 2, dilation: 2, groups: 5, bias: true, relu: true },
    { cout: 3, kh: 1, kw: 1, stride: 1, padding: 0, dilation: 1, groups: 1, bias: false, relu: false },
  ] as const;
  for (const s of specs) {
    const pairOf = (v: number | readonly [number, number]) => (typeof v === "number" ? [v, v] : v);
    const [sh, sw] = pairOf(s.stride), [ph, pw] = pairOf(s.padding), [dh, dw] = pairOf(s.dilation);
    const weight = values(s.cout * (C / s.groups) * s.kh * s.kw, s.cout).map((v) => v / 4);
    const bias = s.bias ? values(s.cout, 3) : undefined;
    const params = { weight, weightShape: [s.cout, C / s.groups, s.kh, s.kw] as [number, number, number, number], bias, stride: s.stride, padding: s.padding, dilation: s.dilation, groups: s.groups, relu: s.relu };
    const ref = referenceConv2d({ n: N, cin: C, h: H, w: W, cout: s.cout, kh: s.kh, kw: s.kw, sh, sw, dh, dw, ph, pw, groups: s.groups, bias: s.bias, relu: s.relu, pre: false }, x, weight, bias ?? null);
    const y = kernels.conv2d(x, dims, params);
    t.deepEqual(kernels.conv2dOutputDims(dims, params), [N, s.cout, ref.oh, ref.ow]);
    assertClose(t, y, ref.y, { atol: 1e-6, rtol: 1e-5 }, JSON.stringify(s));
  }
});

test("conv1x1 and linear", (t) => {
  const weight = values(4 * C, 9), bias = values(4, 10);
  const conv = referenceConv2d({ n: N, cin: C, h: H, w: W, cout: 4, kh: 1, kw: 1, sh: 1, sw: 1, dh: 1, dw: 1, ph: 0, pw: 0, groups: 1, bias: true, relu: false, pre: false }, x, weight, bias);
  assertClose(t, kernels.conv1x1(x, dims, { weight, bias }), conv.y, { atol: 1e-6, rtol: 1e-5 }, "conv1x1");
  const rows = 3, inF = 7, outF = 5;
  const a = values(rows * inF, 1), w = values(outF * inF, 2), b = values(outF, 3);
  const want: number[] = [];
  for (let r = 0; r < rows; r++) for (let o = 0; o < outF; o++) want.push(b[o] + Array.from({ length: inF }, (_, i) => w[o * inF + i] * a[r * inF + i]).reduce((p, q) => p + q, 0));
  assertClose(t, kernels.linear(a, [rows, inF], { weight: w, bias: b }), want, { atol: 1e-6, rtol: 1e-5 }, "linear");
  assertClose(t, kernels.linear(a, [rows, inF], { weight: w }), want.map((v, i) => v - b[i % outF]), { atol: 1e-6, rtol: 1e-5 }, "linear without bias");
});

test("the gates and activations", (t) => {
  const v = values(103, 4).map((u) => u * 4);
  const sig = (u: number) => 1 / (1 + Math.exp(-u));
  assertClose(t, kernels.sigmoid(v), Array.from(v, sig), { atol: 1e-7, rtol: 1e-6 }, "sigmoid");
  t.deepEqual(Array.from(kernels.relu(v)), Array.from(v, (u) => Math.max(u, 0)), "relu");
  assertClose(t, kernels.silu(v), Array.from(v, (u) => u * sig(u)), { atol: 1e-7, rtol: 1e-6 }, "silu");
  assertClose(t, kernels.hardSwish(v), Array.from(v, (u) => (u * Math.min(Math.max(u + 3, 0), 6)) / 6), { atol: 1e-7, rtol: 1e-6 }, "hardSwish");
  assertClose(t, kernels.hardSigmoid(v), Array.from(v, (u) => Math.min(Math.max(u / 6 + 0.5, 0), 1)), { atol: 1e-7, rtol: 1e-6 }, "hardSigmoid (PyTorch)");
  assertClose(t, kernels.hardSigmoid(v, { alpha: 0.2, beta: 0.5 }), Array.from(v, (u) => Math.min(Math.max(0.2 * u + 0.5, 0), 1)), { atol: 1e-7, rtol: 1e-6 }, "hardSigmoid (ONNX)");
  t.is(kernels.sigmoid(new Float32Array(0)).length, 0);
});

test("scaleChannels and scaleSpatial", (t) => {
  const s = values(N * C, 6), q = values(N * H * W, 7);
  const byChannel: number[] = [], byPixel: number[] = [];
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      for (let i = 0; i < H * W; i++) {
        byChannel.push(Math.fround(at(n, c, i) * s[n * C + c]));
        byPixel.push(Math.fround(at(n, c, i) * q[n * H * W + i]));
      }
    }
  }
  t.deepEqual(Array.from(kernels.scaleChannels(x, dims, s)), byChannel);
  t.deepEqual(Array.from(kernels.scaleSpatial(x, dims, q)), byPixel);
});

test("out: written and returned, may be the input, must have the result's length", (t) => {
  const v = values(21, 8);
  const out = new Float32Array(21);
  t.is(kernels.relu(v, out), out);
  t.deepEqual(out, kernels.relu(v));
  const inPlace = v.slice();
  t.is(kernels.sigmoid(inPlace, inPlace), inPlace);
  t.deepEqual(inPlace, kernels.sigmoid(v));
  const short = new Float32Array(N * C - 1).fill(7);
  t.throws(() => kernels.globalPool(x, dims, "avg", short), err(RangeError, new RegExp(`kernels\\.globalPool: out has ${N * C - 1} elements, but the result \\[${N}, ${C}\\] has ${N * C}`)));
  t.true(short.every((u) => u === 7), "out untouched");
  t.throws(() => kernels.relu(v, new Float64Array(21) as never), err(TypeError, /kernels\.relu: out must be a Float32Array, got Float64Array/));
});

test("bad input names what was expected and writes nothing", (t) => {
  const weight = new Float32Array(4 * C * 9);
  const conv = { weight, weightShape: [4, C, 3, 3] as [number, number, number, number] };
  const out = new Float32Array(N * 4 * (H - 2) * (W - 2)).fill(7);
  const cases: Array<[string, () => unknown, ReturnType<typeof err>]> = [
    ["x length", () => kernels.conv2d(x.subarray(1), dims, conv, out), err(RangeError, /the input has \d+ elements, but dims \[3, 5, 7, 9\] need/)],
    ["dims", () => kernels.conv2d(x, [N, C, H], conv, out), err(TypeError, /dims must be an array \[N, C, H, W\] of length 4/)],
    ["weight length", () => kernels.conv2d(x, dims, { ...conv, weight: weight.subarray(1) }, out), err(RangeError, /kernels\.conv2d: weight must have 180 elements \(weightShape \[4, 5, 3, 3\]\), got 179/)],
    ["weight type", () => kernels.conv2d(x, dims, { ...conv, weight: new Float64Array(180) as never }, out), err(TypeError, /weight must be a Float32Array, got Float64Array/)],
    ["C mismatch", () => kernels.conv2d(x, [N, C, H, W], { weight: new Float32Array(4 * 4 * 9), weightShape: [4, 4, 3, 3] }, out), err(RangeError, /the input has C = 5, but weightShape \[4, 4, 3, 3\] with groups 1 needs C = 4/)],
    ["groups", () => kernels.conv2d(x, dims, { weight: new Float32Array(3 * 9), weightShape: [3, 1, 3, 3], groups: 5 }, out), err(RangeError, /O = 3 is not a multiple of groups 5/)],
    ["bias length", () => kernels.conv2d(x, dims, { ...conv, bias: new Float32Array(3) }, out), err(RangeError, /bias must have 4 elements/)],
    ["negative padding", () => kernels.conv2d(x, dims, { ...conv, padding: -1 }, out), err(RangeError, /padding must be a non-negative integer, got number -1/)],
    ["zero stride", () => kernels.conv2d(x, dims, { ...conv, stride: [1, 0] }, out), err(RangeError, /stride\[1\] must be a positive integer, got number 0/)],
    ["stride triple", () => kernels.conv2d(x, dims, { ...conv, stride: [1, 1, 1] as never }, out), err(TypeError, /stride must be a number or a pair \[h, w\]/)],
    ["kernel too large", () => kernels.conv2d(x, dims, { ...conv, dilation: 4 }, out), err(RangeError, /is smaller than the dilated kernel \[9, 9\]/)],
    ["huge result", () => kernels.conv2d(x, dims, { ...conv, padding: 20000 }, out), err(RangeError, /the result \[3, 4, 40005, 40007\] has more than \d+ elements/)],
    ["relu not boolean", () => kernels.conv2d(x, dims, { ...conv, relu: 1 as never }, out), err(TypeError, /relu must be true or false/)],
    ["pool name", () => kernels.globalPool(x, dims, "mean" as never), err(RangeError, /pool must be one of 'avg', 'max', 'lp', 'lse', got string mean/)],
    ["channel pool name", () => kernels.channelPool(x, dims, "lp" as never), err(RangeError, /pool must be one of 'avg', 'max', got string lp/)],
    ["scale length", () => kernels.scaleChannels(x, dims, new Float32Array(N * C + 1)), err(RangeError, /kernels\.scaleChannels: s must have 15 elements \(\[3, 5\]\), got 16/)],
    ["map length", () => kernels.scaleSpatial(x, dims, new Float32Array(H * W)), err(RangeError, /kernels\.scaleSpatial: q must have 189 elements/)],
    ["hardSigmoid options", () => kernels.hardSigmoid(x, { slope: 1 } as never), err(TypeError, /kernels\.hardSigmoid has no option 'slope'/)],
    ["hardSigmoid alpha", () => kernels.hardSigmoid(x, { alpha: Infinity }), err(RangeError, /alpha must be a finite number/)],
    ["activation input", () => kernels.silu([1, 2] as never), err(TypeError, /kernels\.silu: x must be a Float32Array, got Array/)],
    ["linear weight", () => kernels.linear(new Float32Array(6), [2, 3], { weight: new Float32Array(7) }), err(RangeError, /kernels\.linear: weight must be \[O, 3\], got 7 floats/)],
    ["conv1x1 weight", () => kernels.conv1x1(x, dims, { weight: new Float32Array(7) }), err(RangeError, /kernels\.conv1x1: weight must be \[O, 5\]/)],
  ];
  for (const [what, f, expectation] of cases) t.throws(f, expectation, what);
  t.true(out.every((u) => u === 7), "out untouched");
  t.deepEqual(kernels.conv2d(x, dims, conv, out), out, "still works after the errors");
});
