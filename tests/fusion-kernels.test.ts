// The kernels behind MS-CAM, AFF, iAFF and shuffle attention against double-precision references:
// f32_gemm_cw (the strip 1×1 convolution, on f32-conv2d.ts's 4×8 register tiles), f32_gavgpool2_cw
// (the global pool of x + residual) and f32_gmoments_cw (per-plane mean and M2, shuffle attention's variance), at
// sizes below, at and above their 4-lane, 8-pixel, 4-row and 16-float tiles, outputs prefilled with
// the never-written sentinel and followed by a guard zone.

import test, { type ExecutionContext } from "ava";
import { assertClose } from "./helpers/close.js";
import { Arena, values, wasm } from "./helpers/wasm.js";

/** Runs `body` with an arena; every output it registers must be written where expected and its guard intact. */
function withArena(t: ExecutionContext, body: (a: Arena, outputs: Array<[number, number, string, number[]?]>) => void): void {
  const a = new Arena();
  const outputs: Array<[number, number, string, number[]?]> = [];
  try {
    body(a, outputs);
    for (const [ptr, len, what, unwritten = []] of outputs) {
      t.deepEqual(a.unwritten(ptr, len), unwritten, `${what}: unwritten elements`);
      t.true(a.guardIntact(ptr, len), `${what}: wrote past the end`);
    }
  } finally {
    a.free();
  }
}

// ---- f32_gemm_cw ----

/** The GemmArgs record of f32-gemm-cw.ts, field for field. */
function gemmArgs(a: Arena, f: { x: number; xStride: number; k: number; w: number; bias: number; relu: boolean; m: number; y: number; yStride: number; pixels: number; begin: number; end: number; table: number }): number {
  const fields = [f.x, f.xStride, f.k, f.w, f.bias, Number(f.relu), f.m, f.y, f.yStride, f.pixels, f.begin, f.end, f.table];
  const ptr = a.fresh(fields.length);
  new Int32Array(wasm.memory.buffer, ptr, fields.length).set(fields);
  return ptr;
}

/** The register block at row o of m (f32-conv2d.ts blockWidth): 4 rows, then at most one block of 2 and one of 1. */
const blockWidth = (o: number, m: number): number => (o + 4 <= m ? 4 : o + 2 <= m ? 2 : 1);

/** Row ranges [begin, end) of m rows the kernel accepts (begin on a register block): all of them, from each block on, and each block alone. */
function rowRanges(m: number): Array<[number, number]> {
  const starts: number[] = [];
  for (let o = 0; o < m; o += blockWidth(o, m)) starts.push(o);
  return [[0, m], ...starts.flatMap((s): Array<[number, number]> => [[s, m], [s, s + blockWidth(s, m)]]).filter(([s, e]) => s > 0 || e < m)];
}

test("f32_gemm_cw: y[o, p] = act(b[o] + Σ_k w[o, k]·x[k, p]) for every row range, strides, with and without bias and ReLU", (t) => {
  for (const m of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) {
    for (const k of [1, 2, 5, 16]) {
      for (const pixels of [1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33, 64]) {
        for (const [bias, relu] of [[true, true], [false, false]] as const) {
          for (const [begin, end] of rowRanges(m)) {
            withArena(t, (a, outs) => {
              const what = `m=${m} k=${k} pixels=${pixels} bias=${bias} relu=${relu} rows [${begin}, ${end})`;
              // rows of x `xStride` floats apart, the last one ending the buffer (its tail vector over-reads the guard)
              const xStride = pixels + (k & 1) * 3;
              const x = values((k - 1) * xStride + pixels, m * 31 + k * 7 + pixels);
              const w = values(m * k, m + k).map((v) => v / Math.sqrt(k));
              const b = values(m, 5);
              const wRaw = a.put(w), wp = a.fresh(m * k);
              wasm.f32_conv2d_pack(wRaw, m, k, 1, wp);
              // output rows yStride floats apart; the floats between rows must stay unwritten
              const yStride = pixels + 5;
              const rows = end - begin;
              const y = a.fresh(rows * yStride);
              wasm.f32_gemm_cw(gemmArgs(a, { x: a.put(x), xStride: xStride * 4, k, w: wp, bias: bias ? a.put(b) : 0, relu, m, y: y, yStride: yStride * 4, pixels, begin, end, table: a.fresh(k) }));
              const gaps: number[] = [];
              for (let r = 0; r < rows; r++) for (let p = pixels; p < yStride; p++) gaps.push(r * yStride + p);
              outs.push([y, rows * yStride, what, gaps]);
              const got = a.read(y, rows * yStride);
              const want: number[] = [], gotRows: number[] = [];
              for (let o = begin; o < end; o++) {
                for (let p = 0; p < pixels; p++) {
                  let s = bias ? b[o] : 0;
                  for (let i = 0; i < k; i++) s += w[o * k + i] * x[i * xStride + p];
                  want.push(relu ? Math.max(s, 0) : s);
                  gotRows.push(got[(o - begin) * yStride + p]);
                }
              }
              assertClose(t, gotRows, want, { atol: 1e-6, rtol: 1e-5 }, what);
            });
          }
        }
      }
    }
  }
});

