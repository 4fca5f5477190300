// The public kernels of the module's raw ABI (assembly/index.ts) but the convolution
// (conv2d.test.ts) and the channel statistics (cbam-kernels.test.ts), against double-precision
// JS references, at sizes below, at and above their SIMD tiles (4 floats, 16-float blocks) and
// work-item tiles (f32-conv1x1's pixel tiles), with outputs prefilled so that an unwritten element
// or a write past the end fails. The exports over work items [begin, end) give the same bytes
// whatever the cut.

import test, { type ExecutionContext } from "ava";
import { ACT_HARDSWISH, ACT_NONE, ACT_RELU, ACT_SILU, GATE_HARDSIGMOID, GATE_SIGMOID, POOL_AVG, POOL_AVGMAX, POOL_LP, POOL_LSE, POOL_MAX } from "../dist/constants.js";
import { assertClose } from "./helpers/close.js";
import { SPLITS, WHOLE } from "./helpers/staged.js";
import { type Arena, sameBits, values, wasm, withArena, written } from "./helpers/wasm.js";

const HW_SIZES = [1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 19, 31, 32, 33, 64, 67];

// ---- global pools ----

const mean = (p: number[]) => p.reduce((s, v) => s + v, 0) / p.length;
const max = (p: number[]) => p.reduce((m, v) => (Number.isNaN(m) || Number.isNaN(v) ? NaN : Math.max(m, v)), -Infinity);
const lse = (p: number[]) => { const m = max(p); return Math.abs(m) === Infinity ? m : m + Math.log(p.reduce((s, v) => s + Math.exp(v - m), 0)); };
/** Each pool code, its double reference, and whether the float32 result is exact (a max is). */
const POOLS: Array<[string, number, (p: number[]) => number, boolean]> = [
  ["avg", POOL_AVG, mean, false],
  ["max", POOL_MAX, max, true],
  ["lp", POOL_LP, (p) => Math.sqrt(p.reduce((s, v) => s + v * v, 0)), false],
  ["lse", POOL_LSE, lse, false],
  ["avgmax", POOL_AVGMAX, (p) => 0.5 * mean(p) + 0.5 * max(p), false],
];

/** pool of every plane of x [planes, hw] through f32_gpool_cw. */
function gpool(t: ExecutionContext, a: Arena, x: Float32Array, planes: number, hw: number, code: number, what: string): Float32Array {
  const y = a.fresh(planes);
  wasm.f32_gpool_cw(a.put(x), planes, hw, code, y);
  return written(t, a, y, planes, what);
}

const planesOf = (x: Float32Array, planes: number, hw: number) => Array.from({ length: planes }, (_, p) => Array.from(x.subarray(p * hw, (p + 1) * hw)));

for (const [name, code, ref, exact] of POOLS) {
  test(`f32_gpool_cw ${name}: every plane, around the 4- and 16-float tiles`, (t) => {
    for (const hw of HW_SIZES) {
      withArena((a) => {
        const planes = 3;
        const x = values(planes * hw, hw).map((v, i) => v * (1 + (i % 7))); // up to ±14: lse's shift matters
        const got = gpool(t, a, x, planes, hw, code, `${name} hw=${hw}`);
        const want = planesOf(x, planes, hw).map(ref);
        if (exact) t.deepEqual(Array.from(got), want.map(Math.fround), `${name} hw=${hw}`);
        else assertClose(t, got, want, { atol: 1e-6, rtol: 1e-6 }, `${name} hw=${hw}`);
      });
    }
  });
}

test("f32_gpool_cw: NaN propagates from the vector part and the tail; ±∞ as torch", (t) => {
  for (const hw of [3, 5, 16, 21, 37]) {
    withArena((a) => {
      const planes = 5;
      const x = values(planes * hw, hw);
      x.fill(-Infinity, 0, hw);   // plane 0: max −∞, lse −∞
      x[hw] = NaN;                // plane 1: NaN at the front (a vector lane when hw ≥ 4)
      x[3 * hw - 1] = NaN;        // plane 2: NaN at the end (the scalar tail when hw mod 4 ≠ 0)
      x[3 * hw] = Infinity;       // plane 3: max +∞, lse +∞, lp +∞
      const planesX = planesOf(x, planes, hw);
      for (const [name, code, ref] of POOLS) {
        const got = gpool(t, a, x, planes, hw, code, `${name} hw=${hw}`);
        assertClose(t, got, planesX.map(ref), { atol: 1e-6, rtol: 1e-6 }, `${name} with NaN and ±∞, hw=${hw}`);
      }
    });
  }
});

