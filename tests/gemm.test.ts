// f32_gemm_pack_nt, f32_gemm_nt (C = A·Bᵀ, both K-contiguous, both packed) and the symmetric
// f32_syrk_nt + f32_syrk_mirror (C = alpha·A·Aᵀ) against a double-precision reference, at m, n, k
// below, at and above the 4×8 tile and the 4-wide transpose of the pack, each work range split in
// pieces run last first. Outputs are prefilled with a NaN pattern and followed by a guard zone.

import test, { type ExecutionContext } from "ava";
import { Arena, values, wasm } from "./helpers/wasm.js";

const panels = (n: number) => Math.ceil(n / 8);

/** Runs items [0, items) of `run` as a few pieces, the last piece first. */
function inPieces(items: number, run: (begin: number, end: number) => void): void {
  const cuts = [0, Math.floor(items / 3), Math.floor((2 * items) / 3), items];
  for (let i = cuts.length - 2; i >= 0; i--) if (cuts[i] < cuts[i + 1]) run(cuts[i], cuts[i + 1]);
}

/** alpha·A·Bᵀ and Σ|alpha·a·b| per element, in double. */
function reference(a: Float32Array, b: Float32Array, m: number, n: number, k: number, alpha = 1) {
  const c = new Float64Array(m * n), mag = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0, t = 0;
      for (let q = 0; q < k; q++) {
        s += a[i * k + q] * b[j * k + q];
        t += Math.abs(a[i * k + q] * b[j * k + q]);
      }
      c[i * n + j] = alpha * s;
      mag[i * n + j] = Math.abs(alpha) * t;
    }
  }
  return { c, mag };
}

function assertProduct(t: ExecutionContext, got: Float32Array, want: { c: Float64Array; mag: Float64Array }, k: number, what: string): void {
  let bad = -1;
  // float32 accumulation of k products: within k·2^-24 of Σ|a·b| (plus the final scaling)
  for (let i = 0; i < got.length && bad < 0; i++) if (!(Math.abs(got[i] - want.c[i]) <= 1e-30 + (k + 2) * 6e-8 * want.mag[i])) bad = i;
  t.is(bad, -1, `${what}: element ${bad} is ${got[bad]}, expected ${want.c[bad]}`);
}

/** B [n][k] packed by f32_gemm_pack_nt (checked fully written, guard intact). */
function pack(t: ExecutionContext, ar: Arena, bp: number, n: number, k: number, what: string): number {
  const floats = panels(n) * 8 * k;
  const packed = ar.fresh(floats);
  inPieces(panels(n), (b, e) => wasm.f32_gemm_pack_nt(bp, n, k, packed, b, e));
  t.deepEqual(ar.unwritten(packed, floats), [], `${what}: packed fully written`);
  t.true(ar.guardIntact(packed, floats), `${what}: the pack wrote past its end`);
  return packed;
}

test("f32_gemm_pack_nt: panels of 8 rows as [k][8], zero past row n", (t) => {
  for (const n of [1, 3, 4, 5, 8, 9, 13, 16]) {
    for (const k of [1, 3, 4, 5, 9]) {
      const ar = new Arena();
      try {
        const b = values(n * k, n * 7 + k);
        const packed = ar.read(pack(t, ar, ar.put(b), n, k, `n=${n} k=${k}`), panels(n) * 8 * k);
        const want = new Float32Array(panels(n) * 8 * k);
        for (let j = 0; j < n; j++) for (let q = 0; q < k; q++) want[(Math.floor(j / 8) * k + q) * 8 + (j % 8)] = b[j * k + q];
        t.deepEqual(Array.from(packed), Array.from(want), `n=${n} k=${k}`);
      } finally {
        ar.free();
      }
    }
  }
});

test("f32_gemm_nt: C = A·Bᵀ at m, n, k around the 4×8 tile", (t) => {
  for (const m of [1, 2, 3, 4, 5, 8, 9, 13]) {
    for (const n of [1, 3, 4, 5, 7, 8, 9, 16, 17]) {
      for (const k of [1, 2, 4, 5, 8, 33]) {
        const what = `m=${m} n=${n} k=${k}`;
        const ar = new Arena();
        try {
          const a = values(m * k, m * 31 + k), b = values(n * k, n * 17 + k + 1);
          const pa = pack(t, ar, ar.put(a), m, k, what), pb = pack(t, ar, ar.put(b), n, k, what);
          const c = ar.fresh(m * n);
          inPieces(Math.ceil(m / 4) * panels(n), (begin, end) => wasm.f32_gemm_nt(pa, pb, m, n, k, c, begin, end));
          t.deepEqual(ar.unwritten(c, m * n), [], `${what}: unwritten`);
          t.true(ar.guardIntact(c, m * n), `${what}: wrote past C`);
          assertProduct(t, ar.read(c, m * n), reference(a, b, m, n, k), k, what);
        } finally {
          ar.free();
        }
      }
    }
  }
});

test("f32_syrk_nt + f32_syrk_mirror: C = alpha·A·Aᵀ, exactly symmetric", (t) => {
  for (const m of [1, 2, 3, 4, 5, 7, 8, 9, 12, 16, 17, 24, 33]) {
    for (const k of [1, 3, 4, 7, 35]) {
      const what = `m=${m} k=${k}`;
      const ar = new Arena();
      try {
        const a = values(m * k, m * 13 + k), alpha = 1 / k;
        const packed = pack(t, ar, ar.put(a), m, k, what);
        const c = ar.fresh(m * m);
        // the tiles reaching the diagonal or above: panel np has those of rows < 8·np + 8
        let tiles = 0;
        for (let np = 0; np < panels(m); np++) tiles += Math.min(Math.ceil(m / 4), 2 * np + 2);
        inPieces(tiles, (begin, end) => wasm.f32_syrk_nt(packed, m, k, alpha, c, begin, end));
        inPieces(m, (begin, end) => wasm.f32_syrk_mirror(c, m, begin, end));
        t.deepEqual(ar.unwritten(c, m * m), [], `${what}: unwritten`);
        t.true(ar.guardIntact(c, m * m), `${what}: wrote past C`);
        const got = ar.read(c, m * m);
        assertProduct(t, got, reference(a, a, m, m, k, alpha), k, what);
        let asymmetric = -1;
        for (let i = 0; i < m && asymmetric < 0; i++) for (let j = 0; j < m; j++) if (!Object.is(got[i * m + j], got[j * m + i])) asymmetric = i * m + j;
        t.is(asymmetric, -1, `${what}: C[${Math.floor(asymmetric / m)}][${asymmetric % m}] differs from its mirror`);
      } finally {
        ar.free();
      }
    }
  }
});
