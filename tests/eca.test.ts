// ECA's own options (the adaptive kernel size, circular padding, bad values name the option and
// what was expected) and its kernel, f32_conv1d, against a double-precision reference at row
// lengths below, at and above its 4-wide vectors and kernel sizes larger than the row; NHWC's output
// pass f32_vscale_channel_nwc (also effective SE's) at channel counts below, at and above 4 and 16.

import test from "ava";
import { createECA, ecaKernelSize } from "../dist/index.js";
import { err, smallestGolden } from "./helpers/bad-input.js";
import { goldenCases, readGolden } from "./helpers/golden.js";
import { Arena, values, wasm, written } from "./helpers/wasm.js";

/** y[r, i] = Σ_j w[j]·x[r, i − p + j] in double, zeros or wrapped outside the row, and Σ_j |w[j]·x[…]| (the terms' magnitude). */
function conv1dReference(x: Float32Array, rows: number, len: number, w: Float32Array, circular: boolean): { y: number[]; scale: number[] } {
  const k = w.length, p = (k - 1) / 2, y: number[] = [], scale: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < len; i++) {
      let acc = 0, mag = 0;
      for (let j = 0; j < k; j++) {
        let m = i - p + j;
        if (circular) m = ((m % len) + len) % len;
        if (m >= 0 && m < len) {
          acc += w[j] * x[r * len + m];
          mag += Math.abs(w[j] * x[r * len + m]);
        }
      }
      y.push(acc);
      scale.push(mag);
    }
  }
  return { y, scale };
}

test("f32_conv1d: zero and circular padding, every length and kernel size", (t) => {
  let checked = 0;
  for (const len of [1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 16, 17, 20, 31, 64, 67]) {
    for (const k of [1, 3, 5, 7, 9, 15]) {
      for (const circular of [false, true]) {
        if (circular && (k - 1) / 2 > len) continue; // PyTorch's circular pad wraps at most once
        const a = new Arena();
        try {
          const rows = 3;
          const x = values(rows * len, len * 31 + k), w = values(k, k + 100);
          const y = a.fresh(rows * len);
          wasm.f32_conv1d(a.put(x), rows, len, a.put(w), k, circular, y);
          const what = `len ${len} k ${k} ${circular ? "circular" : "zeros"}`;
          t.deepEqual(a.unwritten(y, rows * len), [], `${what}: unwritten`);
          t.true(a.guardIntact(y, rows * len), `${what}: wrote past the end`);
          const got = a.read(y, rows * len), want = conv1dReference(x, rows, len, w, circular);
          // a float32 sum of k products: within k rounding errors of the terms' magnitude
          const bad = want.y.findIndex((v, i) => !(Math.abs(got[i] - v) <= k * 2 ** -23 * want.scale[i]));
          t.is(bad, -1, `${what}: element ${bad} is ${got[bad]}, expected ${want.y[bad]}`);
          checked++;
        } finally {
          a.free();
        }
      }
    }
  }
  t.log(`${checked} shapes`);
});

test("kernelSize 'adaptive' is timm's rule: k = 3 up to C = 127, 5 from 128, 7 from 2048", (t) => {
  const table: Array<[number, number]> = [[1, 3], [6, 3], [64, 3], [127, 3], [128, 5], [256, 5], [2047, 5], [2048, 7], [32767, 7], [32768, 9]];
  for (const [c, k] of table) t.is(ecaKernelSize(c), k, `C = ${c}`);
  t.is(ecaKernelSize(20, 1, 0), 5, "t = ⌊log2 20⌋ = 4 → 5");
  t.is(ecaKernelSize(20, 1, -10), 5, "t = ⌊|log2 20 − 10|⌋ = 5");
  t.is(ecaKernelSize(64, 1, 0), 7, "t = 6 → 7");
  // every adaptive golden's weight has the length the rule gives (PyTorch made them with timm's rule)
  for (const file of goldenCases("eca")) {
    const g = readGolden("eca", file);
    const o = g.options as { channels: number; kernelSize?: unknown; gamma?: number; beta?: number };
    if (o.kernelSize !== "adaptive") continue;
    t.is(createECA.weightSpecs(o as never)[0].shape[2], g.weights["conv.weight"].length, file);
    t.is(ecaKernelSize(o.channels, o.gamma, o.beta), g.weights["conv.weight"].length, file);
  }
});

