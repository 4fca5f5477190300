// Gather-excite: its kernels against double references (the windowed average / max pool dividing by
// the in-bounds count, the depthwise strided 3×3 conv, the scaling by a gate resized with PyTorch's
// float32 nearest indices) below, at and above their vector widths, and the block's options and
// limits (goldens and the bad-input suite cover the rest).

import test, { type ExecutionContext } from "ava";
import { createGatherExcite } from "../dist/index.js";
import { err } from "./helpers/bad-input.js";
import { assertClose } from "./helpers/close.js";
import { assertGolden, readGolden } from "./helpers/golden.js";
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
