// SimAM's own options (channels optional: any C without it; eLambda; no weights), its accuracy on
// planes whose mean is large against their spread, NaN and infinities as PyTorch, and its kernels
// (f32_gmoments_cw, f32_vsimam_cw; in NHWC f32_vsimam_nwc, its statistics in
// tests/moments-nhwc.test.ts) against double-precision references at sizes below, at and above
// their 4- and 16-float vectors and their chunks (1024 floats of a plane).

import test from "ava";
import { createSimAM } from "../dist/index.js";
import { err } from "./helpers/bad-input.js";
import { assertClose, SPEC_TOLERANCE } from "./helpers/close.js";
import { Arena, values, wasm, written } from "./helpers/wasm.js";

const HW = [1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 31, 33, 1023, 1024, 1025, 2049, 3136];

/** Mean and M2 = Σ(x − mean)² of each plane, in double. */
function moments(x: ArrayLike<number>, planes: number, hw: number): { mean: number[]; m2: number[] } {
  const mean: number[] = [], m2: number[] = [];
  for (let p = 0; p < planes; p++) {
    let s = 0;
    for (let i = 0; i < hw; i++) s += x[p * hw + i];
    const mu = s / hw;
    let q = 0;
    for (let i = 0; i < hw; i++) q += (x[p * hw + i] - mu) ** 2;
    mean.push(mu);
    m2.push(q);
  }
  return { mean, m2 };
}

/** SimAM in double (the official formula). */
function simamReference(x: Float32Array, planes: number, hw: number, lambda = 1e-4): Float64Array {
  const { mean, m2 } = moments(x, planes, hw), y = new Float64Array(x.length);
  for (let p = 0; p < planes; p++) {
    const den = 4 * (m2[p] / (hw - 1) + lambda);
    for (let i = 0; i < hw; i++) {
      const v = x[p * hw + i], e = (v - mean[p]) ** 2 / den + 0.5;
      y[p * hw + i] = v / (1 + Math.exp(-e));
    }
  }
  return y;
}

/** values(…) shifted to mean `offset` (rounded to float32, as a user's tensor would be). */
const shifted = (length: number, seed: number, offset: number) => Float32Array.from(values(length, seed), (v) => v + offset);

test("f32_gmoments_cw: the mean and Σ(x − mean)² of every plane, also for means 10⁴ times the spread", (t) => {
  for (const hw of HW) {
    for (const offset of [0, 1e3, -1e4]) {
      const a = new Arena();
      try {
        const planes = 3, x = shifted(planes * hw, hw, offset);
        const mean = a.fresh(planes), m2 = a.fresh(planes);
        wasm.f32_gmoments_cw(a.put(x), planes, hw, mean, m2);
        const what = `hw ${hw} offset ${offset}`;
        for (const [ptr, name] of [[mean, "mean"], [m2, "m2"]] as const) {
          t.deepEqual(a.unwritten(ptr, planes), [], `${what}: ${name} unwritten`);
          t.true(a.guardIntact(ptr, planes), `${what}: ${name} written past the end`);
        }
        const want = moments(x, planes, hw), gotMean = a.read(mean, planes), gotM2 = a.read(m2, planes);
        for (let p = 0; p < planes; p++) {
          // the mean as exact as float32 holds it; M2 within 1e-5 relative (the data's spread is 1, whatever the mean)
          t.true(Math.abs(gotMean[p] - want.mean[p]) <= 2 ** -23 * Math.abs(want.mean[p]) + 1e-7, `${what}: mean ${gotMean[p]}, expected ${want.mean[p]}`);
          t.true(Math.abs(gotM2[p] - want.m2[p]) <= 1e-5 * want.m2[p] + 1e-7, `${what}: M2 ${gotM2[p]}, expected ${want.m2[p]}`);
        }
      } finally {
        a.free();
      }
    }
  }
});

