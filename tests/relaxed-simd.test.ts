// The two builds of the module: dist/excite.wasm (SIMD) and dist/excite.relaxed.wasm (relaxed
// SIMD: f32x4.relaxed_madd, fused where the CPU has FMA), which the loader picks by feature
// detection. Both are instantiated here explicitly and run every SE-family golden through the
// raw entries; each must match PyTorch (SPEC §5) and the other build within the same tolerance.

import test from "ava";
import { readFileSync } from "node:fs";
import v8 from "node:v8";
import { createSE, hasRelaxedSimd, moduleFlavour } from "../dist/index.js";
import { ACTIVATION, COMBINE, type ExciteExports, GATE, POOL } from "../dist/abi.js";
import { compareToGolden, goldenCases, type Golden, readGolden } from "./helpers/golden.js";

// Node 20's V8 has relaxed SIMD behind a flag; Node 22 and current browsers have it on.
if (!hasRelaxedSimd()) v8.setFlagsFromString("--experimental-wasm-relaxed-simd");

function instantiate(file: string): ExciteExports {
  const module = new WebAssembly.Module(readFileSync(new URL(`../dist/${file}`, import.meta.url)));
  const abort = () => { throw new Error(`${file} aborted`); };
  return new WebAssembly.Instance(module, { env: { abort } }).exports as unknown as ExciteExports;
}

const BUILDS = { simd: instantiate("excite.wasm"), relaxed: instantiate("excite.relaxed.wasm") };

/** Runs a golden's block through the raw entry of `wasm`, with the options mapped as SPEC's defaults. */
function runRaw(wasm: ExciteExports, g: Golden): Float32Array {
  const o = g.options as { gate?: keyof typeof GATE; hardSigmoid?: { alpha?: number; beta?: number }; activation?: keyof typeof ACTIVATION; pool?: keyof typeof POOL; combine?: keyof typeof COMBINE };
  const [n, c, h, w] = g.dims;
  const ptrs: number[] = [];
  const alloc = (bytes: number) => { ptrs.push(wasm.alloc(bytes)); return ptrs[ptrs.length - 1]; };
  const put = (a: Float32Array | undefined) => {
    if (!a) return 0; // an absent bias
    const p = alloc(a.length * 4);
    new Float32Array(wasm.memory.buffer, p, a.length).set(a);
    return p;
  };
  const x = put(g.x), y = alloc(g.x.length * 4);
  const gate = GATE[o.gate ?? "sigmoid"], alpha = o.hardSigmoid?.alpha ?? 1 / 6, beta = o.hardSigmoid?.beta ?? 0.5;
  const act = ACTIVATION[o.activation ?? "relu"], pool = POOL[o.pool ?? "avg"];
  const channel = (pre: string): [number, number, number, number, number] =>
    [g.weights[`${pre}fc1.weight`].length / c, put(g.weights[`${pre}fc1.weight`]), put(g.weights[`${pre}fc1.bias`]), put(g.weights[`${pre}fc2.weight`]), put(g.weights[`${pre}fc2.bias`])];
  if (g.block === "sse") {
    wasm.sse_f32_nchw(x, y, n, c, h * w, put(g.weights["conv.weight"]), put(g.weights["conv.bias"]), gate, alpha, beta);
  } else if (g.block === "scse") {
    const fc = channel("cse.");
    const scratch = alloc(wasm.scse_f32_nchw_scratch_bytes(n, c, fc[0]));
    wasm.scse_f32_nchw(x, y, n, c, h * w, scratch, ...fc, act, pool, put(g.weights["sse.conv.weight"]), put(g.weights["sse.conv.bias"]), gate, alpha, beta, COMBINE[o.combine ?? "add"]);
  } else {
    const fc = channel("");
    const scratch = alloc(wasm.se_f32_nchw_scratch_bytes(n, c, fc[0]));
    wasm.se_f32_nchw(x, y, n, c, h * w, scratch, ...fc, act, gate, alpha, beta, pool);
  }
  const out = new Float32Array(wasm.memory.buffer, y, g.x.length).slice();
  for (const p of ptrs) wasm.free(p);
  return out;
}

test("the relaxed build is built with relaxed SIMD, the plain one without", (t) => {
  t.true(readFileSync(new URL("../build/excite.relaxed.wat", import.meta.url), "utf8").includes("f32x4.relaxed_madd"));
  t.false(readFileSync(new URL("../build/excite.wat", import.meta.url), "utf8").includes("relaxed"));
});

test("the loader picks excite.relaxed.wasm where relaxed SIMD compiles", async (t) => {
  t.true(hasRelaxedSimd());
  const g = readGolden("se", "default.safetensors");
  const block = await createSE(g.options as never, g.weights);
  t.is(moduleFlavour(), "relaxed-simd");
  t.true(compareToGolden(g, block.run(g.x, g.dims)).worstRatio <= 1);
  block.dispose();
});

for (const block of ["se", "cse", "sse", "scse"]) {
  test(`${block}: both builds agree with PyTorch and with each other on every golden`, (t) => {
    const cases = goldenCases(block);
    t.true(cases.length > 0);
    let worst = 0;
    for (const file of cases) {
      const g = readGolden(block, file);
      const simd = runRaw(BUILDS.simd, g), relaxed = runRaw(BUILDS.relaxed, g);
      for (const [name, y] of [["simd", simd], ["relaxed", relaxed]] as const) {
        const { worstRatio, at } = compareToGolden(g, y);
        t.true(worstRatio <= 1, `${file}, ${name} build: element ${at} is ${y[at]}`);
      }
      for (let i = 0; i < simd.length; i++) {
        const ratio = Math.abs(relaxed[i] - simd[i]) / (1e-5 + 1e-4 * Math.abs(simd[i]));
        if (!(ratio <= 1)) t.fail(`${file}: element ${i} is ${simd[i]} in the simd build, ${relaxed[i]} in the relaxed one`);
        worst = Math.max(worst, ratio);
      }
    }
    t.log(`${cases.length} goldens; largest difference between the builds: ${(worst * 100).toFixed(2)}% of the tolerance`);
  });
}