test("f32_gavgmaxpool_cw: the mean and the max in one read, exactly those of f32_gpool_cw, NaN and ±∞ included", (t) => {
  for (const hw of [1, 3, 4, 5, 15, 16, 17, 31, 33, 63, 3136]) {
    withArena((a) => {
      const planes = 6;
      const x = values(planes * hw, hw);
      x[1 * hw + (hw >> 1)] = NaN;                                     // plane 1
      x[2 * hw] = Infinity; if (hw > 1) x[2 * hw + hw - 1] = -Infinity; // plane 2: max ∞, mean NaN (hw > 1)
      x[3 * hw + hw - 1] = NaN;                                        // plane 3: NaN in the tail
      x[4 * hw + hw - 1] = -Infinity;                                  // plane 4: −∞ is not NaN
      const xp = a.put(x), m = a.fresh(planes), mx = a.fresh(planes);
      wasm.f32_gavgmaxpool_cw(xp, planes, hw, m, mx);
      // the same floats (NaN = NaN: which NaN the max returns depends on its path)
      t.deepEqual(Array.from(written(t, a, m, planes, `mean hw=${hw}`)), Array.from(gpool(t, a, x, planes, hw, POOL_AVG, "avg")), `mean hw=${hw}`);
      t.deepEqual(Array.from(written(t, a, mx, planes, `max hw=${hw}`)), Array.from(gpool(t, a, x, planes, hw, POOL_MAX, "max")), `max hw=${hw}`);
      t.true(Number.isNaN(a.read(mx, planes)[1]) && Number.isNaN(a.read(mx, planes)[3]), `NaN planes hw=${hw}`);
    });
  }
});

// ---- dense and 1×1 convolution ----

test("f32_dense: y = W·x + b for every row, with and without bias", (t) => {
  for (const inDim of [1, 3, 4, 5, 7, 8, 9, 16, 17, 33]) {
    for (const outDim of [1, 3, 4, 5, 6, 9]) {
      for (const withBias of [true, false]) {
        withArena((a) => {
          const rows = 3;
          const x = values(rows * inDim, 7), w = values(outDim * inDim, 8), b = values(outDim, 9);
          const y = a.fresh(rows * outDim);
          wasm.f32_dense(a.put(x), rows, inDim, a.put(w), withBias ? a.put(b) : 0, outDim, y);
          const want: number[] = [];
          for (let r = 0; r < rows; r++) {
            for (let o = 0; o < outDim; o++) {
              let s = withBias ? b[o] : 0;
              for (let i = 0; i < inDim; i++) s += w[o * inDim + i] * x[r * inDim + i];
              want.push(s);
            }
          }
          const what = `dense ${inDim}→${outDim} bias=${withBias}`;
          assertClose(t, written(t, a, y, rows * outDim, what), want, { atol: 1e-5, rtol: 1e-5 }, what);
        });
      }
    }
  }
});

/** Pixels per tile of f32-conv1x1 for C channels (tilePixels: 262144 / C rounded down to 32, within [64, 4096]). */
const tilePixels = (c: number) => Math.min(4096, Math.max(64, Math.floor(262144 / c) & ~31));

test("f32_conv1x1_o1_cw: q[i] = b + Σ_c w[c]·x[c, i], around the 4-plane steps, the 16-pixel steps and the pixel tiles", (t) => {
  const cases: Array<[number, number]> = [];
  for (const c of [1, 2, 3, 4, 5, 7, 8, 9]) for (const hw of [1, 3, 4, 5, 15, 16, 17, 35, 67]) cases.push([c, hw]);
  // tiles of 4096 (C ≤ 64), 2592 (C = 100) and 64 pixels (C = 4100): one pixel below, at and above one and two tiles
  for (const [c, tile] of [[20, 4096], [100, 2592], [4100, 64]]) {
    t.is(tilePixels(c), tile);
    for (const hw of [tile - 1, tile, tile + 1, 2 * tile + 3]) cases.push([c, hw]);
  }
  let worst = 0;
  for (const [c, hw] of cases) {
    withArena((a) => {
      const x = values(c * hw, c + hw), w = values(c, 4).map((v) => v / Math.sqrt(c)), b = 0.25;
      const padded = (hw + 3) & ~3; // q has room for whole vectors
      const q = a.fresh(padded);
      wasm.f32_conv1x1_o1_cw(a.put(x), c, hw, a.put(w), a.put([b]), q);
      const want = new Float64Array(hw), mag = new Float64Array(hw).fill(b);
      for (let p = 0; p < hw; p++) {
        let s = b;
        for (let ch = 0; ch < c; ch++) { const v = w[ch] * x[ch * hw + p]; s += v; mag[p] += Math.abs(v); }
        want[p] = s;
      }
      // float32 sums of C terms: within 2e-5·Σ|terms| (conv2d.test.ts says why)
      const r = assertClose(t, written(t, a, q, hw, `c=${c} hw=${hw}`, padded), want, { atol: 1e-7, rtol: 2e-5, scale: mag }, `conv1x1 c=${c} hw=${hw}`);
      worst = Math.max(worst, r.worstRatio);
    });
  }
  t.log(`worst error ${(worst * 100).toFixed(1)}% of the tolerance`);
});

