// Coordinate attention's own options (mip = max(8, ⌊C/reduction⌋) unless reducedChannels, also
// below 8; bias; the gates), bad values naming the option, and its pooling kernels f32_dirpool_cw
// and (NHWC) f32_dirpool_nwc against a double-precision reference at widths (NHWC: channel counts)
// below, at and above their 4- and 16-float vectors and the NCHW kernel's 1024-float column tiles,
// and NHWC's output pass f32_vscale_rowcol_nwc against PyTorch's rounding.

import test from "ava";
import { createCoordAttention } from "../dist/index.js";
import { err, smallestGolden } from "./helpers/bad-input.js";
import { Arena, values, wasm, written } from "./helpers/wasm.js";

test("f32_dirpool_cw: the mean of every row, then of every column, of each plane", (t) => {
  for (const [h, w] of [[1, 1], [1, 9], [7, 1], [2, 3], [3, 4], [5, 5], [4, 7], [9, 8], [3, 15], [6, 16], [5, 17], [3, 33], [56, 56], [2, 1024], [3, 1030]]) {
    const a = new Arena();
    try {
      const planes = 3, x = values(planes * h * w, h * 131 + w), l = h + w;
      const xp = a.put(x), y = a.fresh(planes * l);
      const low = new Uint8Array(wasm.memory.buffer, 0, 8192).slice();
      wasm.f32_dirpool_cw(xp, planes, h, w, y);
      const what = `${h}×${w}`;
      const changed = new Uint8Array(wasm.memory.buffer, 0, 8192).findIndex((v, i) => v !== low[i] && (i < y || i >= y + planes * l * 4));
      t.is(changed, -1, `${what}: the means alone write nothing but y (no maxima at address 0)`);
      t.deepEqual(a.unwritten(y, planes * l), [], `${what}: unwritten`);
      t.true(a.guardIntact(y, planes * l), `${what}: wrote past the end`);
      const got = a.read(y, planes * l);
      const want: number[] = [];
      for (let p = 0; p < planes; p++) {
        const at = (i: number, j: number) => x[(p * h + i) * w + j];
        for (let i = 0; i < h; i++) want.push(Array.from({ length: w }, (_, j) => at(i, j)).reduce((s, v) => s + v, 0) / w);
        for (let j = 0; j < w; j++) want.push(Array.from({ length: h }, (_, i) => at(i, j)).reduce((s, v) => s + v, 0) / h);
      }
      // float32 sums of up to 1030 values in [-2, 2): within 1e-6·2·n
      const bad = want.findIndex((v, i) => !(Math.abs(got[i] - v) <= 1e-6 + 2e-7 * Math.max(h, w)));
      t.is(bad, -1, `${what}: element ${bad} is ${got[bad]}, expected ${want[bad]}`);
    } finally {
      a.free();
    }
  }
});

/** The directional means of f32_dirpool_cw's reference, of image n of x [N][H][W][C], as rows [H + W][C]. */
function dirpoolNhwcReference(x: Float32Array, n: number, h: number, w: number, c: number): number[] {
  const at = (i: number, j: number, ch: number) => x[((n * h + i) * w + j) * c + ch];
  const want: number[] = [];
  for (let i = 0; i < h; i++) for (let ch = 0; ch < c; ch++) want.push(Array.from({ length: w }, (_, j) => at(i, j, ch)).reduce((s, v) => s + v, 0) / w);
  for (let j = 0; j < w; j++) for (let ch = 0; ch < c; ch++) want.push(Array.from({ length: h }, (_, i) => at(i, j, ch)).reduce((s, v) => s + v, 0) / h);
  return want;
}

test("f32_dirpool_nwc: per image, the means of every image row, then of every column, as rows of C channels; C below, at and above 4 and 16 (its blocks)", (t) => {
  for (const c of [1, 3, 4, 5, 8, 15, 16, 17, 20, 31, 32, 33]) {
    for (const [h, w] of [[1, 1], [1, 9], [7, 1], [3, 4], [5, 17], [14, 14]]) {
      const a = new Arena();
      try {
        const n = 2, l = h + w, x = values(n * h * w * c, c * 131 + h * 7 + w);
        const y = a.fresh(n * l * c);
        wasm.f32_dirpool_nwc(a.put(x), n, h, w, c, y);
        const what = `c ${c} ${h}×${w}`;
        const got = written(t, a, y, n * l * c, what);
        const want = [0, 1].flatMap((img) => dirpoolNhwcReference(x, img, h, w, c));
        const bad = want.findIndex((v, i) => !(Math.abs(got[i] - v) <= 1e-6 + 2e-7 * Math.max(h, w)));
        t.is(bad, -1, `${what}: element ${bad} is ${got[bad]}, expected ${want[bad]}`);
      } finally {
        a.free();
      }
    }
  }
});

