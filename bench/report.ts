// Turns one run's measurements into bench/results.json, bench/RESULTS.md (the targets of issues
// 4, 10, 11 and 13 and the tables) and bench/results.svg (the speed-ups as a chart).
//
//   node --import=tsx bench/report.ts   rewrites RESULTS.md and results.svg from results.json

import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { chartSvg } from "./chart.js";
import {
  best, type CellResult, copyOverhead, gmacs, leastCopies, limitShare, macsPerElement, ms, ortNode1, ortWeb1, type Results, SIMD_MACS_PER_CYCLE, speedup,
} from "./metrics.js";
import { BENCH_DIR, ISSUE10_BLOCKS } from "./table.js";

const FIRST_CREATE_MS = 10;
/** (run() − io()) ÷ one copy of the tensor, for one input (scaled by leastCopies / 2 for two). */
const COPIES = 2.5;
const LIMIT_SHARE = 0.6;
const THREAD_SPEEDUP = 1.7;

const fmtMs = (v: number | undefined): string => (v === undefined ? "—" : v < 1 ? v.toFixed(3) : v < 100 ? v.toFixed(2) : v.toFixed(0));
const fmtX = (v: number | undefined): string => (v === undefined ? "—" : `${v.toFixed(v < 10 ? 2 : 1)}×`);
const fmtPct = (v: number | undefined): string => (v === undefined ? "—" : `${Math.round(v * 100)}%`);
const kb = (b: number): string => (b < 1e6 ? `${(b / 1000).toFixed(1)} kB` : `${(b / 1e6).toFixed(2)} MB`);
const fmtG = (v: number | undefined): string => (v === undefined ? "—" : v.toFixed(1));
const mark = (ok: boolean | undefined): string => (ok === undefined ? "" : ok ? " ✓" : " ✗");
const where = (r: CellResult): string => `${r.label} ${r.shape}${r.layout === "nhwc" ? " NHWC" : ""}`;

/** A target: which cells it applies to, and each cell's value, pass and how it is shown. */
interface Target {
  readonly name: string;
  applies(r: CellResult): boolean;
  check(r: CellResult): { ok: boolean; shown: string };
}

const atLeast = (v: number | undefined, need: number, show = fmtX) => ({ ok: v !== undefined && v >= need, shown: show(v) });
const memoryNeed = (shape: string): number => (shape === "L" ? 3 : 4);

