// `npm run bench`: every block of blocks.json that excite has, on every shape, through every
// engine, in one process. Each engine's output is cross-checked against excite's before it is
// timed; the medians go to bench/results.json, then RESULTS.md and results.svg (report.ts).
//
//   node --import=tsx bench/run.ts [--blocks=se,sse] [--shapes=S,M] [--budget=MS] [--rounds=R]
//                                  [--flavour=auto|simd] [--no-write]
//
// --flavour=auto (the default) lets excite's loader pick its build by feature detection, with
// V8's relaxed-SIMD flag turned on first where the runtime still has it behind a flag (Node 20):
// the build a current browser or Node ≥ 22 gets. --flavour=simd loads the plain SIMD build.

import { readFileSync, statSync } from "node:fs";
import v8 from "node:v8";
import { Bench } from "tinybench";
import { goldenInput } from "../tests/golden/prng.js";
import * as excite from "../dist/index.js";
import { BENCH_DIR, type BlockSpec, type Cell, type Engine, numel, readTable, type Runner, type Weights } from "./cell.js";
import { exciteCopy, exciteZeroCopy, factoryOf } from "./engines/excite.js";
import { limitProbe } from "./engines/limit.js";
import { ortNodeAll, ortNodeExtended, ortWebAll, ortWebExtended } from "./engines/ort.js";
import { plainJs } from "./engines/plain-js.js";
import { tfjsWasm } from "./engines/tfjs.js";
import { measureFirstCreate } from "./first-create.js";
import type { CellResult, EngineResult, Results } from "./metrics.js";
import { writeReport } from "./report.js";

const ENGINES: Engine[] = [exciteCopy, exciteZeroCopy, ortWebAll, ortWebExtended, tfjsWasm, ortNodeAll, ortNodeExtended, plainJs, limitProbe];

/** Cross-check: a peer agrees with excite where |peer − excite| ≤ 1e-4 + 1e-3·|excite| everywhere. */
const ABS_TOL = 1e-4, REL_TOL = 1e-3;

const args = new Map(process.argv.slice(2).map((a) => {
  const [k, v] = a.replace(/^--/, "").split("=");
  return [k, v ?? "true"] as [string, string];
}));
const list = (key: string): string[] | undefined => args.get(key)?.split(",");
const BUDGET_MS = Number(args.get("budget") ?? 100);
const ROUNDS = Number(args.get("rounds") ?? 5);

function compare(ref: Float32Array, got: Float32Array): { maxAbs: number; ok: boolean } {
  if (got.length !== ref.length) return { maxAbs: Infinity, ok: false };
  let maxAbs = 0, ok = true;
  for (let i = 0; i < ref.length; i++) {
    const err = Math.abs(got[i] - ref[i]);
    if (!(err <= ABS_TOL + REL_TOL * Math.abs(ref[i]))) ok = false;
    if (!(err <= maxAbs)) maxAbs = Number.isNaN(err) ? Infinity : err;
  }
  return { maxAbs, ok };
}

/** A first run over this long is the only sample (plain JS on the residual blocks). */
const ONCE_MS = 2000;
/** Runs over this long are timed once per round, after one warm-up run. */
const SLOW_MS = 100;
/** The least share of a slice's wall time this process must have run for the slice to count. */
const CPU_SHARE = 0.9;
const RETRIES = 3;
/** Slices measured again (reported with the results). */
let retried = 0;

/**
 * Median latency of each runner, in ms. The engines take turns for `ROUNDS` rounds (so that a
 * slow spell of this shared machine falls on all of them) and the median is over all samples.
 */
