// Gather-excite: its kernels against double references (the windowed average / max pool dividing by
// the in-bounds count, the depthwise strided 3×3 conv, the scaling by a gate resized with PyTorch's
// float32 nearest indices; in NHWC the same pool, any depthwise conv with its BN affine, the same
// resize) below, at and above their vector widths, and the block's options and limits (goldens and
// the bad-input suite cover the rest).

import test, { type ExecutionContext } from "ava";
import { EPILOGUE_NONE, EPILOGUE_RELU } from "../dist/constants.js";
import { createGatherExcite } from "../dist/index.js";
import { err } from "./helpers/bad-input.js";
import { assertClose } from "./helpers/close.js";
import { assertGolden, readGolden } from "./helpers/golden.js";
import { nchwToNhwc } from "./helpers/golden-layout.js";
import { Arena, values, wasm } from "./helpers/wasm.js";

function written(t: ExecutionContext, a: Arena, ptr: number, length: number, what: string): Float32Array {
  t.deepEqual(a.unwritten(ptr, length), [], `${what}: unwritten elements`);
  t.true(a.guardIntact(ptr, length), `${what}: wrote past the end`);
  return a.read(ptr, length);
}

const outSize = (size: number, k: number, s: number, p: number) => Math.floor((size + 2 * p - k) / s) + 1;

/** avg_pool2d(count_include_pad=False), and 0.5·avg + 0.5·max_pool2d with `withMax`, in double. */
function poolRef(x: ArrayLike<number>, planes: number, h: number, w: number, [k, s, p]: number[], withMax: boolean): number[] {
  const oh = outSize(h, k, s, p), ow = outSize(w, k, s, p), out: number[] = [];
  for (let q = 0; q < planes; q++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        let sum = 0, count = 0, max = -Infinity;
        for (let r = Math.max(0, i * s - p); r < Math.min(h, i * s - p + k); r++) {
          for (let c = Math.max(0, j * s - p); c < Math.min(w, j * s - p + k); c++) {
            const v = x[(q * h + r) * w + c];
            sum += v; count++; max = Number.isNaN(v) || v > max ? v : max;
          }
        }
        out.push(withMax ? 0.5 * (sum / count) + 0.5 * max : sum / count);
      }
    }
  }
  return out;
}

function pool(a: Arena, t: ExecutionContext, x: Float32Array, planes: number, h: number, w: number, geometry: number[], withMax: boolean, what: string): Float32Array {
  const [k, s, p] = geometry, length = planes * outSize(h, k, s, p) * outSize(w, k, s, p);
  const out = a.fresh(length);
  const geo = a.fresh(3);
  new Int32Array(wasm.memory.buffer, geo, 3).set(geometry);
  wasm.f32_avgpool_cw(a.put(x), planes, h, w, geo, withMax, a.fresh(2 * (((w + 3) & ~3) + 8)), out);
  return written(t, a, out, length, what);
}

test("f32_avgpool_cw: windows with stride and padding divide by their in-bounds count; 0.5·avg + 0.5·max", (t) => {
  // gather-excite's 2e − 1, e, e − 1 for e = 2, 4, 6, 8, and others
  const geometries = [[3, 2, 1], [7, 4, 3], [11, 6, 5], [15, 8, 7], [3, 1, 1], [2, 2, 0], [5, 3, 2], [1, 1, 0]];
  for (const geometry of geometries) {
    for (const h of [1, 2, 3, 5, 8, 13]) {
      for (const w of [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33]) {
        if (outSize(h, geometry[0], geometry[1], geometry[2]) < 1 || outSize(w, geometry[0], geometry[1], geometry[2]) < 1) continue;
        for (const withMax of [false, true]) {
          const a = new Arena();
          try {
            const planes = 2, x = values(planes * h * w, h * 64 + w);
            const what = `[k, s, p] = [${geometry}] h=${h} w=${w}${withMax ? " withMax" : ""}`;
            assertClose(t, pool(a, t, x, planes, h, w, geometry, withMax, what), poolRef(x, planes, h, w, geometry, withMax), { atol: 1e-6, rtol: 1e-6 }, what);
          } finally {
            a.free();
          }
        }
      }
    }
  }
});

