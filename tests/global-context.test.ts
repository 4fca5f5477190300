// The global context block: its kernels (the tiled softmax pooling, the LayerNorm, x·s + t) against double
// references at and across their tiles, the block across several pixel tiles (the goldens' images
// fit one), NaN as PyTorch, and its options (goldens and the bad-input suite cover the rest).

import test, { type ExecutionContext } from "ava";
import { createGlobalContext, type GlobalContextOptions } from "../dist/index.js";
import { err } from "./helpers/bad-input.js";
import { assertClose } from "./helpers/close.js";
import { nchwToNhwc, readGolden } from "./helpers/golden.js";
import { Arena, values, wasm } from "./helpers/wasm.js";

const TOL = { atol: 1e-6, rtol: 1e-5 };

function written(t: ExecutionContext, a: Arena, ptr: number, length: number, what: string): Float32Array {
  t.deepEqual(a.unwritten(ptr, length), [], `${what}: unwritten elements`);
  t.true(a.guardIntact(ptr, length), `${what}: wrote past the end`);
  return a.read(ptr, length);
}

/** ctx[c] = Σ_i x[c, i]·softmax(w·x[:, i] + b)[i], in double. */
function softmaxPoolRef(x: ArrayLike<number>, c: number, hw: number, w: ArrayLike<number>, b: number): number[] {
  const q = Array.from({ length: hw }, (_, i) => { let s = b; for (let ch = 0; ch < c; ch++) s += w[ch] * x[ch * hw + i]; return s; });
  const m = Math.max(...q);
  const e = q.map((v) => Math.exp(v - m)), sum = e.reduce((s, v) => s + v, 0);
  return Array.from({ length: c }, (_, ch) => e.reduce((s, v, i) => s + x[ch * hw + i] * v, 0) / sum);
}

/** The attention pooling kernel of one layout, on an NCHW image x [c, hw] (transposed for NHWC). */
type SoftmaxPool = (a: Arena, x: Float32Array, c: number, hw: number, tile: number, w: number, bias: number, scratch: number, ctx: number) => void;
const SOFTMAX_POOLS: Array<[string, SoftmaxPool]> = [
  ["f32_softmax_pool_cw", (a, x, c, hw, tile, w, bias, scratch, ctx) => wasm.f32_softmax_pool_cw(a.put(x), c, hw, tile, w, bias, scratch, ctx)],
  ["f32_softmax_pool_nhwc", (a, x, c, hw, tile, w, bias, scratch, ctx) => wasm.f32_softmax_pool_nhwc(a.put(nchwToNhwc(x, [1, c, hw, 1])), c, hw, tile, w, bias, scratch, ctx)],
];

for (const [name, pool] of SOFTMAX_POOLS) {
  test(`${name}: the attention pooling of an image in tiles, below, at and above the tile, vector and 4-vector sizes`, (t) => {
    // C 16, 17, 20: the NHWC accumulation's blocks of four channel vectors, and its partial last vector
    for (const c of [1, 3, 4, 5, 9, 16, 17, 20]) {
      for (const hw of [1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 33, 64, 67]) {
        for (const tile of [4, 8, 32, 4096]) {
          const a = new Arena();
          try {
            // logits of a few tens: a tile whose max is far below the image's must be rescaled, not dropped or overflowed
            const x = values(c * hw, c * 100 + hw).map((v, i) => v * (1 + 5 * ((Math.floor(i % hw / 8) * 7) % 3)));
            const w = values(c, c + 7).map((v) => v * 4 * Math.min(1, 3 / Math.sqrt(c))), bias = [0.25];
            const tiles = Math.ceil(hw / tile), scratch = ((tile + 3) & ~3) + tiles * (4 + c);
            const ctx = a.fresh(c);
            pool(a, x, c, hw, tile, a.put(w), a.put(bias), a.fresh(scratch), ctx);
            const what = `c=${c} hw=${hw} tile=${tile}`;
            assertClose(t, written(t, a, ctx, c, what), softmaxPoolRef(x, c, hw, w, bias[0]), TOL, what);
          } finally {
            a.free();
          }
        }
      }
    }
  });
}

