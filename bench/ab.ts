// A/B of two builds of excite's module on the SE family's raw entries, for tuning a kernel:
// both instances run the same block on the same data, alternately, and the median over rounds
// of each one's best time is reported with the ratio (robust to this machine's slow spells).
//
//   node --import=tsx bench/ab.ts A.wasm B.wasm [se,cse,sse,scse] [S,M,L,XL]
//   (e.g. A = a copy of dist/excite.relaxed.wasm before a change, B = the build after it)

import { readFileSync } from "node:fs";
import v8 from "node:v8";
import { hasRelaxedSimd, loadSafetensors } from "../dist/index.js";
import type { ExciteExports } from "../dist/abi.js";
import { BENCH_DIR, readTable } from "./cell.js";

if (!hasRelaxedSimd()) v8.setFlagsFromString("--experimental-wasm-relaxed-simd");

const [fileA, fileB, blocksArg = "se,sse,scse", shapesArg = "S,M,L,XL"] = process.argv.slice(2);
const table = readTable();
const instantiate = (file: string) =>
  new WebAssembly.Instance(new WebAssembly.Module(readFileSync(file)), { env: { abort: () => { throw new Error(`${file} aborted`); } } }).exports as unknown as ExciteExports;

/** A closure running `block` (default options but blocks.json's) on dims in module `m`. */
function setup(m: ExciteExports, blockId: string, [n, c, h, w]: number[]): () => void {
  const block = table.blocks.find((b) => b.id === blockId)!;
  const weights = loadSafetensors(readFileSync(`${BENCH_DIR}models/${blockId}_c${c}.safetensors`));
  const hw = h * w, len = n * c * hw;
  const put = (a?: Float32Array) => {
    if (!a) return 0;
    const p = m.alloc(a.length * 4);
    new Float32Array(m.memory.buffer, p, a.length).set(a);
    return p;
  };
  const x = put(new Float32Array(len).map((_, i) => Math.sin(i))), y = m.alloc(len * 4);
  const act = block.options.activation === "none" ? 0 : 1;
  if (blockId === "sse") {
    const sw = put(weights["conv.weight"]), sb = put(weights["conv.bias"]);
    return () => m.sse_f32_nchw(x, y, n, c, hw, sw, sb, 0, 0, 0);
  }
  const pre = blockId === "scse" ? "cse." : "";
  const r = weights[`${pre}fc1.weight`].length / c;
  const fc: [number, number, number, number, number] = [r, put(weights[`${pre}fc1.weight`]), put(weights[`${pre}fc1.bias`]), put(weights[`${pre}fc2.weight`]), put(weights[`${pre}fc2.bias`])];
  if (blockId === "scse") {
    const scratch = m.alloc(m.scse_f32_nchw_scratch_bytes(n, c, r));
    const sw = put(weights["sse.conv.weight"]), sb = put(weights["sse.conv.bias"]);
    return () => m.scse_f32_nchw(x, y, n, c, hw, scratch, ...fc, act, 0, sw, sb, 0, 0, 0, 0);
  }
  const scratch = m.alloc(m.se_f32_nchw_scratch_bytes(n, c, r));
  return () => m.se_f32_nchw(x, y, n, c, hw, scratch, ...fc, act, 0, 0, 0, 0);
}

const A = instantiate(fileA), B = instantiate(fileB);
const median = (v: number[]) => v.slice().sort((p, q) => p - q)[v.length >> 1];
for (const shape of shapesArg.split(",")) {
  for (const block of blocksArg.split(",")) {
    const dims = table.shapes[shape];
    const runA = setup(A, block, dims), runB = setup(B, block, dims);
    const big = dims[0] > 1;
    const best = (f: () => void) => {
      let t = Infinity;
      for (let i = 0; i < (big ? 2 : 10); i++) {
        const t0 = performance.now();
        f();
        t = Math.min(t, performance.now() - t0);
      }
      return t;
    };
    for (let i = 0; i < 5; i++) { best(runA); best(runB); }
    const ta: number[] = [], tb: number[] = [], ratio: number[] = [];
    for (let round = 0; round < (big ? 20 : 100); round++) {
      const a = best(runA), b = best(runB);
      ta.push(a); tb.push(b); ratio.push(b / a);
    }
    console.log(`${block} ${shape}: A ${(median(ta) * 1000).toFixed(1)} µs, B ${(median(tb) * 1000).toFixed(1)} µs, B/A ${median(ratio).toFixed(3)}`);
  }
}