test("circular padding wraps the channel index; zeros padding does not", async (t) => {
  // C = 5, k = 3, w = [1, 0, 0]: z[c] = g[c − 1], so z[0] = g[4] (circular) or 0 (zeros)
  const c = 5, x = new Float32Array([1, 2, 3, 4, 5].flatMap((v) => [v, v])); // [1, 5, 1, 2]
  const w = { "conv.weight": new Float32Array([1, 0, 0]) };
  const sigma = (z: number) => 1 / (1 + Math.exp(-z));
  for (const [padding, first] of [["circular", 5], ["zeros", 0]] as const) {
    const eca = await createECA({ channels: c, padding }, w);
    const y = eca.run(x, [1, c, 1, 2]);
    t.true(Math.abs(y[0] - 1 * sigma(first)) < 1e-6, `${padding}: channel 0 gated by σ(${first}), got ${y[0]}`);
    t.true(Math.abs(y[4] - 3 * sigma(2)) < 1e-6, `${padding}: channel 2 gated by σ(g[1])`);
    eca.dispose();
  }
});

test("bad options name the option and the values expected", async (t) => {
  const g = smallestGolden("eca");
  const o = g.options, w = g.weights;
  const bad: Array<[Record<string, unknown>, ReturnType<typeof err>]> = [
    [{ kernelSize: 4 }, err(RangeError, /ECA option kernelSize must be an odd positive integer or 'adaptive', got number 4/)],
    [{ kernelSize: 0 }, err(RangeError, /kernelSize must be an odd positive integer or 'adaptive', got number 0/)],
    [{ kernelSize: -3 }, err(RangeError, /kernelSize must be an odd positive integer or 'adaptive', got number -3/)],
    [{ kernelSize: 2.5 }, err(RangeError, /kernelSize must be an odd positive integer or 'adaptive', got number 2\.5/)],
    [{ kernelSize: "auto" }, err(RangeError, /kernelSize must be an odd positive integer or 'adaptive', got string auto/)],
    [{ gamma: 0 }, err(RangeError, /ECA option gamma must be a positive finite number, got number 0/)],
    [{ gamma: -2 }, err(RangeError, /option gamma must be a positive finite number, got number -2/)],
    [{ gamma: NaN }, err(RangeError, /option gamma must be a finite number, got number NaN/)],
    [{ beta: Infinity }, err(RangeError, /option beta must be a finite number, got number Infinity/)],
    [{ padding: "reflect" }, err(RangeError, /option padding must be one of 'zeros', 'circular', got string reflect/)],
    [{ gate: "tanh" }, err(RangeError, /option gate must be one of 'sigmoid', 'hardsigmoid', got string tanh/)],
    [{ hardSigmoid: { alpha: "0.2" } }, err(RangeError, /hardSigmoid\.alpha must be a finite number/)],
    [{ channels: 0 }, err(RangeError, /option channels must be a positive integer, got number 0/)],
    [{ kernel_size: 3 }, err(TypeError, /ECA has no option 'kernel_size'; its options are channels, kernelSize, gamma, beta, padding, gate, hardSigmoid/)],
  ];
  for (const [change, expectation] of bad) await t.throwsAsync(createECA({ ...o, ...change } as never, w), expectation, JSON.stringify(change));
  // circular padding needs (k − 1)/2 ≤ C: k = 13 at C = 6 is the largest (a golden), k = 15 an error
  const six = { "conv.weight": new Float32Array(15) };
  await t.throwsAsync(createECA({ channels: 6, kernelSize: 15, padding: "circular" }, six),
    err(RangeError, /ECA padding 'circular' needs \(kernelSize − 1\)\/2 ≤ channels .*got kernelSize 15 \(padding 7\) with 6 channels/));
  await t.notThrowsAsync(createECA({ channels: 6, kernelSize: 15 }, six), "zeros padding takes any k");
  // the weight's length follows the kernel size
  await t.throwsAsync(createECA({ channels: 20, kernelSize: 5 }, { "conv.weight": new Float32Array(3) }),
    err(RangeError, /ECA weight 'conv\.weight' must be \[1, 1, 5\] \(5 floats\), got 3 floats/));
});

test("f32_vscale_channel_nwc: y[n, p, :] = x[n, p, :]·s[n, :] (ECA's and effective SE's NHWC output pass), C below, at and above 4 and 16, also in place", (t) => {
  for (const c of [1, 3, 4, 5, 15, 16, 17, 20, 33, 64, 65]) {
    for (const hw of [1, 3, 10]) {
      const a = new Arena();
      try {
        const n = 2, x = values(n * hw * c, c * 17 + hw), s = values(n * c, c);
        const want = Array.from(x, (v, k) => Math.fround(v * s[Math.floor(k / (hw * c)) * c + (k % c)]));
        const xp = a.put(x), sp = a.put(s), y = a.fresh(x.length), what = `c ${c} hw ${hw}`;
        wasm.f32_vscale_channel_nwc(xp, n, hw, c, sp, y);
        t.deepEqual(Array.from(written(t, a, y, x.length, what)), want, what);
        wasm.f32_vscale_channel_nwc(xp, n, hw, c, sp, xp);
        t.deepEqual(Array.from(a.read(xp, x.length)), want, `${what}: in place`);
      } finally {
        a.free();
      }
    }
  }
});