async function time(runners: Map<string, Runner>, oneRunMs: Map<string, number>): Promise<Map<string, { median: number; samples: number }>> {
  const samples = new Map<string, number[]>([...runners.keys()].map((id) => [id, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [id, runner] of runners) {
      const once = oneRunMs.get(id)!;
      if (once > ONCE_MS) {
        if (round === 0) samples.get(id)!.push(once);
        continue;
      }
      const slow = once > SLOW_MS;
      // A slice during which this process had the CPU less than CPU_SHARE of the time (another
      // job on this 2-core machine took it) is measured again, up to RETRIES times.
      let result;
      for (let attempt = 0; ; attempt++) {
        // Every slice starts with warm-up runs: the engines take turns, and an engine whose
        // weights were pushed out of cache by the others' would otherwise be timed cold.
        const bench = new Bench({ time: slow ? 0 : BUDGET_MS, iterations: slow ? 1 : 3, warmup: true, warmupIterations: slow ? 1 : 2, warmupTime: 0, retainSamples: true, throws: true });
        bench.add(id, () => runner.run());
        const wall0 = performance.now(), cpu0 = process.cpuUsage();
        await bench.run();
        const cpu = process.cpuUsage(cpu0), wall = performance.now() - wall0;
        result = bench.tasks[0].result;
        if ((cpu.user + cpu.system) / 1000 >= CPU_SHARE * wall || attempt === RETRIES) break;
        retried++;
      }
      if (!("latency" in result)) throw new Error(`${id}: tinybench finished in state ${result.state}`);
      samples.get(id)!.push(...(result.latency.samples ?? []));
    }
  }
  const out = new Map<string, { median: number; samples: number }>();
  for (const [id, s] of samples) {
    s.sort((a, b) => a - b);
    const m = s.length >> 1;
    out.set(id, { median: s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2, samples: s.length });
  }
  return out;
}

async function runCell(cell: Cell): Promise<CellResult> {
  const results: Record<string, EngineResult> = {};
  const runners = new Map<string, Runner>();
  const oneRunMs = new Map<string, number>();
  let reference: Float32Array | undefined;
  for (const engine of ENGINES) {
    if (!engine.supports(cell.block)) continue;
    try {
      const runner = await engine.prepare(cell);
      // A first run (warm-up, and the output to check); a second one times a run, unless the
      // first took over a second (then its time is estimate enough).
      let t0 = performance.now();
      await runner.run();
      if (performance.now() - t0 < 1000) {
        t0 = performance.now();
        await runner.run();
      }
      oneRunMs.set(engine.id, performance.now() - t0);
      if (engine.id === exciteCopy.id) reference = runner.output().slice();
      if (engine.id !== limitProbe.id) {
        if (!reference) throw new Error("no reference: excite's run() failed on this cell");
        const { maxAbs, ok } = compare(reference, runner.output());
        if (!ok) {
          results[engine.id] = { error: `output differs from excite's (max |diff| ${maxAbs.toExponential(2)})`, maxAbsDiff: maxAbs };
          await runner.dispose();
          continue;
        }
        results[engine.id] = { maxAbsDiff: maxAbs };
      } else {
        results[engine.id] = {};
      }
      runners.set(engine.id, runner);
    } catch (err) {
      results[engine.id] = { error: String((err as Error).message ?? err).split("\n")[0] };
    }
  }
  for (const [id, t] of await time(runners, oneRunMs)) Object.assign(results[id], { medianMs: t.median, samples: t.samples });
  for (const runner of runners.values()) await runner.dispose();
  return { block: cell.block.id, label: cell.block.label, shape: cell.shape, dims: cell.dims, results };
}

function weightsFor(block: BlockSpec, channels: number): Weights {
  const file = `${BENCH_DIR}models/${block.id}_c${channels}.safetensors`;
  return excite.loadSafetensors(readFileSync(file));
}

async function main(): Promise<void> {
  const flavourArg = args.get("flavour") ?? "auto";
  if (flavourArg === "simd") await excite.loadModule(new URL("../dist/excite.wasm", import.meta.url));
  else if (!excite.hasRelaxedSimd()) v8.setFlagsFromString("--experimental-wasm-relaxed-simd");

  const table = readTable();
  const blocks = table.blocks.filter((b) => !list("blocks") || list("blocks")!.includes(b.id));
  const shapes = Object.entries(table.shapes).filter(([s]) => !list("shapes") || list("shapes")!.includes(s));
  const missing = blocks.filter((b) => !factoryOf(b)).map((b) => b.id);
  const firstCreate = await measureFirstCreate(flavourArg === "simd" ? "simd" : "auto");

  const cells: CellResult[] = [];
  const started = performance.now();
  for (const block of blocks) {
    if (!factoryOf(block)) continue;
    for (const [shape, dims] of shapes) {
      const cell: Cell = {
        block, shape, dims,
        x: goldenInput(0x5eed + dims[1], numel(dims)),
        weights: weightsFor(block, dims[1]),
        onnxPath: `${BENCH_DIR}models/${block.id}_${shape}.onnx`,
      };
      const t0 = performance.now();
      const result = await runCell(cell);
      cells.push(result);
      const line = Object.entries(result.results).map(([id, r]) => `${id} ${r.medianMs !== undefined ? r.medianMs.toFixed(3) : "✗"}`).join(", ");
      console.log(`${block.id} ${shape} (${((performance.now() - t0) / 1000).toFixed(1)} s): ${line}`);
      for (const [id, r] of Object.entries(result.results)) if (r.error) console.log(`  ${id}: ${r.error}`);
    }
  }

  const results: Results = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpuModel(),
    // With --flavour=simd the module is loaded from an explicit source, which the loader calls "custom".
    flavour: flavourArg === "simd" ? "simd (excite.wasm, by --flavour=simd)" : excite.moduleFlavour() ?? "not loaded",
    wasmBytes: { simd: statSync(new URL("../dist/excite.wasm", import.meta.url)).size, relaxed: statSync(new URL("../dist/excite.relaxed.wasm", import.meta.url)).size },
    firstCreate,
    budgetMs: BUDGET_MS,
    rounds: ROUNDS,
    retriedSlices: retried,
    seconds: (performance.now() - started) / 1000,
    engines: ENGINES.map((e) => ({ id: e.id, label: e.label })),
    missingBlocks: missing,
    cells,
  };
  if (args.get("write") !== "false" && !args.has("no-write")) writeReport(results);
  else console.log(JSON.stringify(results, null, 1));
}

function cpuModel(): string {
  try {
    return /model name\s*:\s*(.*)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? "unknown";
  } catch {
    return "unknown";
  }
}

await main();
