// Triplet attention: the pooling of a plane along both its axes (f32_rcpool_cw) and the three pools of
// an NHWC image (f32_triplet_pool_nhwc) against a double reference below, at and above their vector
// widths and bands, NaN and infinities as torch.amax, and the block's options (goldens and the
// bad-input suite cover the rest).

import test, { type ExecutionContext } from "ava";
import { createTripletAttention } from "../dist/index.js";
import { err } from "./helpers/bad-input.js";
import { assertClose } from "./helpers/close.js";
import { readGolden } from "./helpers/golden.js";
import { Arena, values, wasm } from "./helpers/wasm.js";

function written(t: ExecutionContext, a: Arena, ptr: number, length: number, what: string): Float32Array {
  t.deepEqual(a.unwritten(ptr, length), [], `${what}: unwritten elements`);
  t.true(a.guardIntact(ptr, length), `${what}: wrote past the end`);
  return a.read(ptr, length);
}

/** The four statistics of every plane, through the kernel. */
function rcpool(a: Arena, t: ExecutionContext, x: Float32Array, planes: number, h: number, w: number, what: string) {
  const colMax = a.fresh(planes * w), colMean = a.fresh(planes * w), rowMax = a.fresh(planes * h), rowMean = a.fresh(planes * h);
  wasm.f32_rcpool_cw(a.put(x), planes, h, w, colMax, colMean, rowMax, rowMean);
  return {
    colMax: written(t, a, colMax, planes * w, `${what} colMax`), colMean: written(t, a, colMean, planes * w, `${what} colMean`),
    rowMax: written(t, a, rowMax, planes * h, `${what} rowMax`), rowMean: written(t, a, rowMean, planes * h, `${what} rowMean`),
  };
}

test("f32_rcpool_cw: max and mean of every column and every row of each plane, below, at and above 4 and 16 columns", (t) => {
  for (const h of [1, 2, 3, 5, 8]) {
    for (const w of [1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 33]) {
      const a = new Arena();
      try {
        const planes = 3;
        const x = values(planes * h * w, h * 100 + w);
        const got = rcpool(a, t, x, planes, h, w, `h=${h} w=${w}`);
        const at = (p: number, i: number, j: number) => x[(p * h + i) * w + j];
        const colMax: number[] = [], colMean: number[] = [], rowMax: number[] = [], rowMean: number[] = [];
        for (let p = 0; p < planes; p++) {
          for (let j = 0; j < w; j++) {
            const col = Array.from({ length: h }, (_, i) => at(p, i, j));
            colMax.push(Math.max(...col));
            colMean.push(col.reduce((s, v) => s + v, 0) / h);
          }
          for (let i = 0; i < h; i++) {
            const row = Array.from({ length: w }, (_, j) => at(p, i, j));
            rowMax.push(Math.max(...row));
            rowMean.push(row.reduce((s, v) => s + v, 0) / w);
          }
        }
        const what = `h=${h} w=${w}`;
        t.deepEqual(Array.from(got.colMax), colMax, `${what} colMax`);
        t.deepEqual(Array.from(got.rowMax), rowMax, `${what} rowMax`);
        assertClose(t, got.colMean, colMean, { atol: 1e-6, rtol: 1e-6 }, `${what} colMean`);
        assertClose(t, got.rowMean, rowMean, { atol: 1e-6, rtol: 1e-6 }, `${what} rowMean`);
      } finally {
        a.free();
      }
    }
  }
});

test("f32_rcpool_cw: a NaN makes its row's and its column's max and mean NaN; +∞ with −∞ is NaN's sum but +∞'s max", (t) => {
  for (const w of [3, 4, 9, 17]) {
    const a = new Arena();
    try {
      const h = 5;
      const x = new Float32Array(h * w).fill(-Infinity);
      x[2 * w + 1] = NaN;                   // row 2, column 1
      x[w - 1] = Infinity;                  // row 0, last column: with −∞ below it
      const got = rcpool(a, t, x, 1, h, w, `w=${w}`);
      const colMax = Array.from({ length: w }, (_, j) => (j === 1 ? NaN : j === w - 1 ? Infinity : -Infinity));
      const rowMax = Array.from({ length: h }, (_, i) => (i === 2 ? NaN : i === 0 ? Infinity : -Infinity));
      t.deepEqual(Array.from(got.colMax), colMax, `w=${w} colMax`);
      t.deepEqual(Array.from(got.rowMax), rowMax, `w=${w} rowMax`);
      t.true(Number.isNaN(got.colMean[1]) && Number.isNaN(got.colMean[w - 1]) && Number.isNaN(got.rowMean[2]) && Number.isNaN(got.rowMean[0]), `w=${w} means`);
      t.is(got.colMean[0], -Infinity);
    } finally {
      a.free();
    }
  }
});

/** The NHWC kernel's three pools of one image x [h][w][c]: cw [2][c][w], hc [2][h][c], hw [2][h][w] (max, then mean). */
function tripletPoolNhwc(a: Arena, t: ExecutionContext, x: Float32Array, c: number, h: number, w: number, what: string) {
  const bands = Math.ceil(h / 16), scratch = bands * 2 * w * ((c + 3) & ~3) + 8 * w;
  const cw = a.fresh(2 * c * w), hc = a.fresh(2 * h * c), hw = a.fresh(2 * h * w), s = a.fresh(scratch);
  wasm.f32_triplet_pool_nhwc(a.put(x), c, h, w, cw, hc, hw, s);
  t.true(a.guardIntact(s, scratch), `${what}: wrote past the scratch`);
  return { cw: written(t, a, cw, 2 * c * w, `${what} cw`), hc: written(t, a, hc, 2 * h * c, `${what} hc`), hw: written(t, a, hw, 2 * h * w, `${what} hw`) };
}