for (const [name, pool] of SOFTMAX_POOLS) {
  test(`${name}: logits of ±80 across tiles, and a NaN anywhere makes every context NaN (as torch.softmax)`, (t) => {
    const c = 2, hw = 40, tile = 8;
    const a = new Arena();
    try {
      const x = values(c * hw, 5).map((v, i) => (i < hw ? v * 40 : v)); // channel 0 drives the logits
      const w = [2, 0.5], bias = [0];
      const scratch = tile + Math.ceil(hw / tile) * (4 + c);
      const ctx = a.fresh(c);
      pool(a, x, c, hw, tile, a.put(w), a.put(bias), a.fresh(scratch), ctx);
      assertClose(t, written(t, a, ctx, c, "±80"), softmaxPoolRef(x, c, hw, w, 0), TOL, "±80");
      x[hw + 17] = NaN;
      pool(a, x, c, hw, tile, a.put(w), a.put(bias), a.fresh(scratch), ctx);
      t.deepEqual(Array.from(a.read(ctx, c)), [NaN, NaN]);
    } finally {
      a.free();
    }
  });
}

/** Floats of f32_layernorm's scratch for n values (f32-rowmoments.ts rowMomentsScratch: 20 per level of PyTorch's merge stack). */
function layerNormScratch(n: number): number {
  const chunks = Math.ceil(Math.floor(n / 8) / 16);
  return 20 * (chunks <= 2 ? 1 : 32 - Math.clz32(chunks - 1));
}

test("f32_layernorm: over 1 to 2049 values (PyTorch's 8-float vectors, chunks of 16 and their merge levels), in place, β exactly for one value", (t) => {
  for (const n of [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 127, 128, 129, 257, 513, 2049]) {
    for (const eps of [1e-5, 1e-6]) {
      const a = new Arena();
      try {
        const x = values(n, n).map((v) => 3 + v * 1e-3), gamma = values(n, n + 1), beta = values(n, n + 2);
        const mean = x.reduce((s, v) => s + v, 0) / n;
        const variance = x.reduce((s, v) => s + (v - mean) ** 2, 0) / n;
        const want = Array.from(x, (v, i) => ((v - mean) / Math.sqrt(variance + Math.fround(eps))) * gamma[i] + beta[i]);
        const xp = a.put(x), gp = a.put(gamma), bp = a.put(beta), y = a.fresh(n), scratch = a.fresh(layerNormScratch(n));
        wasm.f32_layernorm(xp, n, gp, bp, eps, scratch, y);
        const what = `n=${n} eps=${eps}`;
        assertClose(t, written(t, a, y, n, what), want, { atol: 1e-5, rtol: 1e-4 }, what);
        t.true(a.guardIntact(scratch, layerNormScratch(n)), `${what}: wrote past the scratch`);
        if (n === 1) t.is(a.read(y, 1)[0], beta[0], "one value: exactly β");
        wasm.f32_layernorm(xp, n, gp, bp, eps, scratch, xp);
        t.deepEqual(a.read(xp, n), a.read(y, n), `${what} in place`);
      } finally {
        a.free();
      }
    }
  }
});

test("f32_vscale_shift_cw: y = x·s[p] + t[p], rounded as PyTorch (the product, then the sum), also in place", (t) => {
  for (const hw of [1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 31, 33, 64, 67]) {
    const a = new Arena();
    try {
      const planes = 5;
      const x = values(planes * hw, hw), s = values(planes, 4), sh = values(planes, 5);
      const xp = a.put(x), sp = a.put(s), tp = a.put(sh), y = a.fresh(x.length);
      // planes 1..3 of 5: the first and the last must stay unwritten
      wasm.f32_vscale_shift_cw(xp, hw, sp, tp, y, 1, 4);
      const want = Array.from(x, (v, i) => Math.fround(Math.fround(v * s[Math.floor(i / hw)]) + sh[Math.floor(i / hw)]));
      t.deepEqual(a.unwritten(y, x.length), [...Array.from({ length: hw }, (_, i) => i), ...Array.from({ length: hw }, (_, i) => 4 * hw + i)], `hw=${hw}: planes 0 and 4 untouched`);
      t.true(a.guardIntact(y, x.length), `hw=${hw}: wrote past the end`);
      t.deepEqual(Array.from(a.read(y, x.length).subarray(hw, 4 * hw)), want.slice(hw, 4 * hw), `hw=${hw}`);
      wasm.f32_vscale_shift_cw(xp, hw, sp, tp, xp, 0, planes);
      t.deepEqual(Array.from(a.read(xp, x.length)), want, `in place hw=${hw}`);
    } finally {
      a.free();
    }
  }
});

