// Every kernel of the SE family against a double-precision JS reference, at sizes below, at
// and above its SIMD tile, with outputs prefilled so that an unwritten element or a write past
// the end fails.

import test, { type ExecutionContext } from "ava";
import { Arena, values, wasm } from "./helpers/wasm.js";

/** Asserts every element of `got` is within atol + rtol·|want| of the double-precision `want`. */
function close(t: ExecutionContext, got: Float32Array, want: ArrayLike<number>, atol: number, rtol: number, what: string): void {
  t.is(got.length, want.length);
  let worst = -1, worstErr = 0;
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    if (!(err <= atol + rtol * Math.abs(want[i])) && (worst < 0 || !(err <= worstErr))) { worst = i; worstErr = err; }
  }
  t.is(worst, -1, `${what}: element ${worst} is ${got[worst]}, expected ${want[worst]}`);
}

/** Runs `body` with an arena, checks every output it registers is fully written and its guard intact. */
function withArena(t: ExecutionContext, body: (a: Arena, outputs: Array<[number, number, string]>) => void): void {
  const a = new Arena();
  const outputs: Array<[number, number, string]> = [];
  try {
    body(a, outputs);
    for (const [ptr, len, what] of outputs) {
      t.deepEqual(a.unwritten(ptr, len), [], `${what}: unwritten elements`);
      t.true(a.guardIntact(ptr, len), `${what}: wrote past the end`);
    }
  } finally {
    a.free();
  }
}

const HW_SIZES = [1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 31, 33, 64, 67];

test("f32_gavgpool_cw and f32_gmaxpool_cw: mean and max of every plane", (t) => {
  for (const hw of HW_SIZES) {
    for (const planes of [1, 3]) {
      withArena(t, (a, outs) => {
        const x = values(planes * hw, hw);
        const xp = a.put(x), avg = a.fresh(planes), max = a.fresh(planes);
        wasm.f32_gavgpool_cw(xp, planes, hw, avg);
        wasm.f32_gmaxpool_cw(xp, planes, hw, max);
        outs.push([avg, planes, `avg hw=${hw}`], [max, planes, `max hw=${hw}`]);
        const wantAvg: number[] = [], wantMax: number[] = [];
        for (let p = 0; p < planes; p++) {
          const row = Array.from(x.subarray(p * hw, (p + 1) * hw));
          wantAvg.push(row.reduce((s, v) => s + v, 0) / hw);
          wantMax.push(Math.max(...row));
        }
        close(t, a.read(avg, planes), wantAvg, 1e-6, 1e-6, `avg hw=${hw}`);
        t.deepEqual(Array.from(a.read(max, planes)), wantMax.map(Math.fround), `max hw=${hw}`);
      });
    }
  }
});

test("f32_gmaxpool_cw: NaN propagates and -Infinity is a valid maximum", (t) => {
  withArena(t, (a, outs) => {
    const x = new Float32Array(2 * 21).fill(-Infinity);
    x[21 + 20] = NaN;
    const xp = a.put(x), y = a.fresh(2);
    wasm.f32_gmaxpool_cw(xp, 2, 21, y);
    outs.push([y, 2, "max"]);
    const got = a.read(y, 2);
    t.is(got[0], -Infinity);
    t.true(Number.isNaN(got[1]));
  });
});

test("f32_dense: y = W·x + b for every row, with and without bias", (t) => {
  for (const inDim of [1, 3, 4, 5, 7, 8, 9, 16, 17, 33]) {
    for (const outDim of [1, 3, 6]) {
      for (const withBias of [true, false]) {
        withArena(t, (a, outs) => {
          const rows = 3;
          const x = values(rows * inDim, 7), w = values(outDim * inDim, 8), b = values(outDim, 9);
          const y = a.fresh(rows * outDim);
          wasm.f32_dense(a.put(x), rows, inDim, a.put(w), withBias ? a.put(b) : 0, outDim, y);
          outs.push([y, rows * outDim, "dense"]);
          const want: number[] = [];
          for (let r = 0; r < rows; r++) {
            for (let o = 0; o < outDim; o++) {
              let s = withBias ? b[o] : 0;
              for (let i = 0; i < inDim; i++) s += w[o * inDim + i] * x[r * inDim + i];
              want.push(s);
            }
          }
          close(t, a.read(y, rows * outDim), want, 1e-5, 1e-5, `dense ${inDim}→${outDim} bias=${withBias}`);
        });
      }
    }
  }
});

test("f32_conv1x1_o1_cw: q[n, p] = b + Σ_c w[c]·x[n, c, p]", (t) => {
  for (const hw of [1, 3, 4, 5, 9, 35]) {
    for (const c of [1, 2, 3, 5, 6]) {
      withArena(t, (a, outs) => {
        const n = 2;
        const x = values(n * c * hw, 3), w = values(c, 4), b = 0.25;
        const q = a.fresh(n * hw);
        wasm.f32_conv1x1_o1_cw(a.put(x), n, c, hw, a.put(w), a.put([b]), q);
        outs.push([q, n * hw, "conv1x1"]);
        const want: number[] = [];
        for (let i = 0; i < n; i++) {
          for (let p = 0; p < hw; p++) {
            let s = b;
            for (let ch = 0; ch < c; ch++) s += w[ch] * x[(i * c + ch) * hw + p];
            want.push(s);
          }
        }
        close(t, a.read(q, n * hw), want, 1e-5, 1e-5, `conv1x1 c=${c} hw=${hw}`);
      });
    }
  }
});

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
      withArena(t, (a, outs) => {
        const x = values(n, n).map((v) => v * 4); // [-8, 8): both sides of every kink
        const xp = a.put(x), y = a.fresh(n);
        run(xp, y, n);
        outs.push([y, n, `${name} n=${n}`]);
        close(t, a.read(y, n), Array.from(x, ref), atol, 2e-7, `${name} n=${n}`);
        run(xp, xp, n);
        t.deepEqual(a.read(xp, n), a.read(y, n), "in place");
        t.true(a.guardIntact(xp, n), "in place: wrote past the end");
      });
    }
  });
}

