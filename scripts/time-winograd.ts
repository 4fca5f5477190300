// The 3×3 convolutions direct vs Winograd (bindings/conv-params.ts setWinogradPolicy "never" /
// "auto"), measured side by side in one process (rounds alternate between the two; medians):
// - convs: GMAC/s (9·C·C·H·W·N multiply-adds of the direct algorithm per second) of a C → C
//   3×3 padding-1 convolution at the benchmark's shapes;
// - blocks: io().run() of SEResBlock, CBAMBasicBlock and BAM at those shapes.
//
//   npm run build && npx tsx scripts/time-winograd.ts [convs|blocks] [--threads=N] [--rounds=R] [--shapes=S,M,L,XL]

import { createBAM, createCBAMBasicBlock, createSEResBlock, setThreads } from "../dist/index.js";
import { CallRecord } from "../dist/call.js";
import { type Conv, convRecord, packConv, packedFloats, packedKey, setWinogradPolicy } from "../dist/conv-params.js";
import { sharedHeap } from "../dist/memory.js";
import { ParamRecord } from "../dist/params.js";

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback;
const part = args.find((a) => !a.startsWith("--")) ?? "convs";
const threads = Number(option("threads", "1")), rounds = Number(option("rounds", "9"));
const SHAPES: Record<string, [number, number, number, number]> = { S: [1, 64, 56, 56], M: [1, 256, 28, 28], L: [8, 64, 112, 112], XL: [1, 512, 14, 14] };
const shapes = option("shapes", "S,M,L,XL").split(",");
const POLICIES = ["never", "auto"] as const;

function uniform(length: number, seed: number, scale: number): Float32Array {
  const a = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    a[i] = (seed / 2 ** 32 * 2 - 1) * scale;
  }
  return a;
}
const median = (a: number[]) => a.slice().sort((x, y) => x - y)[a.length >> 1];

/** Median ms per call of each of `runs`, alternating between them round by round (about 0.2 s per round each). */
function alternate(runs: (() => void)[]): number[] {
  runs.forEach((run) => run());
  const reps = runs.map((run) => {
    const t0 = performance.now();
    run();
    return Math.max(1, Math.round(200 / (performance.now() - t0 + 1e-3)));
  });
  const times = runs.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    runs.forEach((run, i) => {
      const t0 = performance.now();
      for (let k = 0; k < reps[i]; k++) run();
      times[i].push((performance.now() - t0) / reps[i]);
    });
  }
  return times.map(median);
}

if (threads > 1) await setThreads(threads);

if (part === "convs") {
  const heap = await sharedHeap();
  for (const shape of shapes) {
    const [n, c, h, w] = SHAPES[shape];
    const x = heap.upload(uniform(n * c * h * w, 1, 1)), y = heap.allocFloats(n * c * h * w);
    const raw = heap.upload(uniform(c * c * 9, 2, 1 / Math.sqrt(9 * c)));
    const runs = POLICIES.map((policy) => {
      setWinogradPolicy(policy);
      const conv: Conv = { cin: c, cout: c, kh: 3, kw: 3, padding: [1, 1], weight: "weight" };
      const packed = heap.allocFloats(packedFloats(conv, false));
      packConv(heap.wasm, conv, false, raw, packed);
      const record = new ParamRecord(heap, convRecord(conv, { ptr: (key) => (key === packedKey(conv, false) ? packed : 0) }));
      const call = new CallRecord(heap, { plan: heap.wasm.f32_conv2d_nchw_plan, run: heap.wasm.f32_conv2d_nchw_run });
      const stages = call.plan(record.ptr, { x, y, n, c, h, w }, "conv", [n, c, h, w]);
      return () => call.run(stages);
    });
    const [direct, winograd] = alternate(runs);
    const gmacs = (ms: number) => (9 * n * c * c * h * w / ms / 1e6).toFixed(1);
    console.log(`${shape} [${n}, ${c}, ${h}, ${w}] ${threads} thread(s): direct ${direct.toFixed(2)} ms (${gmacs(direct)} GMAC/s), Winograd ${winograd.toFixed(2)} ms (${gmacs(winograd)} GMAC/s), ${(direct / winograd).toFixed(2)}×`);
  }
} else {
  const factories = { SEResBlock: createSEResBlock, CBAMBasicBlock: createCBAMBasicBlock, BAM: createBAM } as const;
  for (const shape of shapes) {
    const [n, c, h, w] = SHAPES[shape];
    for (const [name, create] of Object.entries(factories)) {
      const weights: Record<string, Float32Array> = {};
      create.weightSpecs({ channels: c }).forEach(({ key, shape: dims }, i) => {
        const length = dims.reduce((a, b) => a * b, 1);
        weights[key] = /running_var$|bn.*\.weight$/.test(key) ? uniform(length, i + 7, 0.4).map((v) => v + 1) : uniform(length, i + 7, dims.length > 1 ? Math.sqrt(3 * dims[0] / length) : 0.2);
      });
      const blocks = [];
      for (const policy of POLICIES) {
        setWinogradPolicy(policy);
        blocks.push(await create({ channels: c }, weights));
      }
      const ios = blocks.map((b) => b.io([n, c, h, w]));
      const input = uniform(n * c * h * w, 3, 1);
      ios.forEach((io) => io.input.set(input));
      const [direct, winograd] = alternate(ios.map((io) => () => io.run()));
      console.log(`${name} ${shape} ${threads} thread(s): direct ${direct.toFixed(2)} ms, Winograd ${winograd.toFixed(2)} ms, ${(direct / winograd).toFixed(2)}×`);
      ios.forEach((io) => io.dispose());
      blocks.forEach((b) => b.dispose());
    }
  }
}
if (threads > 1) await setThreads(1);