test("f32_avgpool_cw: a NaN makes its windows NaN; ±∞ as PyTorch (+∞ with −∞ in a window: NaN)", (t) => {
  const a = new Arena();
  try {
    const h = 9, w = 11, geometry = [3, 2, 1];
    const x = values(h * w, 3);
    x[3 * w + 5] = NaN;                      // row 3, column 5: on the edge of windows (1..2, 2..3)
    x[0] = Infinity;                          // window (0, 0) only
    x[8 * w + 10] = Infinity; x[8 * w + 9] = -Infinity; // window (4, 5): NaN
    for (const withMax of [false, true]) {
      const got = pool(a, t, x, 1, h, w, geometry, withMax, `withMax ${withMax}`);
      const want = poolRef(x, 1, h, w, geometry, withMax);
      t.deepEqual(Array.from(got, (v) => (Number.isFinite(v) ? 0 : v)), want.map((v) => (Number.isFinite(v) ? 0 : v)), `withMax ${withMax}: the same NaN and ∞`);
      t.is(got.filter(Number.isNaN).length, 5, `withMax ${withMax}: 4 windows hold the NaN, 1 holds +∞ and −∞`);
    }
  } finally {
    a.free();
  }
});

/** PyTorch's float32 source index (Math.fround(in / out) is float32's quotient: double has more than 2·24 + 2 bits). */
const f32Index = (dst: number, size: number, out: number) => Math.min(Math.floor(Math.fround(Math.fround(dst) * Math.fround(size / out))), size - 1);

test("f32_vscale_nearest_cw: x·t resized by nearest neighbour with PyTorch's float32 source indices (50 → 198: row 99 reads row 24, not 25)", (t) => {
  t.is(f32Index(99, 50, 198), 24);
  t.is(Math.floor((99 * 50) / 198), 25);
  // enlarging (gather-excite's) and shrinking (sources more than four floats apart: gathered one by one)
  const pairs = [[1, 1], [1, 5], [2, 7], [3, 9], [5, 13], [7, 7], [28, 56], [13, 51], [50, 198], [4, 3], [13, 5], [50, 7]];
  for (const [gh, h] of pairs) {
    for (const [gw, w] of pairs) {
      const a = new Arena();
      try {
        const planes = 2, x = values(planes * h * w, h + 3 * w), g = values(planes * gh * gw, gh + 7 * gw);
        const xp = a.put(x), tables = ((h + 3) & ~3) + ((w + 3) >> 2) * 5;
        wasm.f32_vscale_nearest_cw(xp, planes, h, w, a.put(g), gh, gw, a.fresh(tables));
        const what = `${gh}×${gw} → ${h}×${w}`;
        const want = Array.from(x, (v, k) => {
          const p = Math.floor(k / (h * w)), i = Math.floor(k / w) % h, j = k % w;
          return Math.fround(v * g[(p * gh + f32Index(i, gh, h)) * gw + f32Index(j, gw, w)]);
        });
        t.true(a.guardIntact(xp, x.length), `${what}: wrote past the end`);
        t.deepEqual(Array.from(a.read(xp, x.length)), want, what);
      } finally {
        a.free();
      }
    }
  }
});

test("f32_dwconv3x3s2_cw: depthwise 3×3, stride 2, padding 1, bias, ReLU, read in place, below, at and above 4 and 8 columns", (t) => {
  for (const h of [1, 2, 3, 4, 5, 8, 9]) {
    for (const w of [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33]) {
      for (const [relu, withBias] of [[false, true], [true, true], [false, false]]) {
        const a = new Arena();
        try {
          const c = 3, oh = Math.floor((h - 1) / 2) + 1, ow = Math.floor((w - 1) / 2) + 1;
          const x = values(c * h * w, h * 50 + w), k = values(c * 9, 7), bias = values(c, 8);
          const y = a.fresh(c * oh * ow);
          wasm.f32_dwconv3x3s2_cw(a.put(x), c, h, w, a.put(k), withBias ? a.put(bias) : 0, relu, y);
          const want: number[] = [];
          for (let ch = 0; ch < c; ch++) {
            for (let oy = 0; oy < oh; oy++) {
              for (let ox = 0; ox < ow; ox++) {
                let s = withBias ? bias[ch] : 0;
                for (let ky = 0; ky < 3; ky++) {
                  for (let kx = 0; kx < 3; kx++) {
                    const r = 2 * oy + ky - 1, col = 2 * ox + kx - 1;
                    if (r >= 0 && r < h && col >= 0 && col < w) s += k[ch * 9 + ky * 3 + kx] * x[(ch * h + r) * w + col];
                  }
                }
                want.push(relu ? Math.max(0, s) : s);
              }
            }
          }
          const what = `h=${h} w=${w} relu=${relu} bias=${withBias}`;
          assertClose(t, written(t, a, y, c * oh * ow, what), want, { atol: 1e-6, rtol: 1e-5 }, what);
        } finally {
          a.free();
        }
      }
    }
  }
});