test("f32_vscale_shift_nhwc: y = x·s[n] + t[n] over pixel rows, rounded as PyTorch, rows of C below, at and above 4 and 16, also in place", (t) => {
  for (const c of [1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 31, 33, 64, 67]) {
    const a = new Arena();
    try {
      const hw = 3, rows = 2 * hw; // two images of three pixel rows
      const x = values(rows * c, c), s = values(2 * c, 4), sh = values(2 * c, 5);
      const xp = a.put(x), sp = a.put(s), tp = a.put(sh), y = a.fresh(x.length);
      const want = Array.from(x, (v, i) => {
        const g = Math.floor(i / (hw * c)) * c + (i % c);
        return Math.fround(Math.fround(v * s[g]) + sh[g]);
      });
      // rows 1..4 of 6 (across the images): the first and the last must stay unwritten
      wasm.f32_vscale_shift_nhwc(xp, c, hw, sp, tp, y, 1, 5);
      t.deepEqual(a.unwritten(y, x.length), [...Array.from({ length: c }, (_, i) => i), ...Array.from({ length: c }, (_, i) => 5 * c + i)], `c=${c}: rows 0 and 5 untouched`);
      t.true(a.guardIntact(y, x.length), `c=${c}: wrote past the end`);
      t.deepEqual(Array.from(a.read(y, x.length).subarray(c, 5 * c)), want.slice(c, 5 * c), `c=${c}`);
      wasm.f32_vscale_shift_nhwc(xp, c, hw, sp, tp, xp, 0, rows);
      t.deepEqual(Array.from(a.read(xp, x.length)), want, `in place c=${c}`);
    } finally {
      a.free();
    }
  }
});

type Fusion = "channel_add" | "channel_mul";

/** The block in double (PyTorch's ContextBlock forward), and the magnitude of the terms of each output (|x·σ(mul)| + |add|). */
function gcRef(x: Float32Array, [n, c, h, w]: number[], wt: Record<string, Float32Array>, p: number, att: boolean, fusions: Fusion[], eps: number): { y: Float64Array; terms: Float64Array } {
  const hw = h * w, y = new Float64Array(x.length), terms = new Float64Array(x.length);
  for (let img = 0; img < n; img++) {
    const xi = x.subarray(img * c * hw, (img + 1) * c * hw);
    const ctx = att ? softmaxPoolRef(xi, c, hw, wt["conv_mask.weight"], wt["conv_mask.bias"][0])
      : Array.from({ length: c }, (_, ch) => xi.subarray(ch * hw, (ch + 1) * hw).reduce((s, v) => s + v, 0) / hw);
    const transform = (f: Fusion) => {
      const k = (s: string) => wt[`${f}_conv.${s}`];
      const z = Array.from({ length: p }, (_, o) => ctx.reduce((s, v, i) => s + k("0.weight")[o * c + i] * v, k("0.bias")[o]));
      const mean = z.reduce((s, v) => s + v, 0) / p, variance = z.reduce((s, v) => s + (v - mean) ** 2, 0) / p;
      const r = z.map((v, o) => Math.max(0, ((v - mean) / Math.sqrt(variance + eps)) * k("1.weight")[o] + k("1.bias")[o]));
      return Array.from({ length: c }, (_, o) => r.reduce((s, v, i) => s + k("3.weight")[o * p + i] * v, k("3.bias")[o]));
    };
    const mul = fusions.includes("channel_mul") ? transform("channel_mul").map((v) => 1 / (1 + Math.exp(-v))) : undefined;
    const add = fusions.includes("channel_add") ? transform("channel_add") : undefined;
    for (let ch = 0; ch < c; ch++) {
      for (let i = 0; i < hw; i++) {
        const at = (img * c + ch) * hw + i;
        const scaled = x[at] * (mul ? mul[ch] : 1), shift = add ? add[ch] : 0;
        y[at] = scaled + shift;
        terms[at] = Math.abs(scaled) + Math.abs(shift);
      }
    }
  }
  return { y, terms };
}

