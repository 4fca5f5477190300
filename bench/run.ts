// `npm run bench`: every block of excite's registry (table.ts) on every shape, in each layout it
// has, through every engine, in one process (and onnxruntime-web's two-thread child, ort.ts).
// Each engine's output is cross-checked against excite's before it is timed; the medians go to
// bench/results.json, then RESULTS.md and results.svg (report.ts).
//
//   node --import=tsx bench/run.ts [--quick] [--blocks=se,sse] [--shapes=S,M] [--layouts=nchw,nhwc]
//        [--threads=1,2] [--engines=excite,ort-web-all] [--rounds=R] [--budget=MS]
//        [--flavour=auto|simd] [--minutes=M] [--no-write]
//
// --quick: 2 rounds of 40 ms slices, shapes S and L, ORT at level 'all' only, no slice measured
// again when another job had the CPU: every engine on every block, for checking the pipeline.
// --minutes (38; 15 with --quick): the run's length; a cell's rounds stop when it has used its
// share of the time left (after one round), so a busy machine gets fewer rounds, not a longer run.
// --threads=1 leaves out the two-thread engines. --no-write prints the results instead of writing
// results.json, RESULTS.md and results.svg (a filtered run never overwrites them unless --write).
//
// --flavour=auto (the default) lets excite's loader pick its build by feature detection, with
// V8's relaxed-SIMD flag turned on first where the runtime still has it behind a flag (Node 20):
// the build a current browser or Node ≥ 22 gets. --flavour=simd loads the plain SIMD builds.

import { readFileSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import v8 from "node:v8";
import { gzipSync } from "node:zlib";
import { goldenInput } from "../tests/golden/prng.js";
import * as excite from "../dist/index.js";
import { copyProbe, exciteIo, exciteIo2, exciteRun, exciteRun2, loadThreadedExcite } from "./engines/excite.js";
import { limitProbe } from "./engines/limit.js";
import { ortNode1, ortNode2, ortWeb1, ortWeb2, stopOrtWebChild } from "./engines/ort.js";
import { plainJs } from "./engines/plain-js.js";
import { tfjsWasm } from "./engines/tfjs.js";
import { measureFirstCreate } from "./first-create.js";
import type { CellResult, EngineInfo, EngineResult, Results } from "./metrics.js";
import { writeReport } from "./report.js";
import { BENCH_BLOCKS, type BenchBlock, type Cell, type Dims, type Engine, modelFile, numel, type Runner, SHAPES } from "./table.js";
import { median, othersShare, slice, sliceFor } from "./timing.js";

const args = new Map(process.argv.slice(2).map((a) => {
  const [k, v] = a.replace(/^--/, "").split("=");
  return [k, v ?? "true"] as [string, string];
}));
const list = (key: string): string[] | undefined => args.get(key)?.split(",");
const QUICK = args.has("quick");
const BUDGET_MS = Number(args.get("budget") ?? (QUICK ? 40 : 60));
const ROUNDS = Number(args.get("rounds") ?? (QUICK ? 2 : 5));
const SHAPE_FILTER = list("shapes") ?? (QUICK ? ["S", "L"] : undefined);
const THREADS = (list("threads") ?? ["1", "2"]).map(Number);
/** How long the run should take (--minutes): each cell's rounds stop when it has used its share of what is left (at least one round). */
const MINUTES = Number(args.get("minutes") ?? (QUICK ? 15 : 38));

interface Timed extends Engine {
  readonly threads: number;
}
const at = (threads: number, ...engines: Engine[]): Timed[] => engines.map((e) => ({ ...e, threads }));
/** Every engine, in the order of RESULTS.md's columns. The two-thread ORT engines at level 'all', ORT's default. */
const ALL_ENGINES: Timed[] = [
  ...at(1, exciteRun, exciteIo, copyProbe),
  ...at(2, exciteRun2, exciteIo2),
  ...at(1, ortWeb1.all, ...(QUICK ? [] : [ortWeb1.extended])),
  ...at(2, ortWeb2.all),
  ...at(1, tfjsWasm, ortNode1.all, ...(QUICK ? [] : [ortNode1.extended])),
  ...at(2, ortNode2.all),
  ...at(1, plainJs, limitProbe),
];
const ENGINES = ALL_ENGINES.filter((e) => THREADS.includes(e.threads) && (!list("engines") || list("engines")!.includes(e.id) || e.id === exciteRun.id));
/** Engines whose output is not the block's. */
const UNCHECKED = [limitProbe.id, copyProbe.id];

/** Cross-check: a peer agrees with excite where |peer − excite| ≤ 1e-4 + 1e-3·|excite| everywhere. */
const ABS_TOL = 1e-4, REL_TOL = 1e-3;
/** A first run over this long is the only sample (plain JS on large cells). */
const ONCE_MS = 2000;
/**
 * An engine's rounds in one cell take about this long at most: an engine whose round (one slice)
 * takes longer is timed in the first rounds only, at least one (the slow engines of the large
 * conv-bound cells, which would otherwise take most of the run).
 */
const ENGINE_CELL_MS = QUICK ? 1500 : 4000;
/** The most multiply-adds plain JS is given (about 2 s of it): above, the cell has no plain JS column. */
const PLAIN_JS_MAX_MACS = 1e9;
/** A slice during which other jobs took more than this share of the machine's CPU is measured again… */
const OTHERS_MAX = 0.1;
/** …up to this many times (never in --quick, which checks the pipeline rather than measures). */
const RETRIES = QUICK ? 0 : 3;
/** …while the slices measured again have taken less than this in all (a busy machine would otherwise stretch the run several times over). */
const RETRY_BUDGET_MS = 6 * 60_000;
let retried = 0, retriedMs = 0;

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

/** One slice of `runner`, measured again while other jobs took the CPU. */
async function timeSlice(runner: Runner, oneRunMs: number): Promise<number[]> {
  const o = sliceFor(oneRunMs, BUDGET_MS);
  for (let attempt = 0; ; attempt++) {
    const done = othersShare(runner.pids?.() ?? []), t0 = performance.now();
    const samples = runner.timeSlice ? await runner.timeSlice(o) : await slice(runner.run, o);
    const others = done();
    if (attempt > 0) retriedMs += performance.now() - t0;
    if (others === undefined || others <= OTHERS_MAX || attempt === RETRIES || retriedMs > RETRY_BUDGET_MS) return samples;
    retried++;
  }
}

/** How many of the ROUNDS rounds an engine whose one run takes `oneRunMs` is timed in (ENGINE_CELL_MS). */
function roundsFor(oneRunMs: number): number {
  const o = sliceFor(oneRunMs, BUDGET_MS);
  const roundMs = Math.max(o.budgetMs, (o.warmups + o.iterations) * oneRunMs);
  return Math.max(1, Math.min(ROUNDS, Math.floor(ENGINE_CELL_MS / roundMs)));
}

/**
 * Median latency of each runner, in ms. The engines take turns for `ROUNDS` rounds (so that a
 * slow spell of this shared machine falls on all of them; a slow engine in the first rounds
 * only, roundsFor; no round begins after `until`, a performance.now() time, but the first) and
 * the median is over all samples.
 */
async function time(runners: Map<string, Runner>, oneRunMs: Map<string, number>, until: number): Promise<Map<string, { median: number; samples: number }>> {
  const samples = new Map<string, number[]>([...runners.keys()].map((id) => [id, []]));
  for (let round = 0; round < ROUNDS && (round === 0 || performance.now() < until); round++) {
    for (const [id, runner] of runners) {
      const once = oneRunMs.get(id)!;
      if (once > ONCE_MS) {
        if (round === 0) samples.get(id)!.push(once);
        continue;
      }
      if (round >= roundsFor(once)) continue;
      samples.get(id)!.push(...(await timeSlice(runner, once)));
    }
  }
  return new Map([...samples].map(([id, s]) => [id, { median: median(s), samples: s.length }]));
}

/** Every engine on `cell`, timed in rounds that begin before `until` (a performance.now() time). */
async function runCell(cell: Cell, macs: number, until: number): Promise<Record<string, EngineResult>> {
  const results: Record<string, EngineResult> = {};
  const runners = new Map<string, Runner>();
  const oneRunMs = new Map<string, number>();
  let reference: Float32Array | undefined;
  for (const engine of ENGINES) {
    if (!engine.supports(cell) || (engine.id === plainJs.id && macs > PLAIN_JS_MAX_MACS)) continue;
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
      const output = await runner.output();
      if (engine.id === exciteRun.id) reference = output.slice();
      if (!UNCHECKED.includes(engine.id)) {
        if (!reference) throw new Error("no reference: excite's run() failed on this cell");
        const { maxAbs, ok } = compare(reference, output);
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
  for (const [id, t] of await time(runners, oneRunMs, until)) Object.assign(results[id], { medianMs: t.median, samples: t.samples });
  for (const runner of runners.values()) await runner.dispose();
  return results;
}

/** x [N, C, H, W] as [N, H, W, C]. */
function toNhwc(x: Float32Array, [n, c, h, w]: Dims): Float32Array {
  const y = new Float32Array(x.length), hw = h * w;
  for (let b = 0; b < n; b++) for (let ch = 0; ch < c; ch++) for (let p = 0; p < hw; p++) y[(b * hw + p) * c + ch] = x[(b * c + ch) * hw + p];
  return y;
}

function cellOf(block: BenchBlock, shape: string, layout: excite.Layout): Cell {
  const nchw = SHAPES[shape], [n, c, h, w] = nchw;
  // the same tensors in both layouts: x and the residual drawn in NCHW
  const inputs = [goldenInput(0x5eed + c, numel(nchw)), goldenInput(0x7e51d + c, numel(nchw))].slice(0, block.inputs);
  return {
    block, shape, layout,
    dims: layout === "nhwc" ? [n, h, w, c] : nchw,
    inputs: layout === "nhwc" ? inputs.map((x) => toNhwc(x, nchw)) : inputs,
    weights: excite.loadSafetensors(readFileSync(modelFile.weights(block.id, c))),
    options: { ...block.options(c), layout },
    onnxPath: modelFile.onnx(block.id, shape, layout),
  };
}

function macsOf(block: BenchBlock, shape: string): number {
  return (JSON.parse(readFileSync(modelFile.info(block.id, shape), "utf8")) as { macs: number }).macs;
}

/** A cell's share of the run, relative to others': a cell of 1M elements and no multiply-adds is about 1.5, the L cells of the residual blocks about 8 (a first round takes about so much longer). */
function cellWeight(block: BenchBlock, shape: string): number {
  return 1 + numel(SHAPES[shape]) / 2e6 + macsOf(block, shape) / 2e9;
}

function cpuInfo(): { model: string; mhz?: number } {
  try {
    const text = readFileSync("/proc/cpuinfo", "utf8");
    const mhz = Number(/cpu MHz\s*:\s*([\d.]+)/.exec(text)?.[1]);
    return { model: /model name\s*:\s*(.*)/.exec(text)?.[1] ?? "unknown", mhz: Number.isFinite(mhz) ? mhz : undefined };
  } catch {
    return { model: "unknown" };
  }
}

/** Bytes of each file (paths relative to bench/), raw and gzipped at level 9, keyed by file name. */
function sizes(paths: readonly string[]): Results["wasmBytes"] {
  return Object.fromEntries(paths.map((p) => {
    const url = new URL(p, import.meta.url);
    return [p.split("/").at(-1)!, { raw: statSync(url).size, gzip: gzipSync(readFileSync(url), { level: 9 }).length }];
  }));
}
const EXCITE_WASM = ["excite.wasm", "excite.relaxed.wasm", "excite.threads.wasm", "excite.relaxed.threads.wasm"].map((b) => `../dist/${b}`);
/** The peers' SIMD builds a page loads (onnxruntime-web has only its threaded one). */
const PEER_WASM = ["node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm", "node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm"];

async function main(): Promise<void> {
  const flavourArg = args.get("flavour") ?? "auto";
  const dist = (f: string) => new URL(`../dist/${f}`, import.meta.url);
  if (flavourArg === "simd") await excite.loadModule(dist("excite.wasm"));
  else if (!excite.hasRelaxedSimd()) v8.setFlagsFromString("--experimental-wasm-relaxed-simd");
  const threadsFlavour = THREADS.includes(2) ? await loadThreadedExcite(2, flavourArg === "simd" ? dist("excite.threads.wasm") : undefined) : undefined;

  const blocks = BENCH_BLOCKS.filter((b) => !list("blocks") || list("blocks")!.includes(b.id));
  const shapes = Object.keys(SHAPES).filter((s) => !SHAPE_FILTER || SHAPE_FILTER.includes(s));
  const layouts = (list("layouts") ?? ["nchw", "nhwc"]) as excite.Layout[];
  const partial = ["blocks", "shapes", "layouts", "threads", "engines", "quick"].some((k) => args.has(k));
  const firstCreate = partial ? undefined : await measureFirstCreate(flavourArg === "simd" ? "simd" : "auto");

  const cells: CellResult[] = [];
  const started = performance.now(), deadline = started + MINUTES * 60_000;
  const todo = blocks.flatMap((block) => shapes.flatMap((shape) => layouts.filter((l) => block.layouts.includes(l)).map((layout) => ({ block, shape, layout, weight: cellWeight(block, shape) }))));
  let weightLeft = todo.reduce((a, t) => a + t.weight, 0);
  for (const [i, { block, shape, layout, weight }] of todo.entries()) {
    const t0 = performance.now();
    const macs = macsOf(block, shape);
    const cell = cellOf(block, shape, layout);
    const results = await runCell(cell, macs, t0 + ((deadline - t0) * weight) / weightLeft);
    weightLeft -= weight;
    const seconds = (performance.now() - t0) / 1000;
    cells.push({ block: block.id, label: block.label, shape, layout, dims: [...cell.dims], inputs: block.inputs, macs, convBound: block.convBound, ...(block.dense ? { dense: true } : {}), seconds, results });
    const line = Object.entries(results).map(([id, r]) => `${id} ${r.medianMs !== undefined ? r.medianMs.toFixed(3) : "✗"}`).join(", ");
    console.log(`${block.id} ${shape} ${layout} (${seconds.toFixed(1)} s; ${i + 1}/${todo.length}): ${line}`);
    for (const [id, r] of Object.entries(results)) if (r.error) console.log(`  ${id}: ${r.error}`);
  }
  stopOrtWebChild();

  const cpu = cpuInfo();
  const results: Results = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpu.model,
    cpuMHz: cpu.mhz,
    cores: availableParallelism(),
    // With --flavour=simd the module is loaded from an explicit source, which the loader calls "custom".
    flavour: flavourArg === "simd" ? "simd (excite.wasm, by --flavour=simd)" : excite.moduleFlavour() ?? "not loaded",
    threadsFlavour: flavourArg === "simd" && threadsFlavour ? "simd-threads (excite.threads.wasm, by --flavour=simd)" : threadsFlavour,
    wasmBytes: sizes(EXCITE_WASM),
    peerWasmBytes: sizes(PEER_WASM),
    firstCreate,
    budgetMs: BUDGET_MS,
    rounds: ROUNDS,
    minutes: MINUTES,
    engineCellMs: ENGINE_CELL_MS,
    args: process.argv.slice(2),
    retriedSlices: retried,
    seconds: (performance.now() - started) / 1000,
    engines: ENGINES.map((e): EngineInfo => ({ id: e.id, label: e.label, threads: e.threads })),
    cells,
  };
  const write = args.has("write") || (!partial && !args.has("no-write"));
  if (write) writeReport(results);
  else console.log(`bench: ${cells.length} cells in ${results.seconds.toFixed(0)} s (${retried} slices measured again); not written (a filtered run: --write writes it)`);
  if (args.has("json")) console.log(JSON.stringify(results, null, 1));
}

// The thread pools and onnxruntime-web's child never keep a process alive (they are unref'd):
// this timer does while the benchmark waits on them.
const alive = setInterval(() => {}, 1 << 30);
await main().finally(() => clearInterval(alive));