// ---- NHWC: f32_avgpool_nwc, f32_dwconv_nwc, f32_vscale_nearest_nwc ----

/** C below, at and above the kernels' 4- and 16-channel vectors. */
const NHWC_C = [1, 3, 4, 5, 15, 16, 17, 20, 33];

test("f32_avgpool_nwc: the NCHW pool's windows (in-bounds count; 0.5·avg + 0.5·max) on NHWC images, C below, at and above 4 and 16", (t) => {
  for (const geometry of [[3, 2, 1], [7, 4, 3], [11, 6, 5], [2, 2, 0], [1, 1, 0]]) {
    for (const [h, w] of [[1, 1], [3, 5], [8, 9], [13, 4]]) {
      if (outSize(h, geometry[0], geometry[1], geometry[2]) < 1 || outSize(w, geometry[0], geometry[1], geometry[2]) < 1) continue;
      const oh = outSize(h, geometry[0], geometry[1], geometry[2]), ow = outSize(w, geometry[0], geometry[1], geometry[2]);
      for (const c of NHWC_C) {
        for (const withMax of [false, true]) {
          const a = new Arena();
          try {
            const n = 2, planes = values(n * c * h * w, c * 64 + h * 8 + w), length = n * oh * ow * c;
            const out = a.fresh(length), geo = a.fresh(3);
            new Int32Array(wasm.memory.buffer, geo, 3).set(geometry);
            wasm.f32_avgpool_nwc(a.put(nchwToNhwc(planes, [n, c, h, w])), n, h, w, c, geo, withMax, out);
            const what = `[k, s, p] = [${geometry}] ${h}×${w} c=${c}${withMax ? " withMax" : ""}`;
            const want = nchwToNhwc(Float32Array.from(poolRef(planes, n * c, h, w, geometry, withMax)), [n, c, oh, ow]);
            assertClose(t, written(t, a, out, length, what), want, { atol: 1e-6, rtol: 1e-6 }, what);
          } finally {
            a.free();
          }
        }
      }
    }
  }
});

test("f32_avgpool_nwc: a NaN makes its windows NaN; ±∞ as PyTorch (+∞ with −∞ in a window: NaN), in the 16-channel body and the last partial vector", (t) => {
  const a = new Arena();
  try {
    const n = 1, c = 21, h = 9, w = 11, geometry = [3, 2, 1], oh = outSize(h, 3, 2, 1), ow = outSize(w, 3, 2, 1);
    const planes = values(c * h * w, 3);
    for (const ch of [2, 20]) {
      const x = planes.subarray(ch * h * w);
      x[3 * w + 5] = NaN; x[0] = Infinity; x[8 * w + 10] = Infinity; x[8 * w + 9] = -Infinity;
    }
    const geo = a.fresh(3);
    new Int32Array(wasm.memory.buffer, geo, 3).set(geometry);
    for (const withMax of [false, true]) {
      const out = a.fresh(oh * ow * c);
      wasm.f32_avgpool_nwc(a.put(nchwToNhwc(planes, [n, c, h, w])), n, h, w, c, geo, withMax, out);
      const want = nchwToNhwc(Float32Array.from(poolRef(planes, c, h, w, geometry, withMax)), [n, c, oh, ow]);
      const special = (v: number) => (Number.isFinite(v) ? 0 : v);
      t.deepEqual(Array.from(a.read(out, oh * ow * c), special), Array.from(want, special), `withMax ${withMax}: the same NaN and ∞`);
    }
  } finally {
    a.free();
  }
});

