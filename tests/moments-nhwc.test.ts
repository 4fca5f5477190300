// f32_moments_nhwc (assembly/kernels/f32-moments-nhwc.ts): the per-channel mean and M2 = Σ(x − mean)²
// over the H·W pixels of NHWC images, in f64, behind SimAM's NHWC inv = 1/(4·(M2/(H·W − 1) + λ)) and
// shuffle attention's NHWC GroupNorm variance M2/(H·W), against a double-precision reference: H·W
// below, at and above its 128-pixel chunks, C below, at and above its 4- and 16-channel vectors,
// means large against the spread, NaN and infinities per channel and per image.

import test from "ava";
import { type Arena, type CheckedOutput, values, wasm, withCheckedArena } from "./helpers/wasm.js";

const HW = [1, 2, 3, 5, 31, 127, 128, 129, 255, 256, 257, 300, 3136];
const C = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 20, 33];

/**
 * Runs f32_moments_nhwc on the n images x [n][hw][c]; returns its f64 mean and M2 [n][c] (both
 * checked written, their guards intact).
 */
function momentsNhwc(a: Arena, outs: CheckedOutput[], x: Float32Array, n: number, hw: number, c: number, what: string): { mean: Float64Array; m2: Float64Array } {
  // f64 outputs: two floats of the arena each
  const mean = a.fresh(2 * n * c), m2 = a.fresh(2 * n * c);
  wasm.f32_moments_nhwc(a.put(x), n, hw, c, a.fresh(3 * n * Math.ceil(hw / 128) * c), mean, m2);
  outs.push([mean, 2 * n * c, `mean ${what}`], [m2, 2 * n * c, `M2 ${what}`]);
  const f64 = (ptr: number) => new Float64Array(wasm.memory.buffer, ptr, n * c).slice();
  return { mean: f64(mean), m2: f64(m2) };
}

/** Mean and M2 of every (image, channel) of x [n][hw][c], in double. */
function reference(x: Float32Array, n: number, hw: number, c: number): { mean: number[]; m2: number[] } {
  const mean: number[] = [], m2: number[] = [];
  for (let img = 0; img < n; img++) {
    for (let ch = 0; ch < c; ch++) {
      const at = (p: number) => x[(img * hw + p) * c + ch];
      let s = 0;
      for (let p = 0; p < hw; p++) s += at(p);
      const mu = s / hw;
      let q = 0;
      for (let p = 0; p < hw; p++) q += (at(p) - mu) ** 2;
      mean.push(mu);
      m2.push(q);
    }
  }
  return { mean, m2 };
}

test("f32_moments_nhwc: per-channel mean and M2 of NHWC images, accurate where the mean dwarfs the spread", (t) => {
  const n = 2;
  for (const hw of HW) {
    for (const c of C) {
      for (const offset of [0, 1000]) {
        withCheckedArena(t, (a, outs) => {
          // every channel at `offset` (rounded to float32, as a user's tensor would be); channel 1
          // (when there is one) with a spread of 0.001, where a one-pass Σx²/n − mean² would lose
          // every digit of M2, the others with spreads of 2 … 10
          const x = Float32Array.from(values(n * hw * c, hw * 40 + c + offset), (v, i) => offset + (i % c === 1 ? 0.001 * v : v * (1 + (i % 5))));
          const what = `hw=${hw} c=${c} offset=${offset}`;
          const got = momentsNhwc(a, outs, x, n, hw, c, what), want = reference(x, n, hw, c);
          for (let i = 0; i < n * c; i++) {
            // the mean within 1e-6 + 1.5e-7·|mean| (two and a half ulps of float32 at the offset's 1000)
            t.true(Math.abs(got.mean[i] - want.mean[i]) <= 1e-6 + 1.5e-7 * Math.abs(want.mean[i]), `${what}: mean[${i}] ${got.mean[i]}, expected ${want.mean[i]}`);
            // M2 relative to itself (not to |mean|); one pixel: exactly 0
            if (hw === 1) t.is(got.m2[i], 0, `${what}: M2[${i}] of one pixel`);
            else t.true(Math.abs(got.m2[i] - want.m2[i]) <= 1e-5 * want.m2[i], `${what}: M2[${i}] ${got.m2[i]}, expected ${want.m2[i]}`);
          }
        });
      }
    }
  }
});

test("f32_moments_nhwc: one pixel gives its value and M2 0; a NaN or an infinity makes M2 NaN in its channel and image only", (t) => {
  withCheckedArena(t, (a, outs) => {
    const { mean, m2 } = momentsNhwc(a, outs, Float32Array.from([3.25, -7.5, 0.5]), 1, 1, 3, "hw=1");
    t.deepEqual(Array.from(mean), [3.25, -7.5, 0.5]);
    t.deepEqual(Array.from(m2), [0, 0, 0]);
  });
  const n = 2, c = 19;
  for (const hw of [21, 130, 300]) {
    withCheckedArena(t, (a, outs) => {
      // poison in image 0 only; image 1 stays finite
      const x = values(n * hw * c, hw + 9);
      x[(hw - 1) * c + 1] = NaN; // channel 1, the last pixel (the last chunk)
      x[c + 4] = -Infinity; // channel 4, a 16-channel vector, the first chunk
      x[3 * c + 17] = Infinity; // channel 17, the last vector's lanes
      x[2 * c + 9] = Infinity; x[(hw - 2) * c + 9] = -Infinity; // channel 9: +∞ and −∞ (in different chunks past 128 pixels)
      const what = `hw=${hw}`;
      const { mean, m2 } = momentsNhwc(a, outs, x, n, hw, c, what);
      const nan = Array.from(m2).flatMap((u, i) => (Number.isNaN(u) ? [i] : []));
      t.deepEqual(nan, [1, 4, 9, 17], `${what}: the NaN M2s`);
      for (const i of nan) t.false(Number.isFinite(mean[i]), `${what}: mean[${i}] ${mean[i]} not finite`);
      for (let i = 0; i < n * c; i++) if (!nan.includes(i)) t.true(Number.isFinite(mean[i]) && Number.isFinite(m2[i]) && m2[i] > 0, `${what}: [${i}] mean ${mean[i]}, M2 ${m2[i]}`);
    });
  }
});
