// The NHWC kernels behind MS-CAM, AFF, iAFF and shuffle attention against double-precision
// references: f32_gemm_nhwc (pixel rows × weight panels, the 1×1 convs of the local branch) and
// gemmPanels (its weights, packed at create), f32_gavgpool2_nhwc (GAP(x + residual) by chunks of
// pixel rows) and f32_vshuffle_gate_nhwc (shuffle attention's gates and channel shuffle inside a
// pixel row; its GroupNorm's moments: f32_moments_nhwc, tests/moments-nhwc.test.ts), at sizes
// below, at and above their 4-lane, 16-channel, 4-row, 8-output and 128-pixel-chunk tiles, outputs
// prefilled with the never-written sentinel and followed by a guard zone.

import test from "ava";
import { gemmPanels } from "../dist/parts/ms-cam.js";
import { assertClose } from "./helpers/close.js";
import { type Arena, values, wasm, withCheckedArena } from "./helpers/wasm.js";

// ---- f32_gemm_nhwc, gemmPanels ----

/** The GemmNhwcArgs record of f32-gemm-nhwc.ts, field for field. */
function gemmArgs(a: Arena, f: { x: number; xStride: number; m: number; k: number; w: number; bias: number; relu: boolean; y: number; yStride: number; n: number }): number {
  const fields = [f.x, f.xStride, f.m, f.k, f.w, f.bias, Number(f.relu), f.y, f.yStride, f.n];
  const ptr = a.fresh(fields.length);
  new Int32Array(wasm.memory.buffer, ptr, fields.length).set(fields);
  return ptr;
}

/** w [n][k] packed by the module's f32_gemm_pack_nt: panels of 8 rows, [⌈n/8⌉][k][8]. */
function packedByModule(a: Arena, w: Float32Array, n: number, k: number): number {
  const panels = Math.ceil(n / 8);
  const packed = a.fresh(panels * k * 8);
  wasm.f32_gemm_pack_nt(a.put(w), n, k, packed, 0, panels);
  return packed;
}

test("gemmPanels packs as the module's f32_gemm_pack_nt, bit for bit (zero past the last row)", (t) => {
  for (const n of [1, 3, 4, 7, 8, 9, 16, 17, 20]) {
    for (const k of [1, 2, 3, 4, 5, 16, 20]) {
      withCheckedArena(t, (a) => {
        const w = values(n * k, n * 13 + k);
        const js = gemmPanels(w, n, k);
        t.deepEqual(Array.from(a.read(packedByModule(a, w, n, k), js.length)), Array.from(js), `n=${n} k=${k}`);
      });
    }
  }
});

test("f32_gemm_nhwc: y[p, o] = act(b[o] + Σ_i x[p, i]·w[o, i]) over pixel rows, with strides, with and without bias and ReLU", (t) => {
  for (const m of [1, 2, 3, 4, 5, 7, 8, 9]) {
    for (const n of [1, 3, 4, 5, 7, 8, 9, 15, 16, 17]) {
      for (const k of [1, 2, 5, 16]) {
        for (const [bias, relu] of [[true, true], [false, false], [true, false]] as const) {
          withCheckedArena(t, (a, outs) => {
            const what = `m=${m} n=${n} k=${k} bias=${bias} relu=${relu}`;
            // rows of x xStride floats apart, the last ending the buffer
            const xStride = k + (m & 1) * 3;
            const x = values((m - 1) * xStride + k, m * 31 + k * 7 + n);
            const w = values(n * k, n + k).map((v) => v / Math.sqrt(k));
            const b = values(n, 5);
            // output rows yStride floats apart; the floats between rows must stay unwritten
            const yStride = n + 3;
            const y = a.fresh(m * yStride);
            wasm.f32_gemm_nhwc(gemmArgs(a, { x: a.put(x), xStride: xStride * 4, m, k, w: packedByModule(a, w, n, k), bias: bias ? a.put(b) : 0, relu, y, yStride: yStride * 4, n }));
            const gaps: number[] = [];
            for (let p = 0; p < m; p++) for (let o = n; o < yStride; o++) gaps.push(p * yStride + o);
            outs.push([y, m * yStride, what, gaps]);
            const got = a.read(y, m * yStride);
            const want: number[] = [], gotRows: number[] = [];
            for (let p = 0; p < m; p++) {
              for (let o = 0; o < n; o++) {
                let s = bias ? b[o] : 0;
                for (let i = 0; i < k; i++) s += w[o * k + i] * x[p * xStride + i];
                want.push(relu ? Math.max(s, 0) : s);
                gotRows.push(got[p * yStride + o]);
              }
            }
            assertClose(t, gotRows, want, { atol: 1e-6, rtol: 1e-5 }, what);
          });
        }
      }
    }
  }
});