function gcWeights(c: number, p: number, att: boolean, fusions: Fusion[], seed: number): Record<string, Float32Array> {
  const wt: Record<string, Float32Array> = {};
  const put = (key: string, length: number, scale: number, offset = 0) => { wt[key] = values(length, seed++).map((v) => offset + v * scale); };
  // logits of a few units: a 2048-term float32 dot product of logits of tens is off by ~1e-5 (in PyTorch too), which the softmax turns into a relative error
  if (att) { put("conv_mask.weight", c, 0.5 / Math.sqrt(c)); put("conv_mask.bias", 1, 1); }
  for (const f of fusions) {
    put(`${f}_conv.0.weight`, p * c, 1 / Math.sqrt(c)); put(`${f}_conv.0.bias`, p, 0.5);
    put(`${f}_conv.1.weight`, p, 0.25, 1); put(`${f}_conv.1.bias`, p, 0.25);
    put(`${f}_conv.3.weight`, c * p, 1 / Math.sqrt(p)); put(`${f}_conv.3.bias`, c, 0.5);
  }
  return wt;
}

const nhwcDims = ([n, c, h, w]: number[]): number[] => [n, h, w, c];

test("GlobalContext: images of several pixel tiles and pool chunks (C 2048: 128-pixel tiles; C 20: 4096) match the double reference, NCHW and NHWC", async (t) => {
  const shapes: Array<[number[], number, boolean, Fusion[]]> = [
    [[2, 2048, 5, 53], 128, true, ["channel_add", "channel_mul"]], // 3 tiles of 128, 128, 9 pixels
    [[1, 20, 17, 241], 5, true, ["channel_mul", "channel_add"]],   // 4097 pixels: 4096 + 1
    [[1, 20, 17, 241], 5, false, ["channel_add"]],                 // NHWC: 33 chunks of 128 pixel rows (the last of one)
  ];
  for (const [dims, p, att, fusions] of shapes) {
    const [, c] = dims;
    const wt = gcWeights(c, p, att, fusions, c + dims[3]);
    const x = values(dims.reduce((s, v) => s * v, 1), 3).map((v, i) => v * (1 + ((i >> 6) % 5)));
    const want = gcRef(x, dims, wt, p, att, fusions, 1e-5);
    for (const layout of ["nchw", "nhwc"] as const) {
      const block = await createGlobalContext({ channels: c, reducedChannels: p, poolingType: att ? "att" : "avg", fusionTypes: fusions, layout } as GlobalContextOptions, wt);
      const nhwc = layout === "nhwc";
      const y = nhwc ? block.run(nchwToNhwc(x, dims), nhwcDims(dims)) : block.run(x, dims);
      // x·σ(mul) + add cancels where the two terms meet: measured against the terms (SPEC §5)
      const tr = (a: Float64Array) => (nhwc ? Float64Array.from(nchwToNhwc(Float32Array.from(a), dims)) : a);
      assertClose(t, y, tr(want.y), { atol: 1e-5, rtol: 1e-4, scale: tr(want.terms) }, `[${dims}] ${layout} ${att ? "att" : "avg"} ${fusions}`);
      block.dispose();
    }
  }
});