test("f32_vsigmoid: max abs error ≤ 2e-7 against a double sigmoid over a dense sweep of [-30, 30]", (t) => {
  const n = 600_001;
  withArena(t, (a) => {
    const x = new Float32Array(n).map((_, i) => -30 + (60 * i) / (n - 1));
    const xp = a.put(x), y = a.fresh(n);
    wasm.f32_vsigmoid(xp, n, y);
    const got = a.read(y, n);
    let worst = 0, at = 0;
    for (let i = 0; i < n; i++) {
      const err = Math.abs(got[i] - sigmoid(x[i]));
      if (err > worst) { worst = err; at = x[i]; }
    }
    t.log(`max abs error ${worst.toExponential(3)} at x = ${at}`);
    t.true(worst <= 2e-7, `max abs error ${worst} at x = ${at}`);
  });
});

test("f32_vsigmoid: extremes and NaN", (t) => {
  withArena(t, (a) => {
    const x = [-1000, -100, -88, -87, 0, 88, 100, 1000, Infinity, -Infinity, NaN];
    const y = a.fresh(x.length);
    wasm.f32_vsigmoid(a.put(x), x.length, y);
    const got = Array.from(a.read(y, x.length));
    got.slice(0, 10).forEach((v, i) => t.true(Math.abs(v - sigmoid(x[i])) <= 2e-7, `σ(${x[i]}) = ${v}`));
    t.true(Number.isNaN(got[10]), "σ(NaN) is NaN");
    // NaNs with payloads (which arithmetic carries along) stay NaN too
    const payloads = new Float32Array(new Uint32Array([0x7fc0beef, 0xffc00001, 0x7fffffff, 0xff80ffff]).buffer);
    const q = a.fresh(4);
    wasm.f32_vsigmoid(a.put(payloads), 4, q);
    t.true(Array.from(a.read(q, 4)).every(Number.isNaN), "σ of NaNs with payloads is NaN");
  });
});

test("f32_vscale_channel_cw and f32_vscale_spatial_cw: exact products, in place too", (t) => {
  for (const hw of [1, 3, 4, 5, 8, 13, 35]) {
    withArena(t, (a, outs) => {
      const n = 2, c = 3;
      const x = values(n * c * hw, hw), s = values(n * c, 2), q = values(n * hw, 5);
      const xp = a.put(x), y1 = a.fresh(x.length), y2 = a.fresh(x.length);
      wasm.f32_vscale_channel_cw(xp, n * c, hw, a.put(s), y1);
      wasm.f32_vscale_spatial_cw(xp, n, c, hw, a.put(q), y2);
      outs.push([y1, x.length, "channel"], [y2, x.length, "spatial"]);
      const wantC = Array.from(x, (v, i) => Math.fround(v * s[Math.floor(i / hw)]));
      const wantS = Array.from(x, (v, i) => Math.fround(v * q[Math.floor(i / (c * hw)) * hw + (i % hw)]));
      t.deepEqual(Array.from(a.read(y1, x.length)), wantC, `channel hw=${hw}`);
      t.deepEqual(Array.from(a.read(y2, x.length)), wantS, `spatial hw=${hw}`);
      wasm.f32_vscale_channel_cw(xp, n * c, hw, a.put(s), xp);
      t.deepEqual(Array.from(a.read(xp, x.length)), wantC, `channel in place hw=${hw}`);
      t.true(a.guardIntact(xp, x.length));
    });
  }
});

test("f32_vgate and f32_vactivation dispatch to the right kernel", (t) => {
  withArena(t, (a) => {
    const x = values(9, 11).map((v) => v * 4), xp = a.put(x), y = a.fresh(9), ref = a.fresh(9);
    wasm.f32_vgate(xp, 9, 1, 0.2, 0.5, y);
    wasm.f32_vhardsigmoid(xp, 9, 0.2, 0.5, ref);
    t.deepEqual(a.read(y, 9), a.read(ref, 9), "gate hardsigmoid");
    wasm.f32_vgate(xp, 9, 0, 0, 0, y);
    wasm.f32_vsigmoid(xp, 9, ref);
    t.deepEqual(a.read(y, 9), a.read(ref, 9), "gate sigmoid");
    for (const [code, kernel] of [[1, wasm.f32_vrelu], [2, wasm.f32_vsilu], [3, wasm.f32_vhardswish]] as const) {
      wasm.f32_vactivation(xp, 9, code, y);
      kernel(xp, 9, ref);
      t.deepEqual(a.read(y, 9), a.read(ref, 9), `activation ${code}`);
    }
    wasm.f32_vactivation(xp, 9, 0, y);
    t.deepEqual(a.read(y, 9), x, "activation none copies");
  });
});
