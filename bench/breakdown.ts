// Where CBAM's time goes: each stage of cbam_f32_nchw run alone through the module's exported
// kernels on the benchmark's shapes, beside the limit (three reads and one write of the
// tensor). The stages: the channel pools (avg and max of every plane), the channel statistics
// of x·ca (max and mean over C per pixel), the 7×7 convolution of the two maps, and the output
// pass y = x·ca·sa. Median over rounds of the best of a few runs.
//
//   node --import=tsx bench/breakdown.ts [S,M,L,XL]

import { readFileSync } from "node:fs";
import v8 from "node:v8";
import { hasRelaxedSimd, loadModule, moduleFlavour } from "../dist/index.js";
import { BENCH_DIR, readTable } from "./cell.js";

if (!hasRelaxedSimd()) v8.setFlagsFromString("--experimental-wasm-relaxed-simd");
const table = readTable();
const m = await loadModule();
const probe = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(BENCH_DIR + "build/limit.wasm")), { env: { abort: () => {} } }).exports as unknown as {
  alloc(bytes: number): number;
  read3write1(x: number, y: number, n: number): void;
};
const K = 7, TAPS = 2 * K * K;

console.log(`module: ${moduleFlavour()}`);
for (const shape of (process.argv[2] ?? "S,M,L,XL").split(",")) {
  const [n, c, h, w] = table.shapes[shape];
  const hw = h * w, len = n * c * hw;
  const x = m.alloc(len * 4), y = m.alloc(len * 4);
  new Float32Array(m.memory.buffer, x, len).forEach((_, i, a) => (a[i] = Math.sin(i)));
  const pooled = m.alloc(n * c * 8), ca = m.alloc(n * c * 4);
  new Float32Array(m.memory.buffer, ca, n * c).fill(0.5);
  const maps = m.alloc(n * 2 * hw * 4), sa = m.alloc(n * hw * 4);
  const raw = m.alloc(TAPS * 4), packed = m.alloc(TAPS * 4);
  new Float32Array(m.memory.buffer, raw, TAPS).fill(0.01);
  m.f32_conv2d_pack(raw, 1, TAPS, 1, packed);
  const convScratch = m.alloc(Number(m.f32_conv2d_nchw_scratch_bytes(2, h, w, K, K, 1, 1, 1, 1, 3, 3, 1, 0)));
  const lx = probe.alloc(len * 4), ly = probe.alloc(len * 4);
  const stages: Record<string, () => void> = {
    "channel pools (avg, max)": () => m.f32_gavgmaxpool_cw(x, n * c, hw, pooled, pooled + n * c * 4),
    // channelStats keeps the max and the sum of every pixel whichever map it stores: one call is the block's pass
    "channel stats (maxC, meanC)": () => m.f32_cmaxpool_cw(x, n, c, hw, maps),
    "conv 7×7, 2→1": () => m.f32_conv2d_nchw(maps, n, 2, h, w, packed, 0, 1, K, K, 1, 1, 1, 1, 3, 3, 1, false, 0, 0, convScratch, sa),
    "output x·ca·sa": () => m.f32_vscale_cs_cw(x, n, c, hw, ca, sa, y),
    "limit (3 reads, 1 write)": () => probe.read3write1(lx, ly, len),
  };
  const reps = n > 1 ? 3 : 30;
  const line: string[] = [];
  for (const [name, f] of Object.entries(stages)) {
    for (let i = 0; i < 3; i++) f();
    const t: number[] = [];
    for (let round = 0; round < 15; round++) {
      let best = Infinity;
      for (let i = 0; i < reps; i++) {
        const t0 = performance.now();
        f();
        best = Math.min(best, performance.now() - t0);
      }
      t.push(best);
    }
    t.sort((a, b) => a - b);
    line.push(`${name} ${(t[7] * 1000).toFixed(1)} µs`);
  }
  console.log(`${shape} [${table.shapes[shape].join(", ")}]: ${line.join(" | ")}`);
  for (const p of [x, y, pooled, ca, maps, sa, raw, packed, convScratch]) m.free(p);
}