test("GlobalContext: a NaN pixel makes every output of its image NaN with 'att' (softmax over all pixels), its channel's mean NaN with 'avg', in both layouts", async (t) => {
  const dims = [2, 6, 5, 3], c = 6, hw = 15;
  for (const att of [true, false]) {
    for (const layout of ["nchw", "nhwc"] as const) {
      const wt = gcWeights(c, 2, att, ["channel_mul"], 9);
      const block = await createGlobalContext({ channels: c, reducedChannels: 2, poolingType: att ? "att" : "avg", fusionTypes: ["channel_mul"], layout } as GlobalContextOptions, wt);
      const x = values(2 * c * hw, 4);
      x[3 * hw + 7] = NaN; // image 0, channel 3
      const y = layout === "nhwc" ? block.run(nchwToNhwc(x, dims), nhwcDims(dims)) : block.run(x, dims);
      // the LayerNorm mixes every channel into each hidden value: the whole image's gate is NaN
      t.true(y.subarray(0, c * hw).every(Number.isNaN), `${layout} ${att ? "att" : "avg"}: image 0 all NaN`);
      t.true(y.subarray(c * hw).every(Number.isFinite), `${layout} ${att ? "att" : "avg"}: image 1 untouched`);
      block.dispose();
    }
  }
});

test("GlobalContext: bad options name the option and the values expected", async (t) => {
  const g = readGolden("global_context", "pool_att_fusion_add_mul.safetensors");
  const o = g.options;
  const bad: Array<[Record<string, unknown>, ReturnType<typeof err>]> = [
    [{ ratio: 0.01 }, err(RangeError, /GlobalContext option ratio 0.01 gives P = ⌊20·0.01⌋ = 0 reduced channels for 20 channels; give a ratio of at least 1\/20 or reducedChannels/)],
    [{ ratio: 0 }, err(RangeError, /option ratio must be a positive number, got 0/)],
    [{ ratio: -0.5 }, err(RangeError, /option ratio must be a positive number, got -0.5/)],
    [{ ratio: "1/16" }, err(RangeError, /option ratio must be a finite number, got string 1\/16/)],
    [{ reducedChannels: 0 }, err(RangeError, /option reducedChannels must be a positive integer, got number 0/)],
    [{ reducedChannels: 2.5 }, err(RangeError, /option reducedChannels must be a positive integer, got number 2.5/)],
    [{ poolingType: "max" }, err(RangeError, /option poolingType must be one of 'att', 'avg', got string max/)],
    [{ fusionTypes: [] }, err(TypeError, /option fusionTypes must be a non-empty array of 'channel_add', 'channel_mul', got \[\]/)],
    [{ fusionTypes: "channel_add" }, err(TypeError, /option fusionTypes must be a non-empty array of 'channel_add', 'channel_mul', got string channel_add/)],
    [{ fusionTypes: ["channel_add", "add"] }, err(RangeError, /option fusionTypes\[1\] must be one of 'channel_add', 'channel_mul', got string add/)],
    [{ fusionTypes: ["channel_mul", "channel_mul"] }, err(RangeError, /option fusionTypes lists 'channel_mul' twice/)],
    [{ layerNormEps: -1e-5 }, err(RangeError, /option layerNormEps must be a finite number ≥ 0, got -0.00001/)],
    [{ layerNormEps: NaN }, err(RangeError, /option layerNormEps must be a finite number, got number NaN/)],
    [{ channels: 0 }, err(RangeError, /option channels must be a positive integer, got number 0/)],
    [{ fusion: ["channel_add"] }, err(TypeError, /GlobalContext has no option 'fusion'; its options are channels, ratio, reducedChannels, poolingType, fusionTypes, layerNormEps/)],
  ];
  for (const [change, expectation] of bad) await t.throwsAsync(createGlobalContext({ ...o, ...change } as never, g.weights), expectation, JSON.stringify(change));
  // the keys follow the options
  await t.throwsAsync(createGlobalContext({ ...o, poolingType: "avg" } as never, g.weights), err(Error, /does not use weight 'conv_mask\.(weight|bias)'/));
  await t.throwsAsync(createGlobalContext({ ...o, fusionTypes: ["channel_mul"] } as never, g.weights), err(Error, /does not use weight 'channel_add_conv\.\d\.\w+'/));
  await t.throwsAsync(createGlobalContext({ ...o, ratio: 0.5 } as never, g.weights), err(RangeError, /weight 'channel_add_conv\.0\.weight' must be \[10, 20\] \(200 floats\), got 100 floats/));
});
