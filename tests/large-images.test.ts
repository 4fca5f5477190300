// The SE family on images larger than the goldens': several pixel tiles per image (the fused
// passes of spatial-pass.ts and scse.ts tile at most 4096 pixels), images past scSE's
// 16384-pixel squeeze plane (its general route), and batches that `run` stages an image at a
// time; CBAM's channel statistics over several tiles; the one-read mean and max pool. Checked
// against references (SPEC §5 tolerance, or exact where the order of operations is fixed), and
// `run` against the zero-copy path bit for bit.

import test from "ava";
import { createSCSE, createSE, createSSE, kernels, loadModule, type Block } from "../dist/index.js";
import { goldenInput } from "./golden/prng.js";

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
    let worst = 0, at = -1;
    for (let img = 0; img < n; img++) for (let ch = 0; ch < c; ch++) for (let i = 0; i < hw; i++) {
      const k = (img * c + ch) * hw + i, v = x[k], sv = s[img * c + ch], qv = q[img * hw + i];
      const e = block === "se" ? v * sv : block === "sse" ? v * qv : options.combine === "max" ? Math.max(v * sv, v * qv) : v * sv + v * qv;
      const ratio = Math.abs(y[k] - e) / (1e-5 + 1e-4 * Math.abs(e));
      if (!(ratio <= worst)) { worst = ratio; at = k; }
    }
    t.true(worst <= 1, `element ${at}: got ${y[at]}, ${(worst * 100).toFixed(0)}% of the tolerance`);
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

// The one-read mean and max of every plane (CBAM's default pools, SE's 'avgmax') against the
// separate pools, bit for bit, with NaN, ±∞ and every tail length.
test("f32_gavgmaxpool_cw equals f32_gavgpool_cw and f32_gmaxpool_cw bit for bit, NaN and ±∞ included", async (t) => {
  const wasm = await loadModule();
  for (const hw of [1, 3, 4, 5, 15, 16, 17, 31, 33, 63, 3136]) {
    const planes = 6;
    const x = goldenInput(hw, planes * hw);
    x[1 * hw + (hw >> 1)] = NaN;                                   // plane 1
    x[2 * hw] = Infinity; if (hw > 1) x[2 * hw + hw - 1] = -Infinity; // plane 2: max ∞, mean NaN (hw > 1)
    x[3 * hw + hw - 1] = NaN;                                      // plane 3: NaN in the tail
    x[4 * hw + hw - 1] = -Infinity;                                // plane 4: −∞ is not NaN
    const xp = wasm.alloc(x.length * 4), out = wasm.alloc(planes * 16);
    new Float32Array(wasm.memory.buffer, xp, x.length).set(x);
    wasm.f32_gavgmaxpool_cw(xp, planes, hw, out, out + planes * 4);
    wasm.f32_gavgpool_cw(xp, planes, hw, out + planes * 8);
    wasm.f32_gmaxpool_cw(xp, planes, hw, out + planes * 12);
    const r = new Float32Array(wasm.memory.buffer, out, planes * 4).slice();
    t.deepEqual(Array.from(r.subarray(0, planes)), Array.from(r.subarray(2 * planes, 3 * planes)), `mean hw=${hw}`);
    t.deepEqual(Array.from(r.subarray(planes, 2 * planes)), Array.from(r.subarray(3 * planes, 4 * planes)), `max hw=${hw}`);
    t.true(Number.isNaN(r[planes + 1]) && Number.isNaN(r[planes + 3]), `NaN planes hw=${hw}`);
    wasm.free(xp);
    wasm.free(out);
  }
});