test("f32_conv1x1_o1_cw without bias", (t) => {
  withArena((a) => {
    const c = 5, hw = 13, x = values(c * hw, 3), w = values(c, 4), q = a.fresh(16); // 13 pixels rounded up to 4
    wasm.f32_conv1x1_o1_cw(a.put(x), c, hw, a.put(w), 0, q);
    const want = Array.from({ length: hw }, (_, p) => w.reduce((s, wc, ch) => s + wc * x[ch * hw + p], 0));
    assertClose(t, written(t, a, q, hw, "no bias", 16), want, { atol: 1e-6, rtol: 1e-6 }, "no bias");
  });
});

// ---- gates and activations ----

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));
const UNARY: Array<[string, (x: number, y: number, n: number) => void, (v: number) => number, number]> = [
  ["f32_vsigmoid", (x, y, n) => wasm.f32_vsigmoid(x, n, y), sigmoid, 2e-7],
  ["f32_vhardsigmoid (PyTorch)", (x, y, n) => wasm.f32_vhardsigmoid(x, n, 1 / 6, 0.5, y), (v) => Math.min(Math.max(v / 6 + 0.5, 0), 1), 1e-7],
  ["f32_vhardsigmoid (ONNX)", (x, y, n) => wasm.f32_vhardsigmoid(x, n, 0.2, 0.5, y), (v) => Math.min(Math.max(0.2 * v + 0.5, 0), 1), 1e-7],
  ["f32_vrelu", (x, y, n) => wasm.f32_vrelu(x, n, y), (v) => Math.max(v, 0), 0],
  ["f32_vsilu", (x, y, n) => wasm.f32_vsilu(x, n, y), (v) => v * sigmoid(v), 5e-7],
  ["f32_vhardswish", (x, y, n) => wasm.f32_vhardswish(x, n, y), (v) => (v * Math.min(Math.max(v + 3, 0), 6)) / 6, 5e-7],
];

for (const [name, run, ref, atol] of UNARY) {
  test(`${name}: matches the double-precision formula, out of place and in place`, (t) => {
    for (const n of [1, 2, 3, 4, 5, 7, 8, 9, 31]) {
      withArena((a) => {
        const x = values(n, n).map((v) => v * 4); // [-8, 8): both sides of every kink
        const xp = a.put(x), y = a.fresh(n);
        run(xp, y, n);
        const got = written(t, a, y, n, `${name} n=${n}`);
        assertClose(t, got, Array.from(x, ref), { atol: atol || 1e-30, rtol: 2e-7 }, `${name} n=${n}`);
        run(xp, xp, n);
        t.deepEqual(a.read(xp, n), got, "in place");
        t.true(a.guardIntact(xp, n), "in place: wrote past the end");
      });
    }
  });
}

test("f32_vsigmoid: max abs error ≤ 2e-7 against a double sigmoid over a dense sweep of [-30, 30]", (t) => {
  const n = 600_001;
  withArena((a) => {
    const x = new Float32Array(n).map((_, i) => -30 + (60 * i) / (n - 1));
    const y = a.fresh(n);
    wasm.f32_vsigmoid(a.put(x), n, y);
    const { maxAbs, at } = assertClose(t, a.read(y, n), Array.from(x, sigmoid), { atol: 2e-7, rtol: 0 }, "sigmoid sweep");
    t.log(`max abs error ${maxAbs.toExponential(3)} (worst at x = ${x[at]})`);
  });
});

test("f32_vsigmoid: extremes and NaN", (t) => {
  withArena((a) => {
    const x = [-1000, -100, -88, -87, 0, 88, 100, 1000, Infinity, -Infinity, NaN];
    const y = a.fresh(x.length);
    wasm.f32_vsigmoid(a.put(x), x.length, y);
    assertClose(t, a.read(y, x.length), x.map(sigmoid), { atol: 2e-7, rtol: 0 }, "σ of extremes, σ(NaN) = NaN");
    // NaNs with payloads (which arithmetic carries along) stay NaN too
    const payloads = new Float32Array(new Uint32Array([0x7fc0beef, 0xffc00001, 0x7fffffff, 0xff80ffff]).buffer);
    const q = a.fresh(4);
    wasm.f32_vsigmoid(a.put(payloads), 4, q);
    t.true(Array.from(a.read(q, 4)).every(Number.isNaN), "σ of NaNs with payloads is NaN");
  });
});