test("f32_vsimam_cw: x·σ((x − mean)²·inv + 1/2) per plane, also in place", (t) => {
  for (const hw of [1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 20, 31, 33, 64, 67]) {
    const a = new Arena();
    try {
      const planes = 3, x = values(planes * hw, hw), mean = values(planes, 2), inv = Float32Array.from(values(planes, 3), Math.abs);
      const want = Array.from(x, (v, i) => {
        const p = Math.floor(i / hw);
        return v / (1 + Math.exp(-((v - mean[p]) ** 2 * inv[p] + 0.5)));
      });
      const xp = a.put(x), y = a.fresh(x.length);
      wasm.f32_vsimam_cw(xp, hw, a.put(mean), a.put(inv), y, 0, planes);
      t.deepEqual(a.unwritten(y, x.length), [], `hw ${hw}: unwritten`);
      t.true(a.guardIntact(y, x.length), `hw ${hw}: wrote past the end`);
      assertClose(t, a.read(y, x.length), want, { atol: 1e-6, rtol: 1e-6 }, `hw ${hw}`);
      wasm.f32_vsimam_cw(xp, hw, a.put(mean), a.put(inv), xp, 1, planes); // planes 1 and 2, in place
      t.deepEqual(Array.from(a.read(xp, x.length).subarray(hw)), Array.from(a.read(y, x.length).subarray(hw)), `hw ${hw}: in place`);
      t.deepEqual(Array.from(a.read(xp, hw)), Array.from(x.subarray(0, hw)), `hw ${hw}: plane 0 untouched outside [begin, end)`);
    } finally {
      a.free();
    }
  }
});

test("accurate where the mean is large against the spread (a one-pass Σx² − (Σx)²/n is not)", async (t) => {
  const simam = await createSimAM();
  for (const offset of [1e3, -3e3]) {
    const dims = [1, 4, 56, 56], hw = 56 * 56;
    const x = shifted(4 * hw, 9, offset);
    assertClose(t, simam.run(x, dims), simamReference(x, 4, hw), SPEC_TOLERANCE, `mean ${offset}`);
    // what a float32 one-pass variance would give: far off at these means
    let s = 0, q = 0;
    for (let i = 0; i < hw; i++) { s = Math.fround(s + x[i]); q = Math.fround(q + Math.fround(x[i] * x[i])); }
    const naive = (q - (s * s) / hw) / (hw - 1), exact = moments(x, 1, hw).m2[0] / (hw - 1);
    t.log(`mean ${offset}: float32 one-pass variance ${naive.toPrecision(4)}, exact ${exact.toPrecision(4)}`);
    t.true(Math.abs(naive - exact) > 0.01 * exact, "the input defeats a float32 one-pass variance");
  }
  simam.dispose();
});

test("without channels any C runs; with channels the input must have it", async (t) => {
  const any = await createSimAM({});
  const none = await createSimAM();
  for (const dims of [[2, 3, 5, 7], [1, 20, 9, 1], [3, 1, 4, 4]]) {
    const x = values(dims.reduce((p, d) => p * d, 1), dims[1]);
    const want = simamReference(x, dims[0] * dims[1], dims[2] * dims[3]);
    assertClose(t, any.run(x, dims), want, SPEC_TOLERANCE, `{} on [${dims}]`);
    t.deepEqual(none.run(x, dims), any.run(x, dims), "createSimAM() = createSimAM({})");
    const io = any.io(dims);
    io.input.set(x);
    t.deepEqual(io.run(), any.run(x, dims), `io on [${dims}]`);
    io.dispose();
  }
  t.is(any.channels, undefined);
  t.is(any.outputDims([2, 9, 3, 4]).join(), "2,9,3,4");
  const six = await createSimAM({ channels: 6, eLambda: 0.5 });
  t.is(six.channels, 6);
  t.throws(() => six.run(new Float32Array(5 * 4), [1, 5, 2, 2]), err(RangeError, /built for 6 channels, but dims \[1, 5, 2, 2\] \(NCHW\) has C = 5/));
  const x = values(6 * 12, 4);
  assertClose(t, six.run(x, [1, 6, 3, 4]), simamReference(x, 6, 12, 0.5), SPEC_TOLERANCE, "eLambda 0.5");
  for (const b of [any, none, six]) b.dispose();
});