// ---- f32_gavgpool2_nhwc ----

/** Pixel counts around the 128-row chunks of the NHWC pools. */
const HW = [1, 2, 5, 31, 127, 128, 129, 255, 256, 300];
/** Channel counts around the 4-lane vectors and the 16-channel (and 8-channel) blocks. */
const C = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 20, 33];

test("f32_gavgpool2_nhwc: mean[c] = mean over the pixels of x[p, c] + r[p, c], each sum rounded to float32 first", (t) => {
  for (const hw of HW) {
    for (const c of C) {
      withCheckedArena(t, (a, outs) => {
        const x = values(hw * c, hw + c), r = values(hw * c, hw * 3 + c).map((v) => -v * 0.75);
        const chunks = Math.ceil(hw / 128);
        const mean = a.fresh(c);
        wasm.f32_gavgpool2_nhwc(a.put(x), a.put(r), hw, c, a.fresh(chunks * c), mean);
        outs.push([mean, c, `hw=${hw} c=${c}`]);
        const want = Array.from({ length: c }, (_, ch) => {
          let s = 0;
          for (let p = 0; p < hw; p++) s += Math.fround(x[p * c + ch] + r[p * c + ch]);
          return s / hw;
        });
        assertClose(t, a.read(mean, c), want, { atol: 1e-6, rtol: 1e-6 }, `gavgpool2 hw=${hw} c=${c}`);
      });
    }
  }
});

// ---- f32_vshuffle_gate_nhwc ----

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

test("f32_vshuffle_gate_nhwc: y[p, 2q + i] = z[p, i·C/2 + q], z = x·σ(sw·(x·a + b) + sb) (spatial channels) or x·g (channel ones), for any row range", (t) => {
  // which channels are spatial: runs of 1, 2, 3 channels (every vector mixed), blocks of 4 (P = 4:
  // whole vectors of the channel branch, where the kernel computes no σ), or pairs (P = 2: one σ
  // for the spatial lanes of both halves' vectors, "P=2 pairs", where C/2 is a multiple of 4)
  const patterns: [string, (ch: number) => boolean][] = [
    ["mixed", (ch) => ((ch * 5) % 7) < 3], ["P=4", (ch) => ((ch >> 2) & 1) === 1], ["P=2", (ch) => (ch & 3) >= 2], ["P=2 pairs", (ch) => (ch & 3) >= 2],
  ];
  for (const c of [2, 4, 6, 8, 10, 12, 14, 16, 18, 24, 34, 40]) {
    for (const [rows, begin, end] of [[1, 0, 1], [3, 0, 3], [5, 1, 4], [4, 3, 4]]) for (const [pattern, isSpatial] of patterns) {
      if (pattern === "P=2 pairs" && (c / 2) % 4 !== 0) continue;
      withCheckedArena(t, (a, outs) => {
        const what = `c=${c} ${pattern} rows [${begin}, ${end}) of ${rows}`;
        const x = values(rows * c, c * 7 + rows);
        // the table: a, b, sw, sb, g, then the mask (−1: spatial)
        const table = new Float32Array(6 * c);
        const rnd = values(5 * c, c + 1);
        table.set(rnd);
        const mask = new Int32Array(table.buffer, 5 * c * 4, c);
        const spatial = Array.from({ length: c }, (_, ch) => isSpatial(ch));
        spatial.forEach((s, ch) => { mask[ch] = s ? -1 : 0; });
        const y = a.fresh(rows * c);
        wasm.f32_vshuffle_gate_nhwc(a.put(x), c, a.put(table), y, begin, end, pattern === "P=2 pairs");
        const unwritten: number[] = [];
        for (let p = 0; p < rows; p++) if (p < begin || p >= end) for (let o = 0; o < c; o++) unwritten.push(p * c + o);
        outs.push([y, rows * c, what, unwritten]);
        const got = a.read(y, rows * c), gotRows: number[] = [], want: number[] = [];
        for (let p = begin; p < end; p++) {
          for (let o = 0; o < c; o++) {
            const src = (o & 1) * (c / 2) + (o >> 1), v = x[p * c + src];
            const [ta, tb, sw, sb, g] = [0, 1, 2, 3, 4].map((r) => table[r * c + src]);
            want.push(v * (spatial[src] ? sigmoid(sw * (v * ta + tb) + sb) : g));
            gotRows.push(got[p * c + o]);
          }
        }
        assertClose(t, gotRows, want, { atol: 1e-6, rtol: 1e-5 }, what);
      });
    }
  }
});