const TARGETS: Target[] = [
  {
    name: `Issue 10: run() ≥ 3× ORT-web (1 thread) on S, M, XL: ${ISSUE10_BLOCKS.join(", ")}`,
    applies: (r) => ISSUE10_BLOCKS.includes(r.block) && r.shape !== "L",
    check: (r) => atLeast(speedup(r, ortWeb1(r)), 3),
  },
  {
    name: `Issue 10: io() ≥ ${LIMIT_SHARE * 100}% of the limit: simam, effective_se, global_context`,
    applies: (r) => ["simam", "effective_se", "global_context"].includes(r.block),
    check: (r) => atLeast(limitShare(r), LIMIT_SHARE, fmtPct),
  },
  {
    name: "Issue 11: SEResBlock and CBAMBasicBlock run() ≥ 3× ORT-web (1 thread)",
    applies: (r) => ["se_resblock", "cbam_basicblock"].includes(r.block),
    check: (r) => atLeast(speedup(r, ortWeb1(r)), 3),
  },
  {
    name: "Issue 11: SEResBlock and CBAMBasicBlock run() ≥ 0.5× ORT-node's speed (1 thread)",
    applies: (r) => ["se_resblock", "cbam_basicblock"].includes(r.block),
    check: (r) => atLeast(speedup(r, ortNode1(r)), 0.5),
  },
  {
    name: "Issue 11: BAM run() ≥ 4× ORT-web (1 thread)",
    applies: (r) => r.block === "bam",
    check: (r) => atLeast(speedup(r, ortWeb1(r)), 4),
  },
  {
    name: "Issue 11: BAM run() at least as fast as ORT-node (1 thread)",
    applies: (r) => r.block === "bam",
    check: (r) => atLeast(speedup(r, ortNode1(r)), 1),
  },
  {
    name: `Issue 11: run() on 2 threads ≥ ${THREAD_SPEEDUP}× excite's 1 thread: every block at L, the conv-bound blocks on every shape`,
    applies: (r) => r.shape === "L" || r.convBound,
    check: (r) => atLeast(speedup(r, ms(r, "excite"), "excite-2t"), THREAD_SPEEDUP),
  },
  {
    name: "Issue 11: run() on 2 threads faster than ORT-web on 2 threads, every cell",
    applies: () => true,
    check: (r) => ({ ok: (speedup(r, ms(r, "ort-web-all-2t"), "excite-2t") ?? 0) > 1, shown: fmtX(speedup(r, ms(r, "ort-web-all-2t"), "excite-2t")) }),
  },
  {
    name: "Issue 11: memory-bound blocks' run() ≥ 4× ORT-web (1 thread) on S, M, XL, ≥ 3× on L",
    applies: (r) => !r.convBound,
    check: (r) => atLeast(speedup(r, ortWeb1(r)), memoryNeed(r.shape)),
  },
  {
    name: `Issue 11: run() − io() ≤ ${COPIES} copies of the tensor (one TypedArray.set; ${COPIES * 1.5} for the two-input blocks, whose least is 3 copies, not 2), memory-bound blocks (in the conv-bound ones the copies are within the noise of the convolutions)`,
    applies: (r) => !r.convBound,
    check: (r) => {
      const c = copyOverhead(r);
      return { ok: c !== undefined && c <= (COPIES * leastCopies(r)) / 2, shown: c === undefined ? "—" : c.toFixed(2) };
    },
  },
  {
    name: `Issue 4: io() ≥ ${LIMIT_SHARE * 100}% of the limit: SE, cSE, sSE, scSE, CBAM`,
    applies: (r) => ["se", "cse", "sse", "scse", "cbam"].includes(r.block),
    check: (r) => atLeast(limitShare(r), LIMIT_SHARE, fmtPct),
  },
];

interface TargetRow { name: string; counts: Record<string, { met: number; total: number }>; missed: string[] }

function evaluate(res: Results): TargetRow[] {
  return TARGETS.map((t) => {
    const row: TargetRow = { name: t.name, counts: { nchw: { met: 0, total: 0 }, nhwc: { met: 0, total: 0 } }, missed: [] };
    for (const r of res.cells.filter((c) => !c.dense && t.applies(c))) {
      const { ok, shown } = t.check(r);
      row.counts[r.layout].total++;
      if (ok) row.counts[r.layout].met++;
      else row.missed.push(`${where(r)} (${shown})`);
    }
    return row;
  });
}

const count = (c: { met: number; total: number }): string => (c.total ? `${c.met} / ${c.total}${mark(c.met === c.total)}` : "no cell");

/** excite's builds' sizes, then the peers' SIMD builds' and how many times excite's plain build each is. */
function wasmSizes(res: Results): string {
  const show = ([file, s]: [string, { raw: number; gzip: number }]) => `${file} ${s.raw.toLocaleString("en")} B = ${kb(s.raw)} (${kb(s.gzip)} gzipped)`;
  const own = res.wasmBytes["excite.wasm"];
  const peers = Object.entries(res.peerWasmBytes ?? {}).map((e) => `${show(e)}, ${(e[1].raw / own.raw).toFixed(0)}× excite.wasm`);
  return [...Object.entries(res.wasmBytes).map(show), ...(peers.length ? ["peers: " + peers.join("; ")] : [])].join("; ");
}

/** The 128-bit SIMD peak on one core, GMAC/s, from the clock /proc/cpuinfo reported. */
const peak = (res: Results): number | undefined => (res.cpuMHz ? (SIMD_MACS_PER_CYCLE * res.cpuMHz) / 1000 : undefined);