test("f32_vgate and f32_vactivation dispatch to the right kernel", (t) => {
  withArena((a) => {
    const x = values(9, 11).map((v) => v * 4), xp = a.put(x), y = a.fresh(9), ref = a.fresh(9);
    wasm.f32_vgate(xp, 9, GATE_HARDSIGMOID, 0.2, 0.5, y);
    wasm.f32_vhardsigmoid(xp, 9, 0.2, 0.5, ref);
    t.deepEqual(a.read(y, 9), a.read(ref, 9), "gate hardsigmoid");
    wasm.f32_vgate(xp, 9, GATE_SIGMOID, 0, 0, y);
    wasm.f32_vsigmoid(xp, 9, ref);
    t.deepEqual(a.read(y, 9), a.read(ref, 9), "gate sigmoid");
    for (const [code, kernel] of [[ACT_RELU, wasm.f32_vrelu], [ACT_SILU, wasm.f32_vsilu], [ACT_HARDSWISH, wasm.f32_vhardswish]] as const) {
      wasm.f32_vactivation(xp, 9, code, y);
      kernel(xp, 9, ref);
      t.deepEqual(a.read(y, 9), a.read(ref, 9), `activation ${code}`);
    }
    wasm.f32_vactivation(xp, 9, ACT_NONE, y);
    t.deepEqual(a.read(y, 9), x, "activation none copies");
  });
});

// ---- channel and spatial scaling (the f32-vscale family) over work items ----

/** A scaling export over planes [begin, end) of x [n, c, hw] into y. */
type Scale = (x: number, y: number, begin: number, end: number) => void;

/**
 * Checks a scaling export: the exact products (one rounding), whole and in every cut of
 * helpers/staged.ts into the same bytes, each piece writing its planes and only those, in place too.
 */
function checkScale(t: ExecutionContext, a: Arena, planes: number, hw: number, x: Float32Array, run: Scale, want: number[], what: string): void {
  const xp = a.put(x), y = a.fresh(x.length);
  const once = (pieces: Array<readonly [number, number]>) => {
    a.clear(y, x.length);
    for (const [b, e] of pieces) run(xp, y, b, e);
    return a.bits(y, x.length);
  };
  const whole = once(WHOLE.pieces(planes));
  t.deepEqual(Array.from(written(t, a, y, x.length, what)), want, `${what}: exact products`);
  for (const split of SPLITS) sameBits(t, once(split.pieces(planes)), whole, `${what}, ${split.name}`);
  for (let k = 0; k <= planes; k++) {
    sameBits(t, once([[0, k], [k, planes]]), whole, `${what}, [0, ${k}) then [${k}, ${planes})`);
    once([[k, planes]]);
    t.is(a.unwritten(y, x.length).length, k * hw, `${what}: [${k}, ${planes}) alone writes its planes and no others`);
  }
  run(xp, xp, 0, planes);
  t.deepEqual(Array.from(a.read(xp, x.length)), want, `${what}: in place`);
  t.true(a.guardIntact(xp, x.length), `${what}: in place, wrote past the end`);
}

test("f32_vscale_channel_cw and f32_vscale_spatial_cw: exact products over any cut of the planes, in place too", (t) => {
  for (const hw of HW_SIZES.concat([35, 63, 65, 129])) {
    withArena((a) => {
      const n = 2, c = 3, planes = n * c;
      const x = values(planes * hw, hw), s = values(planes, 2), q = values(n * hw, 5);
      const sp = a.put(s), qp = a.put(q);
      checkScale(t, a, planes, hw, x, (xp, y, b, e) => wasm.f32_vscale_channel_cw(xp, hw, sp, y, b, e),
        Array.from(x, (v, i) => Math.fround(v * s[Math.floor(i / hw)])), `channel hw=${hw}`);
      checkScale(t, a, planes, hw, x, (xp, y, b, e) => wasm.f32_vscale_spatial_cw(xp, c, hw, qp, y, b, e),
        Array.from(x, (v, i) => Math.fround(v * q[Math.floor(i / (c * hw)) * hw + (i % hw)])), `spatial hw=${hw}`);
    });
  }
});
