// Where splitting a call over two threads starts to pay: the crossover that sets
// MIN_PARALLEL_FLOATS (bindings/threads.ts). For a few memory-bound blocks (the conv-bound ones
// gain from threads at every size the benchmark has) on C = 64 and growing H = W, the same block
// instance is timed with every call on the calling thread (minFloats above the input) and with
// every call split over 2 threads (minFloats 0), in alternating slices. The crossover is the
// smallest input from which the split is faster at every larger size tried.
//
//   node --import=tsx bench/threads-threshold.ts [--blocks=se,simam] [--rounds=R] [--budget=MS]
//
// Both excite APIs are timed: io() (the split's own gain) and run() (whose copies in and out stay
// on the calling thread, so its crossover is at least io()'s).

import { goldenInput } from "../tests/golden/prng.js";
import * as excite from "../dist/index.js";
import { MIN_PARALLEL_FLOATS } from "../dist/threads.js";
import { BENCH_BLOCKS, type Dims, numel } from "./table.js";
import { median, slice } from "./timing.js";

const args = new Map(process.argv.slice(2).map((a) => {
  const [k, v] = a.replace(/^--/, "").split("=");
  return [k, v ?? "true"] as [string, string];
}));
const BLOCKS = args.get("blocks")?.split(",") ?? ["se", "sse", "simam", "cbam"];
const ROUNDS = Number(args.get("rounds") ?? 5);
const BUDGET_MS = Number(args.get("budget") ?? 30);
const C = 64;
/** H = W: inputs of 64·H² floats, 2¹⁴ to 2²² by factors of √2. */
const SIDES = [16, 23, 32, 45, 64, 91, 128, 181, 256];

type Api = "io" | "run";

/** Median ms of `run` with every call on one thread and with every call split, alternating. */
async function pair(run: () => unknown, floats: number): Promise<{ one: number; two: number }> {
  const one: number[] = [], two: number[] = [];
  const o = { warmups: 2, iterations: 3, budgetMs: BUDGET_MS };
  for (let r = 0; r < ROUNDS; r++) {
    await excite.setThreads(2, { minFloats: floats + 1 });
    one.push(...(await slice(run, o)));
    await excite.setThreads(2, { minFloats: 0 });
    two.push(...(await slice(run, o)));
  }
  return { one: median(one), two: median(two) };
}

/** The smallest floats from which every ratio (1-thread ÷ 2-thread time) is above 1, or undefined. */
function crossover(rows: { floats: number; ratio: number }[]): number | undefined {
  let from: number | undefined;
  for (const r of rows) from = r.ratio > 1 ? (from ?? r.floats) : undefined;
  return from;
}

async function main(): Promise<void> {
  await excite.setThreads(2);
  console.log(`threads-threshold: ${excite.moduleFlavour()}, MIN_PARALLEL_FLOATS = ${MIN_PARALLEL_FLOATS} (2^${Math.log2(MIN_PARALLEL_FLOATS)}); C = ${C}, ${ROUNDS} rounds of ${BUDGET_MS} ms slices`);
  console.log("block api floats 1t-ms 2t-ms 1t/2t");
  const found: string[] = [];
  for (const id of BLOCKS) {
    const entry = BENCH_BLOCKS.find((b) => b.id === id && !b.dense);
    if (!entry) throw new RangeError(`threads-threshold: no block ${id} (one of ${BENCH_BLOCKS.filter((b) => !b.dense).map((b) => b.id).join(", ")})`);
    const options = entry.options(C), { create } = excite.blockEntry(id);
    // weights in [−0.25, 0.25), running variances in [0.875, 1.125)
    const weights = Object.fromEntries(create.weightSpecs(options as never).map((s, i) => [s.key, goldenInput(500 + i, numel(s.shape)).map((v) => (s.key.endsWith("running_var") ? 1 + v / 4 : v / 4))]));
    const block = (await create(options as never, weights)) as excite.Block | excite.FusionBlock;
    for (const api of ["io", "run"] as Api[]) {
      const rows: { floats: number; ratio: number }[] = [];
      for (const side of SIDES) {
        const dims: Dims = [1, C, side, side], floats = numel(dims);
        const xs = Array.from({ length: entry.inputs }, (_, i) => goldenInput(700 + i, floats));
        const out = new Float32Array(numel(block.outputDims(dims)));
        const view = block.io(dims);
        view.input.set(xs[0]);
        if (entry.inputs === 2) view.residual.set(xs[1]);
        const call = api === "io" ? () => view.run()
          : entry.inputs === 2 ? () => (block as excite.FusionBlock).run(xs[0], xs[1], dims, out) : () => (block as excite.Block).run(xs[0], dims, out);
        const { one, two } = await pair(call, floats);
        view.dispose();
        rows.push({ floats, ratio: one / two });
        console.log(`${id} ${api} ${floats} ${one.toFixed(3)} ${two.toFixed(3)} ${(one / two).toFixed(2)}`);
      }
      const at = crossover(rows);
      found.push(`${id} ${api}(): ${at === undefined ? "no crossover up to " + rows.at(-1)!.floats : `from ${at} floats (2^${Math.log2(at).toFixed(1)})`}`);
    }
    block.dispose();
  }
  await excite.setThreads(1);
  console.log(["", "Two threads faster at every larger size:", ...found].join("\n"));
}

await main();
