// The SE family on images larger than the goldens': several pixel tiles per image (the fused
// passes of parts/spatial-gate.ts and scse.ts tile at most 4096 pixels) and batches that `run`
// stages a few images at a time; CBAM's channel statistics over several tiles. Checked against
// double-precision references (SPEC §5 tolerance, or exact where the order of operations is
// fixed), and `run` against the zero-copy path bit for bit.

import test from "ava";
import { createSCSE, createSE, createSSE, kernels, type Block } from "../dist/index.js";
import { goldenInput } from "./golden/prng.js";
import { assertClose, SPEC_TOLERANCE } from "./helpers/close.js";

type Dims = [number, number, number, number];
type Options = { channels: number; pool?: "avg" | "max" | "avgmax"; combine?: "add" | "max" };

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/** Weights W ~ U(−1, 1)/√fan_in, biases U(−1, 1), from the golden PRNG. */
function weights(c: number, r: number, seed: number): Record<string, Float32Array> {
  const u = (len: number, scale: number, s: number) => goldenInput(s, len).map((v) => (v / 2) * scale);
  return {
    "fc1.weight": u(r * c, 1 / Math.sqrt(c), seed), "fc1.bias": u(r, 1, seed + 1),
    "fc2.weight": u(c * r, 1 / Math.sqrt(r), seed + 2), "fc2.bias": u(c, 1, seed + 3),
    "conv.weight": u(c, 1 / Math.sqrt(c), seed + 4), "conv.bias": u(1, 1, seed + 5),
  };
}

/** The channel gate s[n·C + c] and the spatial gate q[n·HW + i], in double precision. */
function reference(x: Float32Array, [n, c, h, w]: Dims, wt: Record<string, Float32Array>, pool: string) {
  const hw = h * w, r = wt["fc1.bias"].length;
  const s = new Float64Array(n * c), q = new Float64Array(n * hw);
  for (let b = 0; b < n; b++) {
    const pooled = new Float64Array(c);
    for (let ch = 0; ch < c; ch++) {
      let sum = 0, max = -Infinity;
      for (let i = (b * c + ch) * hw; i < (b * c + ch + 1) * hw; i++) { sum += x[i]; max = Math.max(max, x[i]); }
      pooled[ch] = pool === "max" ? max : pool === "avgmax" ? 0.5 * (sum / hw) + 0.5 * max : sum / hw;
    }
    const hidden = Array.from({ length: r }, (_, j) => {
      let a = wt["fc1.bias"][j];
      for (let ch = 0; ch < c; ch++) a += wt["fc1.weight"][j * c + ch] * pooled[ch];
      return Math.max(0, a);
    });
    for (let ch = 0; ch < c; ch++) {
      let a = wt["fc2.bias"][ch];
      for (let j = 0; j < r; j++) a += wt["fc2.weight"][ch * r + j] * hidden[j];
      s[b * c + ch] = sigmoid(a);
    }
    for (let i = 0; i < hw; i++) {
      let a = wt["conv.bias"][0];
      for (let ch = 0; ch < c; ch++) a += wt["conv.weight"][ch] * x[(b * c + ch) * hw + i];
      q[b * hw + i] = sigmoid(a);
    }
  }
  return { s, q };
}

const CASES: { block: string; dims: Dims; options: Options }[] = [];
for (const dims of [[3, 20, 97, 103], [2, 6, 131, 131], [1, 5, 67, 65]] as Dims[]) {
  CASES.push({ block: "se", dims, options: { channels: dims[1] } });
  CASES.push({ block: "sse", dims, options: { channels: dims[1] } });
  for (const pool of ["avg", "max", "avgmax"] as const) for (const combine of ["add", "max"] as const) {
    CASES.push({ block: "scse", dims, options: { channels: dims[1], pool, combine } });
  }
}

for (const { block, dims, options } of CASES) {
  test(`${block} ${JSON.stringify(options)} on [${dims.join(", ")}]`, async (t) => {
    const [n, c, h, w] = dims, hw = h * w, r = Math.max(1, Math.floor(c / 4));
    const wt = weights(c, r, 1000 + c);
    const x = goldenInput(7 + hw, n * c * hw).map((v, i) => v + 0.01 * (i % 7));
    const pick = (keys: string[], prefix = "") => Object.fromEntries(keys.map((k) => [prefix + k, wt[k]]));
    const fc = ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"], conv = ["conv.weight", "conv.bias"];
    const b: Block = block === "se" ? await createSE({ ...options, reducedChannels: r }, pick(fc))
      : block === "sse" ? await createSSE({ channels: c }, pick(conv))
      : await createSCSE({ ...options, reducedChannels: r }, { ...pick(fc, "cse."), ...pick(conv, "sse.") });
    const y = b.run(x, dims);
    const { s, q } = reference(x, dims, wt, options.pool ?? "avg");
    const want = new Float64Array(y.length);
    for (let img = 0; img < n; img++) for (let ch = 0; ch < c; ch++) for (let i = 0; i < hw; i++) {
      const k = (img * c + ch) * hw + i, v = x[k], sv = s[img * c + ch], qv = q[img * hw + i];
      want[k] = block === "se" ? v * sv : block === "sse" ? v * qv : options.combine === "max" ? Math.max(v * sv, v * qv) : v * sv + v * qv;
    }
    const { worstRatio } = assertClose(t, y, want, SPEC_TOLERANCE, "against the double reference");
    t.log(`${(worstRatio * 100).toFixed(1)}% of the tolerance`);
    const io = b.io(dims);
    io.input.set(x);
    t.deepEqual(Array.from(io.run()), Array.from(y), "zero-copy and copying paths agree bit for bit");
    b.dispose();
  });
}

// CBAM's channel statistics (f32-cpool.ts) go by tiles of 1024 pixels, four planes at a time;
// these images have several tiles, a partial last vector and channels past a multiple of 4.
// Each pixel's sum is taken over the channels in order, so it must be exactly the float32
// running sum, and the max exact, NaN (at its pixel only) and ±∞ included.
test("kernels.channelPool on images of several tiles: the exact float32 max and mean, NaN and ±∞ included", async (t) => {
  await kernels.ready();
  for (const dims of [[1, 40, 101, 67], [2, 43, 101, 67]] as Dims[]) {
    const [n, c, h, w] = dims, hw = h * w;
    const x = goldenInput(99 + c, n * c * hw);
    x[(0 * c + 5) * hw + 17] = NaN;                                     // image 0, pixel 17
    x[(0 * c + 1) * hw + 4000] = Infinity; x[(0 * c + 2) * hw + 4000] = -Infinity; // pixel 4000: max ∞, mean NaN
    x[((n - 1) * c + c - 1) * hw + hw - 1] = Infinity;                  // last pixel, last channel
    const max = kernels.channelPool(x, dims, "max"), mean = kernels.channelPool(x, dims, "avg");
    const wantMax = new Float32Array(n * hw), wantMean = new Float32Array(n * hw);
    for (let img = 0; img < n; img++) for (let i = 0; i < hw; i++) {
      let m = -Infinity, s = 0;
      for (let ch = 0; ch < c; ch++) {
        const v = x[(img * c + ch) * hw + i];
        m = Number.isNaN(v) || Number.isNaN(m) ? NaN : Math.max(m, v);
        s = Math.fround(s + v);
      }
      wantMax[img * hw + i] = m;
      wantMean[img * hw + i] = Math.fround(s / c);
    }
    t.deepEqual(Array.from(max), Array.from(wantMax), `max [${dims.join(", ")}]`);
    t.deepEqual(Array.from(mean), Array.from(wantMean), `mean [${dims.join(", ")}]`);
  }
});