export function renderMarkdown(res: Results): string {
  const L: string[] = [];
  const has = (id: string) => res.engines.some((e) => e.id === id);
  L.push("# excite: benchmark results", "");
  L.push(`One run of \`npm run bench\`${res.args.length ? ` (\`${res.args.join(" ")}\`: **a partial run**)` : ""}, ${res.date.slice(0, 16).replace("T", " ")} UTC, ${(res.seconds / 60).toFixed(1)} minutes: Node ${res.node}, ${res.cpu}${res.cpuMHz ? ` at ${res.cpuMHz.toFixed(0)} MHz (/proc/cpuinfo)` : ""}, ${res.cores} cores.`);
  L.push(`excite's builds, chosen by feature detection: **${res.flavour}** on one thread${res.threadsFlavour ? `, **${res.threadsFlavour}** on two` : ""}. Each median is over every sample of ${res.rounds} rounds in which the engines take turns (per engine and round: 2 warm-up runs, then at least 3 runs and ${res.budgetMs} ms; for runs over 100 ms, 1 warm-up run and 1 run; a first run over 2 s is the only sample)${res.engineCellMs ? `; an engine whose ${res.rounds} rounds would take over ${res.engineCellMs / 1000} s in a cell is timed in the first rounds only (at least one)` : ""}${res.minutes ? `; the run aimed at ${res.minutes} minutes, and no round of a cell began once the cell had used its share of the time left (the first always ran)` : ""}.`);
  L.push(`The machine is shared with other jobs: the ratios are the result, the milliseconds only what they were this time. A slice during which other processes took more than 10% of the machine's CPU (/proc/stat) was measured again, up to 3 times and for at most 6 minutes in all (${res.retriedSlices} times in this run).`, "");
  L.push("Every output was cross-checked against excite's `run()` (|diff| ≤ 1e-4 + 1e-3·|excite|) before it was timed.", "");
  L.push("- **excite** `run()` is the copying API (`block.run(x, dims, out)` with a reused `out`), `io()` the zero-copy one (inputs already in the module's memory). One thread: the build a user gets without `setThreads`. Two threads: a second instance of the library in the same process (a copy of `dist/`) after `setThreads(2)`, with its default threshold (calls on fewer floats than `MIN_PARALLEL_FLOATS` stay on one thread).");
  L.push("- **ORT-web**: onnxruntime-web's wasm backend (SIMD) at graph optimisation `all` and `extended`. It fixes its thread count when its wasm starts (`env.wasm.numThreads`; sessions' `intraOpNumThreads` is ignored), so one process cannot hold it on one thread and on two: the benchmark's process runs it on one thread, **a child process runs it on two** (Emscripten pthreads on Node worker threads), timed in the child in its turn of each round, at level `all`.");
  L.push("- **ORT-node**: onnxruntime-node's native CPU library (`intraOpNumThreads` 1, and 2 at level `all`), the reference for native speed. **tfjs-wasm**: @tensorflow/tfjs-core on the wasm backend, one thread, the block composed from tf ops (for the blocks it has).");
  L.push("- **NHWC** cells: excite with `layout: 'nhwc'`; ORT on the NCHW model between Transpose nodes (what a user holding tfjs's NHWC tensors runs); tfjs natively (its own layout). Plain JS is NCHW only, and left out above 1e9 multiply-adds.");
  L.push("- **The limit** reads each input as many times as the block does (the registry's `reads`) and writes the output once with wasm SIMD, nothing else. **Copies**: (`run()` − `io()`) ÷ one `TypedArray.set` of the input tensor.");
  L.push(`- **Conv-bound** blocks (GMAC/s column): ${[...new Set(res.cells.filter((r) => r.convBound && !r.dense).map((r) => r.label))].join(", ")}; the others are memory-bound. Multiply-adds are counted on the PyTorch module's convolutions, linear layers and matrix products (bench/export_models.py). The 128-bit SIMD peak is ${SIMD_MACS_PER_CYCLE} MAC/cycle (two 4-lane FMAs) × the clock${peak(res) ? ` = **${peak(res)!.toFixed(1)} GMAC/s per core** at /proc/cpuinfo's ${res.cpuMHz!.toFixed(0)} MHz (the nominal clock this VM reports; a turbo clock would raise it)` : ""}.`, "");

  L.push("## Targets", "");
  L.push("| target | NCHW | NHWC | missed |", "|---|---|---|---|");
  for (const t of evaluate(res)) L.push(`| ${t.name} | ${count(t.counts.nchw)} | ${count(t.counts.nhwc)} | ${t.missed.join("; ") || "—"} |`);
  L.push(`| The \`.wasm\` a page loads (measured; gzip level 9) | ${wasmSizes(res)} | | |`);
  if (res.firstCreate) L.push(`| Issue 4: first \`create\` under ${FIRST_CREATE_MS} ms (fresh process: read + instantiate the module, build SE-64) | median ${res.firstCreate.medianMs.toFixed(2)} ms, max ${res.firstCreate.maxMs.toFixed(2)} ms over ${res.firstCreate.runs} processes (${res.firstCreate.flavour})${mark(res.firstCreate.medianMs < FIRST_CREATE_MS)} | | |`);
  L.push("");

  L.push("## Speed-ups of `run()` on one thread", "");
  L.push("Peer time ÷ excite `run()` time (above 1× excite is faster). Web targets: 4× (3× on L) for memory-bound blocks, 3× for the residual blocks and issue 10's, 4× for BAM.", "");
  L.push("| block | shape | layout | ORT-web all | ORT-web extended | tfjs-wasm | ORT-node all | ORT-node extended | plain JS |");
  L.push("|---|---|---|---|---|---|---|---|---|");
  for (const r of res.cells) {
    const x = (id: string) => fmtX(speedup(r, ms(r, id)));
    L.push(`| ${r.label} | ${r.shape} | ${r.layout} | ${x("ort-web-all")} | ${x("ort-web-ext")} | ${x("tfjs")} | ${x("ort-node-all")} | ${x("ort-node-ext")} | ${x("js")} |`);
  }

  if (has("excite-2t")) {
    L.push("", "## Two threads", "");
    L.push("excite on 2 threads against its own 1 thread (`run()` and `io()`), and against the peers on 2 threads (peer time ÷ excite 2-thread `run()` time).", "");
    L.push("| block | shape | layout | run() 2t ÷ 1t | io() 2t ÷ 1t | vs ORT-web 2t | vs ORT-node 2t | ORT-web 2t ÷ 1t | ORT-node 2t ÷ 1t |");
    L.push("|---|---|---|---|---|---|---|---|---|");
    for (const r of res.cells) {
      const own = speedup(r, ms(r, "excite"), "excite-2t"), io = speedup(r, ms(r, "excite-io"), "excite-io-2t");
      const ratio = (a: string, b: string) => { const p = ms(r, a), q = ms(r, b); return p !== undefined && q !== undefined ? fmtX(p / q) : "—"; };
      L.push(`| ${r.label} | ${r.shape} | ${r.layout} | ${fmtX(own)} | ${fmtX(io)} | ${fmtX(speedup(r, ms(r, "ort-web-all-2t"), "excite-2t"))} | ${fmtX(speedup(r, ms(r, "ort-node-all-2t"), "excite-2t"))} | ${ratio("ort-web-all", "ort-web-all-2t")} | ${ratio("ort-node-all", "ort-node-all-2t")} |`);
    }
  }

  L.push("", "## Memory: the limit and the copies", "");
  L.push("`io()` % of the limit (limit time ÷ `io()` time), and `run()`'s copies ((`run()` − `io()`) ÷ one `TypedArray.set` of the input; the least is 2, 3 for AFF and iAFF).", "");
  L.push("| block | shape | layout | MAC/element | `io()` % of limit | copies | TypedArray.set ms |", "|---|---|---|---|---|---|---|");
  for (const r of res.cells.filter((c) => !c.dense)) {
    const c = copyOverhead(r);
    L.push(`| ${r.label} | ${r.shape} | ${r.layout} | ${macsPerElement(r).toFixed(1)} | ${fmtPct(limitShare(r))} | ${c === undefined ? "—" : c.toFixed(2) + mark(c <= (COPIES * leastCopies(r)) / 2)} | ${fmtMs(ms(r, "copy"))} |`);
  }

  const order = [...new Set(res.cells.map((r) => r.shape))];
  const conv = res.cells.filter((r) => r.convBound).sort((a, b) => order.indexOf(a.shape) - order.indexOf(b.shape) || Number(!!b.dense) - Number(!!a.dense));
  if (conv.length) {
    const p = peak(res);
    L.push("", "## GMAC/s of the conv-bound blocks", "");
    L.push(`Multiply-adds ÷ median time, each shape's dense C → C 3×3 convolution first (excite's \`kernels.conv2d\`, which copies x in and y out and packs the weight on every call, against the peers' convolution): what the same engine reaches on the plainest convolution. The 128-bit SIMD peak: ${p ? `${p.toFixed(1)} GMAC/s on one core, ${(2 * p).toFixed(1)} on two` : "unknown (no /proc/cpuinfo)"}.`, "");
    L.push("| block | shape | layout | GMAC | excite 1t | excite 2t | % of peak (1t) | ORT-web 1t | ORT-web 2t | ORT-node 1t | ORT-node 2t |", "|---|---|---|---|---|---|---|---|---|---|---|");
    for (const r of conv) {
      const e = gmacs(r, "excite");
      const bestG = (...ids: string[]) => { const t = best(r, ...ids); return t === undefined ? undefined : r.macs / t / 1e6; };
      L.push(`| ${r.label} | ${r.shape} | ${r.layout} | ${(r.macs / 1e9).toFixed(2)} | ${fmtG(e)} | ${fmtG(gmacs(r, "excite-2t"))} | ${p && e ? fmtPct(e / p) : "—"} | ${fmtG(bestG("ort-web-all", "ort-web-ext"))} | ${fmtG(gmacs(r, "ort-web-all-2t"))} | ${fmtG(bestG("ort-node-all", "ort-node-ext"))} | ${fmtG(gmacs(r, "ort-node-all-2t"))} |`);
    }
  }

  const nhwc = res.cells.filter((r) => r.layout === "nhwc");
  if (nhwc.length) {
    L.push("", "## NHWC against NCHW", "");
    L.push("excite's NHWC time ÷ its NCHW time on the same shape (below 1×: NHWC is faster).", "");
    L.push("| block | shape | run() | io() | run() 2t |", "|---|---|---|---|---|");
    for (const r of nhwc) {
      const n = res.cells.find((c) => c.block === r.block && c.shape === r.shape && c.layout === "nchw");
      const ratio = (id: string) => { const a = ms(r, id), b = n && ms(n, id); return a !== undefined && b !== undefined ? fmtX(a / b) : "—"; };
      L.push(`| ${r.label} | ${r.shape} | ${ratio("excite")} | ${ratio("excite-io")} | ${ratio("excite-2t")} |`);
    }
  }

  L.push("", "## Median times (ms)", "");
  L.push(`| block | shape | layout | ${res.engines.map((e) => e.label).join(" | ")} |`);
  L.push(`|---|---|---|${res.engines.map(() => "---").join("|")}|`);
  for (const r of res.cells) L.push(`| ${r.label} | ${r.shape} | ${r.layout} | ${res.engines.map((e) => (r.results[e.id]?.error ? "✗" : fmtMs(ms(r, e.id)))).join(" | ")} |`);
  const errors = res.cells.flatMap((r) => Object.entries(r.results).filter(([, v]) => v.error).map(([id, v]) => `- ${where(r)}, ${id}: ${v.error}`));
  if (errors.length) L.push("", "Not timed:", "", ...errors);
  L.push("", "Chart: [results.svg](results.svg). Raw numbers: [results.json](results.json).", "");
  return L.join("\n");
}

export function writeReport(res: Results): void {
  writeFileSync(BENCH_DIR + "results.json", JSON.stringify(res, null, 1) + "\n");
  writeFileSync(BENCH_DIR + "RESULTS.md", renderMarkdown(res));
  writeFileSync(BENCH_DIR + "results.svg", chartSvg(res));
  console.log(`bench: wrote bench/RESULTS.md, bench/results.svg and bench/results.json`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) writeReport(JSON.parse(readFileSync(BENCH_DIR + "results.json", "utf8")) as Results);
