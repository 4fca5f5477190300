// f32_cpool_cw, the channel statistics of CBAM's spatial branch (maxC and meanC at every pixel),
// against references: at pixel counts below, at and above its 4-pixel vectors and its
// 1024-pixel work-item tiles (STATS_TILE), channel counts around its four-lines-at-a-time step,
// with outputs prefilled so that an unwritten element or a write past the end fails. Each sum is
// taken over the channels in order, so the mean must be exactly the float32 running sum over C,
// and the max exact; NaN propagates to its pixel only. (The other kernels of CBAM, BAM and the
// residual blocks: the global pools in kernels.test.ts, the convolution in conv2d.test.ts, the
// output passes through the blocks, golden.test.ts and work-ranges.test.ts.)

import test, { type ExecutionContext } from "ava";
import { assertClose } from "./helpers/close.js";
import { type Arena, values, wasm, withArena, written } from "./helpers/wasm.js";

const STATS_TILE = 1024;
const HW = [1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 20, 31, 33, 64, 67, STATS_TILE - 1, STATS_TILE, STATS_TILE + 1, 2 * STATS_TILE + 5, 3 * STATS_TILE - 2];

/** maxC and meanC of x [n, c, hw] through f32_cpool_cw. */
function cpool(t: ExecutionContext, a: Arena, x: Float32Array, n: number, c: number, hw: number, what: string) {
  const max = a.fresh(n * hw), mean = a.fresh(n * hw);
  wasm.f32_cpool_cw(a.put(x), n, c, hw, max, mean);
  return { max: written(t, a, max, n * hw, `max ${what}`), mean: written(t, a, mean, n * hw, `mean ${what}`) };
}

/** The max (NaN-propagating, as torch.amax), the float32 running sum's mean, and the double mean, at every pixel. */
function reference(x: Float32Array, n: number, c: number, hw: number) {
  const max = new Float32Array(n * hw), f32Mean = new Float32Array(n * hw), mean = new Float64Array(n * hw);
  for (let img = 0; img < n; img++) {
    for (let i = 0; i < hw; i++) {
      let m = -Infinity, s32 = 0, s = 0;
      for (let ch = 0; ch < c; ch++) {
        const v = x[(img * c + ch) * hw + i];
        m = Number.isNaN(v) || Number.isNaN(m) ? NaN : Math.max(m, v);
        s32 = Math.fround(s32 + v);
        s += v;
      }
      max[img * hw + i] = m;
      f32Mean[img * hw + i] = s32 / c;
      mean[img * hw + i] = s / c;
    }
  }
  return { max, f32Mean, mean };
}

test("f32_cpool_cw: the exact max and the float32 running mean over the channels, around the vectors and the 1024-pixel tiles", (t) => {
  for (const hw of HW) {
    for (const [n, c] of [[1, 1], [2, 3], [1, 4], [2, 5], [1, 9], [1, 20]]) {
      withArena((a) => {
        const what = `n=${n} c=${c} hw=${hw}`;
        const x = values(n * c * hw, hw + c);
        const got = cpool(t, a, x, n, c, hw, what);
        const want = reference(x, n, c, hw);
        t.deepEqual(Array.from(got.max), Array.from(want.max), `max ${what}`);
        t.deepEqual(Array.from(got.mean), Array.from(want.f32Mean), `mean ${what}: the float32 running sum`);
        assertClose(t, got.mean, want.mean, { atol: 1e-6, rtol: 1e-6 }, `mean ${what}: the double mean`);
      });
    }
  }
});

test("f32_cpool_cw: NaN at its pixel only, +∞ with −∞ a NaN mean and a +∞ max, −∞ a valid maximum, in any tile and in the tail", (t) => {
  for (const hw of [5, 7, 8, 13, STATS_TILE + 3, 2 * STATS_TILE + 6]) {
    for (const c of [3, 6]) {
      withArena((a) => {
        const n = 2, what = `c=${c} hw=${hw}`;
        const x = values(n * c * hw, hw);
        x.fill(-Infinity, 0, c * hw);                                     // image 0: all −∞ …
        x[hw + 2] = NaN;                                                  // … but pixel 2 (channel 1) NaN
        x[2 * hw + hw - 1] = 5;                                           // … and the last pixel 5 (channel 2)
        const late = hw - 2;                                              // image 1, the last tile (the partial vector when hw mod 4 ≥ 2) …
        x[(c + 1) * hw + late] = Infinity; x[(c + 2) * hw + late] = -Infinity;
        x[(2 * c - 1) * hw + hw - 1] = NaN;                               // … the last pixel (the partial vector when hw mod 4 ≠ 0)
        x[(2 * c - 1) * hw] = NaN;                                        // … and pixel 0, in the last channel
        const got = cpool(t, a, x, n, c, hw, what);
        const want = reference(x, n, c, hw);
        t.deepEqual(Array.from(got.max), Array.from(want.max), `max ${what}`);
        t.deepEqual(Array.from(got.mean), Array.from(want.f32Mean), `mean ${what}`);
        t.true(Number.isNaN(got.max[2]) && got.max[3] === -Infinity && got.max[hw - 1] === 5, `${what}: image 0`);
        t.true(got.max[hw + late] === Infinity && Number.isNaN(got.mean[hw + late]) && Number.isNaN(got.max[hw]) && Number.isNaN(got.max[2 * hw - 1]), `${what}: image 1`);
      });
    }
  }
});