// ---- f32_gavgpool2_cw ----

const HW = [1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 20, 31, 33, 64, 67];

test("f32_gavgpool2_cw: y[p] = mean(x[p] + r[p]) of every plane, each sum rounded to float32 first", (t) => {
  for (const hw of HW) {
    for (const planes of [1, 3]) {
      withArena(t, (a, outs) => {
        const x = values(planes * hw, hw), r = values(planes * hw, hw + 100).map((v) => -v * 0.75);
        const y = a.fresh(planes);
        wasm.f32_gavgpool2_cw(a.put(x), a.put(r), planes, hw, y);
        outs.push([y, planes, `hw=${hw}`]);
        const want = Array.from({ length: planes }, (_, p) => {
          let s = 0;
          for (let i = p * hw; i < (p + 1) * hw; i++) s += Math.fround(x[i] + r[i]);
          return s / hw;
        });
        assertClose(t, a.read(y, planes), want, { atol: 1e-6, rtol: 1e-6 }, `gavgpool2 planes=${planes} hw=${hw}`);
      });
    }
  }
});

// ---- f32_gmoments_cw ----

function moments(v: ArrayLike<number>): [number, number] {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  const mean = s / v.length;
  let q = 0;
  for (let i = 0; i < v.length; i++) q += (v[i] - mean) ** 2;
  return [mean, q / v.length];
}

test("f32_gmoments_cw: mean and M2 (so the biased variance M2 / H·W) of every plane, accurate where the mean dwarfs the spread", (t) => {
  for (const hw of [...HW, 1000, 1023, 1024, 1025, 3136, 1000003]) {
    for (const offset of [0, 1000]) {
      withArena(t, (a, outs) => {
        const planes = 3;
        // plane 1 is offset + a spread of 0.001: the one-pass Σx²/n − mean² would lose every digit of its
        // variance, and the mean's own rounding (half an ulp of 1000, squared) is 1e-3 of it unless the
        // corrected two-pass formula cancels it; a million floats summed in one run would lose 1e-3 of it too
        const x = values(planes * hw, hw + offset).map((v, i) => (Math.floor(i / hw) === 1 ? offset + 0.001 * v : v * (1 + (i % 5))));
        const mean = a.fresh(planes), variance = a.fresh(planes);
        wasm.f32_gmoments_cw(a.put(x), planes, hw, mean, variance);
        // the kernel gives M2 = Σ(x − mean)², the biased variance times H·W
        const m2 = a.read(variance, planes);
        const what = `hw=${hw} offset=${offset}`;
        outs.push([mean, planes, `mean ${what}`], [variance, planes, `var ${what}`]);
        const want = Array.from({ length: planes }, (_, p) => moments(x.subarray(p * hw, (p + 1) * hw)));
        // within 1e-6 + 1.5e-7·|mean|: two and a half ulps of the offset plane's 1000
        assertClose(t, a.read(mean, planes), want.map((m) => m[0]), { atol: 1e-6, rtol: 1.5e-7 }, `mean ${what}`);
        // relative to the variance itself (not to |mean|)
        assertClose(t, m2.map((v) => v / hw), want.map((m) => m[1]), { atol: 1e-12, rtol: 1e-5 }, `var ${what}`);
      });
    }
  }
});

test("f32_gmoments_cw: one value gives variance 0; NaN and infinities give NaN as PyTorch's GroupNorm", (t) => {
  withArena(t, (a, outs) => {
    const hw = 21;
    const x = values(4 * hw, 9);
    x[hw + 20] = NaN; // plane 1's scalar tail
    x[2 * hw + 3] = Infinity; // plane 2's vector body
    x[3 * hw] = -Infinity;
    const mean = a.fresh(4), variance = a.fresh(4);
    wasm.f32_gmoments_cw(a.put(x), 4, hw, mean, variance);
    outs.push([mean, 4, "mean"], [variance, 4, "var"]);
    const v = Array.from(a.read(variance, 4));
    t.true(Number.isFinite(v[0]) && v[0] > 0);
    t.true(v.slice(1).every(Number.isNaN), `variances ${v}`);
  });
  withArena(t, (a, outs) => {
    const mean = a.fresh(2), variance = a.fresh(2);
    wasm.f32_gmoments_cw(a.put([3.25, -7.5]), 2, 1, mean, variance);
    outs.push([mean, 2, "mean hw=1"], [variance, 2, "var hw=1"]);
    t.deepEqual(Array.from(a.read(mean, 2)), [3.25, -7.5]);
    t.deepEqual(Array.from(a.read(variance, 2)), [0, 0]);
  });
});
