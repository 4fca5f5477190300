// The kernels of SK's and split attention's branch selection and of the grouped 1×1 layers,
// against double-precision references: f32_vsoftmax_rows (softmax across rows, in place or
// strided into another layout), f32_vmulsum_cw (y = Σ_b a_b·u_b per plane) and
// f32_dense_grouped, at lengths below, at and above the 4-lane vector, with outputs prefilled
// with a NaN pattern and followed by a guard zone.

import test, { type ExecutionContext } from "ava";
import { Arena, values, wasm } from "./helpers/wasm.js";

function close(t: ExecutionContext, got: Float32Array, want: ArrayLike<number>, atol: number, rtol: number, what: string): void {
  t.is(got.length, want.length, `${what}: length`);
  let bad = -1;
  for (let i = 0; i < want.length && bad < 0; i++) if (!(Math.abs(got[i] - want[i]) <= atol + rtol * Math.abs(want[i]))) bad = i;
  t.is(bad, -1, `${what}: element ${bad} is ${got[bad]}, expected ${want[bad]}`);
}

function written(t: ExecutionContext, a: Arena, ptr: number, length: number, what: string): void {
  t.deepEqual(a.unwritten(ptr, length), [], `${what}: unwritten`);
  t.true(a.guardIntact(ptr, length), `${what}: wrote past the end`);
}

const LENGTHS = [1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 17];

test("f32_vsoftmax_rows: softmax across 1 to 5 rows, in place and into a strided layout", (t) => {
  for (const rows of [1, 2, 3, 5]) {
    for (const len of LENGTHS) {
      const what = `rows=${rows} len=${len}`;
      // x rows `len + 3` apart, y rows `len` apart (split attention: [G][R][C/G] into [R][C])
      const x = values(rows * (len + 3), rows * 17 + len).map((v) => v * 8);
      const want = new Float64Array(rows * len);
      for (let j = 0; j < len; j++) {
        let m = -Infinity, s = 0;
        for (let r = 0; r < rows; r++) m = Math.max(m, x[r * (len + 3) + j]);
        for (let r = 0; r < rows; r++) s += Math.exp(x[r * (len + 3) + j] - m);
        for (let r = 0; r < rows; r++) want[r * len + j] = Math.exp(x[r * (len + 3) + j] - m) / s;
      }
      const a = new Arena();
      try {
        const y = a.fresh(rows * len);
        wasm.f32_vsoftmax_rows(a.put(x), len + 3, rows, len, y, len);
        written(t, a, y, rows * len, what);
        close(t, a.read(y, rows * len), want, 1e-7, 1e-6, what);
        // in place, rows len apart
        const packed = new Float32Array(rows * len);
        for (let r = 0; r < rows; r++) packed.set(x.subarray(r * (len + 3), r * (len + 3) + len), r * len);
        const xp = a.put(packed);
        wasm.f32_vsoftmax_rows(xp, len, rows, len, xp, len);
        t.true(a.guardIntact(xp, rows * len), `${what} in place: wrote past the end`);
        close(t, a.read(xp, rows * len), want, 1e-7, 1e-6, `${what} in place`);
      } finally {
        a.free();
      }
    }
  }
});

test("f32_vsoftmax_rows: a NaN makes its position NaN; values whose exp over- or underflows", (t) => {
  const a = new Arena();
  try {
    const x = new Float32Array([1, NaN, 3, 1000, 100, -100, 2, 0, 3, -1000, 101, -99]);
    const y = a.fresh(12);
    wasm.f32_vsoftmax_rows(a.put(x), 6, 2, 6, y, 6);
    const got = a.read(y, 12);
    t.true(Number.isNaN(got[1]) && Number.isNaN(got[7]), "position 1 is NaN in both rows");
    const lo = 1 / (1 + Math.E), hi = Math.E / (1 + Math.E);
    close(t, got.filter((_, i) => i % 6 !== 1), [lo, 0.5, 1, lo, lo, hi, 0.5, 0, hi, hi], 1e-7, 1e-6, "finite positions");
  } finally {
    a.free();
  }
});

test("f32_vmulsum_cw: y = Σ_b a_b·u_b for 1 to 4 branches, planes of every length around the vector", (t) => {
  for (const branches of [1, 2, 3, 4]) {
    for (const hw of LENGTHS) {
      const what = `branches=${branches} hw=${hw}`;
      const planes = 3, uStride = planes * hw + 5, aStride = planes + 2;
      const u = values(branches * uStride, hw + branches), att = values(branches * aStride, hw * 3 + branches);
      const want = new Float64Array(planes * hw);
      for (let p = 0; p < planes; p++) {
        for (let i = 0; i < hw; i++) for (let b = 0; b < branches; b++) want[p * hw + i] += att[b * aStride + p] * u[b * uStride + p * hw + i];
      }
      const a = new Arena();
      try {
        const y = a.fresh(planes * hw);
        wasm.f32_vmulsum_cw(a.put(u), uStride, branches, a.put(att), aStride, hw, y, planes);
        written(t, a, y, planes * hw, what);
        close(t, a.read(y, planes * hw), want, 1e-6, 1e-5, what);
      } finally {
        a.free();
      }
    }
  }
});

test("f32_dense_grouped: a grouped 1×1 layer on a vector, with and without bias", (t) => {
  for (const groups of [1, 2, 3, 8]) {
    for (const [inG, outG] of [[1, 1], [3, 2], [4, 4], [5, 9], [16, 4]]) {
      for (const withBias of [true, false]) {
        const what = `groups=${groups} ${inG}→${outG} bias=${withBias}`;
        const x = values(groups * inG, inG), w = values(groups * outG * inG, outG), b = values(groups * outG, 5);
        const want = new Float64Array(groups * outG);
        for (let g = 0; g < groups; g++) {
          for (let o = 0; o < outG; o++) {
            let s = withBias ? b[g * outG + o] : 0;
            for (let i = 0; i < inG; i++) s += w[(g * outG + o) * inG + i] * x[g * inG + i];
            want[g * outG + o] = s;
          }
        }
        const a = new Arena();
        try {
          const y = a.fresh(groups * outG);
          wasm.f32_dense_grouped(a.put(x), groups, inG, a.put(w), withBias ? a.put(b) : 0, outG, y);
          written(t, a, y, groups * outG, what);
          close(t, a.read(y, groups * outG), want, 1e-6, 1e-5, what);
        } finally {
          a.free();
        }
      }
    }
  }
});