/** A depthwise conv in double over NCHW planes (weights [C][kh][kw]), only the taps inside the image; then bias, affine, ReLU. */
function dwconvRef(x: Float32Array, n: number, c: number, h: number, w: number, cv: { kh: number; kw: number; s: number; ph: number; pw: number }, k: Float32Array, after: (v: number, ch: number) => number): Float32Array {
  const oh = outSize(h, cv.kh, cv.s, cv.ph), ow = outSize(w, cv.kw, cv.s, cv.pw), out = new Float32Array(n * c * oh * ow);
  for (let p = 0; p < n * c; p++) {
    const ch = p % c;
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        let s = 0;
        for (let ky = 0; ky < cv.kh; ky++) {
          for (let kx = 0; kx < cv.kw; kx++) {
            const r = oy * cv.s - cv.ph + ky, col = ox * cv.s - cv.pw + kx;
            if (r >= 0 && r < h && col >= 0 && col < w) s += k[(ch * cv.kh + ky) * cv.kw + kx] * x[(p * h + r) * w + col];
          }
        }
        out[(p * oh + oy) * ow + ox] = after(s, ch);
      }
    }
  }
  return out;
}

/** Runs f32_dwconv_nwc on NCHW planes (transposed in, the output transposed back by the caller's reference) with a ConvParams record. */
function dwconvNhwc(a: Arena, x: Float32Array, n: number, c: number, h: number, w: number, cv: { kh: number; kw: number; s: number; ph: number; pw: number }, k: Float32Array, extra: { bias?: Float32Array; scale?: Float32Array; shift?: Float32Array; relu: boolean }): { out: number; length: number } {
  const oh = outSize(h, cv.kh, cv.s, cv.ph), ow = outSize(w, cv.kw, cv.s, cv.pw), taps = cv.kh * cv.kw;
  const tapMajor = Float32Array.from(k, (_, i) => k[(i % c) * taps + Math.floor(i / c)]);
  const put = (v?: Float32Array) => (v ? a.put(v) : 0);
  const record = a.fresh(21);
  new Int32Array(wasm.memory.buffer, record, 21).set([
    c, c, cv.kh, cv.kw, cv.s, cv.s, 1, 1, cv.ph, cv.pw, c, extra.relu ? EPILOGUE_RELU : EPILOGUE_NONE,
    a.put(tapMajor), put(extra.bias), 0, 0, c, 0, 0, put(extra.scale), put(extra.shift),
  ]);
  const length = n * oh * ow * c, out = a.fresh(length);
  wasm.f32_dwconv_nwc(record, a.put(nchwToNhwc(x, [n, c, h, w])), n, h, w, out);
  return { out, length };
}

test("f32_dwconv_nwc: depthwise k×k (3×3 stride 2 pad 1, featSize's 4×3 and 3×5), bias, the BN affine after it, ReLU, C below, at and above 4 and 16", (t) => {
  const convs = [{ kh: 3, kw: 3, s: 2, ph: 1, pw: 1 }, { kh: 4, kw: 3, s: 1, ph: 1, pw: 1 }, { kh: 3, kw: 5, s: 1, ph: 1, pw: 2 }];
  for (const cv of convs) {
    for (const [h, w] of [[1, 1], [2, 3], [5, 4], [9, 7]]) {
      if (outSize(h, cv.kh, cv.s, cv.ph) < 1 || outSize(w, cv.kw, cv.s, cv.pw) < 1) continue;
      for (const c of NHWC_C) {
        for (const [relu, withAffine] of [[false, false], [true, true]]) {
          const a = new Arena();
          try {
            const n = 2, x = values(n * c * h * w, c * 50 + h * 9 + w), k = values(c * cv.kh * cv.kw, 7), bias = values(c, 8);
            const scale = withAffine ? values(c, 9) : undefined, shift = withAffine ? values(c, 10) : undefined;
            const { out, length } = dwconvNhwc(a, x, n, c, h, w, cv, k, { bias, scale, shift, relu });
            const want = dwconvRef(x, n, c, h, w, cv, k, (v, ch) => {
              let u = v + bias[ch];
              if (scale && shift) u = u * scale[ch] + shift[ch];
              return relu ? Math.max(0, u) : u;
            });
            const what = `${cv.kh}×${cv.kw}/${cv.s} ${h}×${w} c=${c} relu=${relu} affine=${withAffine}`;
            assertClose(t, written(t, a, out, length, what), nchwToNhwc(want, [n, c, outSize(h, cv.kh, cv.s, cv.ph), outSize(w, cv.kw, cv.s, cv.pw)]), { atol: 1e-5, rtol: 1e-5 }, what);
          } finally {
            a.free();
          }
        }
      }
    }
  }
});