/** [max…, mean…] over the index sets of `outer` outputs, in double (a NaN anywhere: NaN max, as torch.amax). */
function zpoolRef(outer: number, inner: number, at: (o: number, i: number) => number): { max: number[]; mean: number[] } {
  const max: number[] = [], mean: number[] = [];
  for (let o = 0; o < outer; o++) {
    const v = Array.from({ length: inner }, (_, i) => at(o, i));
    max.push(v.some(Number.isNaN) ? NaN : Math.max(...v));
    mean.push(v.reduce((s, u) => s + u, 0) / inner);
  }
  return { max, mean };
}

function tripletRefs(x: Float32Array, c: number, h: number, w: number) {
  const at = (i: number, j: number, k: number) => x[(i * w + j) * c + k];
  return {
    cw: zpoolRef(c * w, h, (o, i) => at(i, o % w, Math.floor(o / w))),
    hc: zpoolRef(h * c, w, (o, j) => at(Math.floor(o / c), j, o % c)),
    hw: zpoolRef(h * w, c, (o, k) => at(Math.floor(o / w), o % w, k)),
  };
}

test("f32_triplet_pool_nhwc: the max and mean over H, W and C of an NHWC image, C below, at and above 4 and 16, H across its bands of 16 rows", (t) => {
  for (const c of [1, 3, 4, 5, 15, 16, 17, 20, 33]) {
    for (const h of [1, 2, 15, 16, 17, 33]) {
      for (const w of [1, 3, 8]) {
        const a = new Arena();
        try {
          const what = `c=${c} h=${h} w=${w}`;
          const x = values(h * w * c, c * 1000 + h * 10 + w);
          const got = tripletPoolNhwc(a, t, x, c, h, w, what);
          const want = tripletRefs(x, c, h, w);
          for (const k of ["cw", "hc", "hw"] as const) {
            const n = want[k].max.length;
            t.deepEqual(Array.from(got[k].subarray(0, n)), want[k].max.map(Math.fround), `${what} ${k} max`);
            assertClose(t, got[k].subarray(n), want[k].mean, { atol: 1e-6, rtol: 1e-5 }, `${what} ${k} mean`);
          }
        } finally {
          a.free();
        }
      }
    }
  }
});

test("f32_triplet_pool_nhwc: a NaN makes the max and the mean of each of its three pools NaN; +∞ with −∞ is NaN's sum but +∞'s max", (t) => {
  // C 5 and 21: a NaN in a 4-vector block and in the partial last vector; H 20: two bands
  for (const c of [5, 21]) {
    const a = new Arena();
    try {
      const h = 20, w = 3, what = `c=${c}`;
      const x = values(h * w * c, c);
      const idx = (i: number, j: number, k: number) => (i * w + j) * c + k;
      x[idx(17, 1, c - 1)] = NaN;                                   // second band, the last channel
      x[idx(2, 2, 1)] = NaN;                                        // first band, a block's channel
      x[idx(0, 0, 2)] = Infinity; x[idx(19, 0, 2)] = -Infinity;     // column (w 0, c 2): +∞ and −∞ over H
      const got = tripletPoolNhwc(a, t, x, c, h, w, what);
      const want = tripletRefs(x, c, h, w);
      for (const k of ["cw", "hc", "hw"] as const) {
        const n = want[k].max.length;
        t.deepEqual(Array.from(got[k].subarray(0, n)), want[k].max.map(Math.fround), `${what} ${k} max`);
        t.deepEqual(Array.from(got[k].subarray(n), Number.isNaN), want[k].mean.map(Number.isNaN), `${what} ${k} NaN means`);
      }
      t.is(got.cw[2 * w], Infinity, `${what}: cw max of (c 2, w 0) is +∞`);
      t.true(Number.isNaN(got.cw[c * w + 2 * w]), `${what}: its mean NaN`);
    } finally {
      a.free();
    }
  }
});

test("TripletAttention: bad options name the option and the values expected", async (t) => {
  const g = readGolden("triplet_attention", "default_c6.safetensors");
  const o = g.options;
  await t.throwsAsync(createTripletAttention({ ...o, noSpatial: 1 } as never, g.weights), err(TypeError, /TripletAttention option noSpatial must be true or false, got number 1/));
  await t.throwsAsync(createTripletAttention({ ...o, channels: -6 } as never, g.weights), err(RangeError, /TripletAttention option channels must be a positive integer, got number -6/));
  await t.throwsAsync(createTripletAttention({ ...o, kernel: 3 } as never, g.weights), err(TypeError, /TripletAttention has no option 'kernel'; its options are channels, noSpatial/));
  // noSpatial has no hw branch: its keys are extra
  await t.throwsAsync(createTripletAttention({ ...o, noSpatial: true } as never, g.weights), err(Error, /does not use weight 'hw\.conv\.(conv|bn)\./));
  const { "hc.conv.bn.running_var": _, ...missing } = g.weights;
  await t.throwsAsync(createTripletAttention(o as never, missing), err(Error, /weight 'hc\.conv\.bn\.running_var' \[1\] is missing/));
});