test("NaN and infinities stay in their plane, as PyTorch's", async (t) => {
  const simam = await createSimAM({ channels: 3 });
  const x = values(3 * 20, 8);
  x[5] = NaN; // plane 0
  x[20 + 7] = Infinity; // plane 1
  const y = simam.run(x, [1, 3, 4, 5]);
  t.true(y.subarray(0, 40).every(Number.isNaN), "planes 0 and 1: NaN everywhere (the mean or the variance is NaN)");
  assertClose(t, y.subarray(40), simamReference(x.subarray(40), 1, 20), SPEC_TOLERANCE, "plane 2");
  t.true(simam.run(new Float32Array(3).fill(2), [1, 3, 1, 1]).every(Number.isNaN), "H·W = 1: 0/0");
  const nhwc = await createSimAM({ layout: "nhwc" } as never);
  t.true(nhwc.run(Float32Array.from([2, -3, 0.5]), [1, 1, 1, 3]).every(Number.isNaN), "NHWC, H·W = 1: 0/0");
  nhwc.dispose();
  const noLambda = await createSimAM({ eLambda: 0 });
  t.true(noLambda.run(new Float32Array(8).fill(2), [1, 2, 2, 2]).every(Number.isNaN), "a constant plane with eLambda 0: 0/0");
  simam.dispose();
  noLambda.dispose();
});

test("bad options and weights name what was expected", async (t) => {
  const bad: Array<[Record<string, unknown>, ReturnType<typeof err>]> = [
    [{ channels: 0 }, err(RangeError, /SimAM option channels must be a positive integer, got number 0/)],
    [{ channels: "6" }, err(RangeError, /SimAM option channels must be a positive integer, got string 6/)],
    [{ eLambda: NaN }, err(RangeError, /SimAM option eLambda must be a finite number, got number NaN/)],
    [{ eLambda: "1e-4" }, err(RangeError, /SimAM option eLambda must be a finite number, got string 1e-4/)],
    [{ eLambda: -1e-4 }, err(RangeError, /SimAM option eLambda must be a non-negative finite number, got number -0\.0001/)],
    [{ e_lambda: 1e-4 }, err(TypeError, /SimAM has no option 'e_lambda'; its options are channels, eLambda/)],
  ];
  for (const [o, expectation] of bad) await t.throwsAsync(createSimAM(o as never), expectation, JSON.stringify(o));
  await t.throwsAsync(createSimAM({}, { "weight": new Float32Array(1) }), err(Error, /SimAM does not use weight 'weight' \(it takes no weights\)/));
  await t.notThrowsAsync(createSimAM({}, {}));
});

// ---- NHWC: f32_vsimam_nwc (the statistics: f32_moments_nhwc, tests/moments-nhwc.test.ts) ----

const NHWC_C = [1, 3, 4, 5, 15, 16, 17, 20, 33];

test("f32_vsimam_nwc: x·σ((x − mean[c])²·inv[c] + 1/2) per pixel row, C below, at and above 4 and 16, also in place", (t) => {
  for (const c of NHWC_C) {
    for (const hw of [1, 3, 7]) {
      const a = new Arena();
      try {
        const x = values(hw * c, hw * 40 + c), mean = values(c, 2), inv = Float32Array.from(values(c, 3), Math.abs);
        const want = Array.from(x, (v, i) => v / (1 + Math.exp(-((v - mean[i % c]) ** 2 * inv[i % c] + 0.5))));
        const xp = a.put(x), y = a.fresh(x.length), mp = a.put(mean), ip = a.put(inv);
        wasm.f32_vsimam_nwc(xp, hw, c, mp, ip, y);
        assertClose(t, written(t, a, y, x.length, `c ${c} hw ${hw}`), want, SPEC_TOLERANCE, `c ${c} hw ${hw}`);
        wasm.f32_vsimam_nwc(xp, hw, c, mp, ip, xp);
        t.deepEqual(a.read(xp, x.length), a.read(y, x.length), `c ${c} hw ${hw}: in place`);
      } finally {
        a.free();
      }
    }
  }
});