test("f32_dwconv_nwc: a NaN or ±∞ weight at a corner tap reaches only the output pixels where that tap lands inside the image", (t) => {
  const cv = { kh: 3, kw: 3, s: 2, ph: 1, pw: 1 }, n = 1, c = 5, h = 6, w = 7;
  for (const bad of [NaN, Infinity, -Infinity]) {
    const a = new Arena();
    try {
      const x = values(c * h * w, 4), k = values(c * 9, 5);
      k[1 * 9 + 0] = bad; // channel 1, tap (0, 0): outside for the first output row and column
      k[4 * 9 + 8] = bad; // channel 4, tap (2, 2)
      const { out, length } = dwconvNhwc(a, x, n, c, h, w, cv, k, { relu: false });
      const want = nchwToNhwc(dwconvRef(x, n, c, h, w, cv, k, (v) => v), [n, c, outSize(h, 3, 2, 1), outSize(w, 3, 2, 1)]);
      const got = a.read(out, length);
      const kind = (v: number) => (Number.isNaN(v) ? "NaN" : Number.isFinite(v) ? "finite" : v > 0 ? "+inf" : "-inf");
      t.deepEqual(Array.from(got, kind), Array.from(want, kind), `weight ${bad}: the same NaN and ∞ positions`);
      t.true(Array.from(got).some(Number.isFinite) && !Array.from(got).every(Number.isFinite), `weight ${bad}: some pixels poisoned, not all`);
    } finally {
      a.free();
    }
  }
});

test("f32_vscale_nearest_nwc: x·t resized by nearest neighbour with PyTorch's float32 indices on NHWC images, C below, at and above 4 and 16", (t) => {
  const pairs = [[1, 1], [1, 5], [2, 7], [5, 13], [50, 198], [13, 5]];
  for (const [gh, h] of pairs) {
    for (const [gw, w] of pairs.slice(0, 4)) {
      for (const c of [1, 4, 5, 16, 17]) {
        const a = new Arena();
        try {
          const n = 2, x = values(n * h * w * c, h + 3 * w + c), g = values(n * gh * gw * c, gh + 7 * gw);
          const xp = a.put(x), grid = a.fresh(2);
          new Int32Array(wasm.memory.buffer, grid, 2).set([gh, gw]);
          wasm.f32_vscale_nearest_nwc(xp, n, h, w, c, a.put(g), grid, a.fresh(h + w));
          const what = `${gh}×${gw} → ${h}×${w} c=${c}`;
          const want = Array.from(x, (v, k) => {
            const ch = k % c, j = Math.floor(k / c) % w, i = Math.floor(k / (c * w)) % h, img = Math.floor(k / (c * w * h));
            return Math.fround(v * g[((img * gh + f32Index(i, gh, h)) * gw + f32Index(j, gw, w)) * c + ch]);
          });
          t.true(a.guardIntact(xp, x.length), `${what}: wrote past the end`);
          t.deepEqual(Array.from(a.read(xp, x.length)), want, what);
        } finally {
          a.free();
        }
      }
    }
  }
});