test("f32_vscale_rowcol_nwc: y[n, i, j, :] = (x[n, i, j, :]·a_w[n, j, :])·a_h[n, i, :] rounded as PyTorch's two products, C below, at and above 4 and 16, also in place", (t) => {
  for (const c of [1, 3, 4, 5, 15, 16, 17, 20, 33]) {
    for (const [h, w] of [[1, 1], [2, 5], [7, 3]]) {
      const a = new Arena();
      try {
        const n = 2, x = values(n * h * w * c, c + h * 9 + w), ah = values(n * h * c, 5), aw = values(n * w * c, 6);
        const want = Array.from(x, (v, k) => {
          const ch = k % c, j = Math.floor(k / c) % w, i = Math.floor(k / (c * w)) % h, img = Math.floor(k / (c * w * h));
          return Math.fround(Math.fround(v * aw[(img * w + j) * c + ch]) * ah[(img * h + i) * c + ch]);
        });
        const xp = a.put(x), y = a.fresh(x.length), ahp = a.put(ah), awp = a.put(aw), what = `c ${c} ${h}×${w}`;
        wasm.f32_vscale_rowcol_nwc(xp, n, h, w, c, ahp, awp, y);
        t.deepEqual(Array.from(written(t, a, y, x.length, what)), want, what);
        wasm.f32_vscale_rowcol_nwc(xp, n, h, w, c, ahp, awp, xp);
        t.deepEqual(Array.from(a.read(xp, x.length)), want, `${what}: in place`);
      } finally {
        a.free();
      }
    }
  }
});

test("mip = max(8, ⌊C/reduction⌋); reducedChannels overrides it, also below 8", (t) => {
  const mip = (o: Record<string, unknown>) => createCoordAttention.weightSpecs(o as never).find((s) => s.key === "conv1.weight")!.shape[0];
  t.is(mip({ channels: 6 }), 8, "C = 6: 8 > C");
  t.is(mip({ channels: 64 }), 8);
  t.is(mip({ channels: 512 }), 16);
  t.is(mip({ channels: 20, reduction: 2 }), 10);
  t.is(mip({ channels: 20, reducedChannels: 3 }), 3);
  t.is(mip({ channels: 20, reduction: 4, reducedChannels: 12 }), 12);
  const keys = (o: Record<string, unknown>) => createCoordAttention.weightSpecs(o as never).map((s) => `${s.key} [${s.shape.join(", ")}]`);
  t.deepEqual(keys({ channels: 20 }), [
    "conv1.weight [8, 20]", "conv1.bias [8]", "bn1.weight [8]", "bn1.bias [8]", "bn1.running_mean [8]", "bn1.running_var [8]",
    "conv_h.weight [20, 8]", "conv_h.bias [20]", "conv_w.weight [20, 8]", "conv_w.bias [20]",
  ]);
  t.deepEqual(keys({ channels: 20, bias: false }).filter((k) => k.includes(".bias") && !k.startsWith("bn1")), [], "no conv biases without bias");
});

test("bad options name the option and the values expected", async (t) => {
  const g = smallestGolden("coord_attention");
  const bad: Array<[Record<string, unknown>, ReturnType<typeof err>]> = [
    [{ channels: 2.5 }, err(RangeError, /CoordAttention option channels must be a positive integer, got number 2\.5/)],
    [{ reduction: 0 }, err(RangeError, /CoordAttention option reduction must be a positive integer, got number 0/)],
    [{ reduction: 0, reducedChannels: 8 }, err(RangeError, /option reduction must be a positive integer/)],
    [{ reducedChannels: 0 }, err(RangeError, /CoordAttention option reducedChannels must be a positive integer, got number 0/)],
    [{ bias: 1 }, err(TypeError, /CoordAttention option bias must be true or false, got number 1/)],
    [{ gate: "h_sigmoid" }, err(RangeError, /option gate must be one of 'sigmoid', 'hardsigmoid', got string h_sigmoid/)],
    [{ hardSigmoid: { beta: Infinity } }, err(RangeError, /hardSigmoid\.beta must be a finite number/)],
    [{ mip: 8 }, err(TypeError, /CoordAttention has no option 'mip'; its options are channels, reduction, reducedChannels, bias, gate, hardSigmoid/)],
  ];
  for (const [change, expectation] of bad) await t.throwsAsync(createCoordAttention({ ...g.options, ...change } as never, g.weights), expectation, JSON.stringify(change));
});
