// GMAC/s of the k×k convolution (assembly/kernels/f32-conv2d.ts, run as the stages of
// parts/conv-stages.ts) at the shapes of SK and ResNeSt: the dense 3×3, the grouped 3×3 of SK
// (groups 32, dilation 1 and 2) and ResNeSt's split-attention conv (C → 2C, groups G·R = 2).
// MACs = Cin/groups·k²·Cout·OH·OW. The call is planned once and
// its stages timed, the input's pack included; rounds alternate between every shape (and, with
// --base=<file.wasm>, between this build and another build of the module, e.g. main's), and the
// best and the median over the rounds are reported: on a shared machine the best is the
// steadier figure.
//
//   npm run build && npx tsx scripts/time-convs.ts [rounds] [--base=/path/to/excite.wasm]

import { readFileSync } from "node:fs";
import type { ExciteExports } from "../dist/abi.js";
import { CallRecord } from "../dist/call.js";
import { convRecord, packWeights } from "../dist/conv-params.js";
import { Heap, sharedHeap } from "../dist/memory.js";
import { ParamRecord } from "../dist/params.js";

const args = process.argv.slice(2);
const rounds = Number(args.find((a) => !a.startsWith("--")) ?? 15);
const basePath = args.find((a) => a.startsWith("--base="))?.slice(7);

const modules: Array<[string, Heap]> = [["this build", await sharedHeap()]];
if (basePath) {
  // an older build may import env.abort (AssemblyScript's assertion hook)
  const abort = () => { throw new Error("the base module aborted"); };
  const instance = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(basePath)), { env: { abort } });
  modules.push(["base", new Heap(instance.exports as unknown as ExciteExports)]);
}

interface Shape { c: number; cout?: number; hw: number; groups: number; dil: number }
const shapes: Shape[] = [
  { c: 64, hw: 56, groups: 1, dil: 1 }, { c: 256, hw: 28, groups: 1, dil: 1 },
  ...[64, 128, 256].flatMap((c) => [1, 2].map((dil) => ({ c, hw: c === 64 ? 56 : 28, groups: 32, dil }))),
  { c: 128, hw: 56, groups: 32, dil: 1 },
  { c: 64, cout: 128, hw: 56, groups: 2, dil: 1 }, { c: 256, cout: 512, hw: 28, groups: 2, dil: 1 },
];

const runs = modules.flatMap(([build, heap]) => shapes.map(({ c, cout = c, hw, groups, dil }) => {
  const kdim = (c / groups) * 9;
  const weight = new Float32Array(cout * kdim).map((_, i) => Math.sin(i) / Math.sqrt(kdim));
  const conv = { cin: c, cout, kh: 3, kw: 3, padding: [dil, dil] as const, dilation: dil, groups, weight: "w", bias: "b" };
  const pack = packWeights(heap, { w: weight, b: new Float32Array(cout) }, [conv]);
  const params = new ParamRecord(heap, convRecord(conv, pack));
  const call = new CallRecord(heap, { plan: heap.wasm.f32_conv2d_nchw_plan, run: heap.wasm.f32_conv2d_nchw_run });
  const x = heap.allocFloats(c * hw * hw), y = heap.allocFloats(cout * hw * hw);
  heap.f32.subarray(x >>> 2, (x >>> 2) + c * hw * hw).forEach((_, i, a) => (a[i] = Math.cos(i)));
  const stages = call.plan(params.ptr, { x, y, n: 1, c, h: hw, w: hw }, "conv", [1, c, hw, hw]);
  const macs = kdim * cout * hw * hw;
  const kind = groups === 1 ? "dense" : `g${groups}`;
  const channels = cout === c ? `C=${c}` : `${c}→${cout}`;
  return { label: `${build.padEnd(10)} ${kind.padEnd(5)} 3×3 d${dil} ${channels.padEnd(7)} ${hw}×${hw}`, macs, run: () => call.run(stages), times: [] as number[] };
}));

for (let round = -2; round < rounds; round++) {
  for (const r of runs) {
    // enough calls per sample to last a few milliseconds
    const calls = Math.max(1, Math.round(2e7 / r.macs));
    const t0 = performance.now();
    for (let k = 0; k < calls; k++) r.run();
    if (round >= 0) r.times.push((performance.now() - t0) / calls);
  }
}
const median = (a: number[]) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];
for (const r of runs) {
  const best = Math.min(...r.times), ms = median(r.times);
  const gmacs = (t: number) => (r.macs / t / 1e6).toFixed(2).padStart(6);
  console.log(`${r.label}  best ${best.toFixed(3).padStart(8)} ms ${gmacs(best)} GMAC/s   median ${ms.toFixed(3).padStart(8)} ms ${gmacs(ms)} GMAC/s`);
}