test("GatherExcite: bad options name the option and the values expected", async (t) => {
  const g = readGolden("gather_excite", "extent2_noparams_mlp.safetensors");
  const o = g.options;
  const bad: Array<[Record<string, unknown>, ReturnType<typeof err>]> = [
    [{ extent: 3 }, err(RangeError, /GatherExcite option extent must be 0 or an even positive integer, got number 3/)],
    [{ extent: -2 }, err(RangeError, /option extent must be 0 or an even positive integer, got number -2/)],
    [{ extent: "2" }, err(RangeError, /option extent must be 0 or an even positive integer, got string 2/)],
    [{ extraParams: 1 }, err(TypeError, /option extraParams must be true or false, got number 1/)],
    [{ useMlp: "no" }, err(TypeError, /option useMlp must be true or false/)],
    [{ addMaxpool: null }, err(TypeError, /option addMaxpool must be true or false, got null/)],
    [{ rdRatio: 0 }, err(RangeError, /option rdRatio must be a positive number, got 0/)],
    [{ rdRatio: Infinity }, err(RangeError, /option rdRatio must be a finite number, got number Infinity/)],
    [{ reducedChannels: 0 }, err(RangeError, /option reducedChannels must be a positive integer, got number 0/)],
    [{ extraParams: true, addMaxpool: true }, err(RangeError, /option addMaxpool is only for extraParams: false/)],
    [{ extent: 0, extraParams: true }, err(RangeError, /option featSize \[kh, kw\] is required with extraParams and extent 0/)],
    [{ featSize: [3, 3] }, err(RangeError, /option featSize is only used with extraParams and extent 0, got it with extraParams false and extent 2/)],
    [{ extent: 0, extraParams: true, featSize: [3] }, err(TypeError, /option featSize must be an array \[kh, kw\] of two positive integers, got an array of length 1/)],
    [{ extent: 0, extraParams: true, featSize: [3, 0] }, err(RangeError, /option featSize\[1\] must be a positive integer, got number 0/)],
    [{ extent: 1024, extraParams: true }, err(RangeError, /option extent 1024 with extraParams needs ⌊log2 1024⌋ = 10 strided convs; at most 8 \(extent < 512\)/)],
    [{ extentt: 2 }, err(TypeError, /GatherExcite has no option 'extentt'; its options are channels, extent, extraParams, useMlp, rdRatio, reducedChannels, addMaxpool, featSize/)],
  ];
  for (const [change, expectation] of bad) await t.throwsAsync(createGatherExcite({ ...o, ...change } as never, g.weights), expectation, JSON.stringify(change));
  // the keys follow the options
  await t.throwsAsync(createGatherExcite({ ...o, useMlp: false } as never, g.weights), err(Error, /does not use weight 'mlp\.fc[12]\.(weight|bias)'/));
  await t.throwsAsync(createGatherExcite({ ...o, extraParams: true } as never, g.weights), err(Error, /weight 'gather\.conv1\.weight' \[20, 1, 3, 3\] is missing/));
  // R = max(1, ⌊C·rdRatio + 0.5⌋): 20·0.275 = 5.5 rounds up to 6
  await t.throwsAsync(createGatherExcite({ ...o, rdRatio: 0.275 } as never, g.weights), err(RangeError, /weight 'mlp\.fc1\.weight' must be \[6, 20\] \(120 floats\), got 100 floats/));
});

test("GatherExcite: an even featSize shrinks the map by one, so an axis of 1 along it is an error before anything runs", async (t) => {
  const g = readGolden("gather_excite", "feat_size_4x3.safetensors");
  const block = await createGatherExcite(g.options as never, g.weights);
  t.deepEqual(block.outputDims([1, 20, 2, 1]), [1, 20, 2, 1]);
  const out = new Float32Array(20 * 5).fill(7);
  t.throws(() => block.run(new Float32Array(20 * 5), [1, 20, 1, 5], out), err(RangeError, /GatherExcite with featSize \[4, 3\] needs H ≥ 2 for an even kh and W ≥ 2 for an even kw .*got H = 1, W = 5/));
  t.true(out.every((v) => v === 7), "out untouched");
  t.throws(() => block.io([1, 20, 1, 5]), err(RangeError, /needs H ≥ 2/));
  assertGolden(t, g, block.run(g.x, g.dims), "the block still works");
  block.dispose();
});
