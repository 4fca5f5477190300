// Turns one run's measurements into bench/results.json, bench/RESULTS.md (the tables and the
// targets of issue 4) and bench/results.svg (the speed-ups as a chart).
//
//   node --import=tsx bench/report.ts   rewrites RESULTS.md and results.svg from results.json

import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { BENCH_DIR } from "./cell.js";
import { chartSvg } from "./chart.js";
import { best, LIMIT_BLOCKS, limitShare, ms, type Results, speedup } from "./metrics.js";

// Issue 4's targets.
const SPEEDUP_VS_WEB = { S: 4, M: 4, L: 3, XL: 4 } as Record<string, number>;
const LIMIT_SHARE = 0.6;
const NATIVE_BLOCKS = ["bam", "se_resblock", "cbam_basicblock"];
const NATIVE_FACTOR = 1.5;
const WASM_BYTES = 40 * 1024;
const FIRST_CREATE_MS = 10;

const fmtMs = (v: number | undefined): string => (v === undefined ? "—" : v < 1 ? v.toFixed(3) : v < 100 ? v.toFixed(2) : v.toFixed(0));
const fmtX = (v: number | undefined): string => (v === undefined ? "—" : `${v.toFixed(v < 10 ? 2 : 1)}×`);
const fmtPct = (v: number | undefined): string => (v === undefined ? "—" : `${Math.round(v * 100)}%`);
const mark = (ok: boolean | undefined): string => (ok === undefined ? "" : ok ? " ✓" : " ✗");

interface TargetRow { name: string; met: number; total: number; missed: string[] }

function targets(res: Results): TargetRow[] {
  const web: TargetRow = { name: `run() at least 4× faster than ORT-web (its faster level) and tfjs-wasm on S, M, XL, 3× on L, every block`, met: 0, total: 0, missed: [] };
  const limit: TargetRow = { name: `io() at ${LIMIT_SHARE * 100}% or more of the limit: SE, cSE, sSE, scSE, CBAM, every shape`, met: 0, total: 0, missed: [] };
  const native: TargetRow = { name: `BAM and the residual blocks: run() within ${NATIVE_FACTOR}× of ORT-node (its faster level)`, met: 0, total: 0, missed: [] };
  const count = (t: TargetRow, ok: boolean | undefined, what: string) => {
    t.total++;
    if (ok) t.met++;
    else t.missed.push(what);
  };
  for (const r of res.cells) {
    const where = `${r.label} ${r.shape}`;
    const need = SPEEDUP_VS_WEB[r.shape] ?? 4;
    const w = speedup(r, best(r, "ort-web-all", "ort-web-ext")), t = speedup(r, ms(r, "tfjs"));
    count(web, w !== undefined && w >= need, `${where} vs ORT-web (${fmtX(w)})`);
    if (r.results.tfjs) count(web, t !== undefined && t >= need, `${where} vs tfjs (${fmtX(t)})`);
    if (LIMIT_BLOCKS.includes(r.block)) {
      const l = limitShare(r);
      count(limit, l !== undefined && l >= LIMIT_SHARE, `${where} (${fmtPct(l)})`);
    }
    if (NATIVE_BLOCKS.includes(r.block)) {
      const n = speedup(r, best(r, "ort-node-all", "ort-node-ext"));
      count(native, n !== undefined && 1 / n <= NATIVE_FACTOR, `${where} (${n === undefined ? "—" : fmtX(1 / n)} ORT-node's time)`);
    }
  }
  return [web, limit, native];
}

export function renderMarkdown(res: Results): string {
  const L: string[] = [];
  const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;
  L.push("# excite: benchmark results", "");
  L.push(`One run of \`npm run bench\` (tinybench), ${res.date.slice(0, 16).replace("T", " ")} UTC, ${res.seconds.toFixed(0)} s: Node ${res.node}, ${res.cpu}, one thread for every engine.`);
  L.push(`excite's build, chosen by feature detection: **${res.flavour}**. Each median is over every sample of ${res.rounds} rounds in which the engines take turns (per engine and round: 2 warm-up runs, then at least 3 runs and ${res.budgetMs} ms; for runs over 100 ms, 1 warm-up run and 1 run; a first run over 2 s is the only sample).`);
  L.push(`This machine (2 cores) is shared with other jobs and noisy: the ratios are the result, the milliseconds are only what they were this time. A slice during which this process had the CPU less than 90% of the time was measured again (${res.retriedSlices ?? 0} times in this run).`, "");
  L.push("Every output was cross-checked against excite's `run()` (|diff| ≤ 1e-4 + 1e-3·|excite|) before it was timed.");
  L.push("`run()` is the copying API (`block.run(x, dims, out)` with a reused `out`); `io()` the zero-copy one (input already in the module's memory). ORT-web: onnxruntime-web's wasm backend at graph optimisation `all` and `extended`; ORT-node: onnxruntime-node's native CPU library; tfjs-wasm: @tensorflow/tfjs-core on the wasm backend, the block composed from tf ops. The limit reads the tensor twice (three times for CBAM) and writes it once with wasm SIMD, nothing else.", "");

  L.push("## Targets", "");
  L.push("| target | met | missed |", "|---|---|---|");
  for (const t of targets(res)) L.push(`| ${t.name} | ${t.total ? `${t.met} / ${t.total}${mark(t.met === t.total)}` : "no cell yet"} | ${t.missed.join("; ") || "—"} |`);
  L.push(`| \`.wasm\` under 40 KB | excite.wasm ${kb(res.wasmBytes.simd)}, excite.relaxed.wasm ${kb(res.wasmBytes.relaxed)}${mark(Math.max(res.wasmBytes.simd, res.wasmBytes.relaxed) < WASM_BYTES)} | |`);
  L.push(`| first \`create\` under ${FIRST_CREATE_MS} ms (fresh process: read + instantiate the module, build SE-64) | median ${res.firstCreate.medianMs.toFixed(2)} ms, max ${res.firstCreate.maxMs.toFixed(2)} ms over ${res.firstCreate.runs} processes (${res.firstCreate.flavour})${mark(res.firstCreate.medianMs < FIRST_CREATE_MS)} | |`);
  if (res.missingBlocks.length) L.push("", `Not measured (excite does not have them yet): ${res.missingBlocks.join(", ")}.`);
  L.push("");

  L.push("## Speed-ups of `run()` and share of the limit", "");
  L.push("Peer time ÷ excite `run()` time (above 1× excite is faster); the last column is limit time ÷ `io()` time.", "");
  L.push("| block | shape | ORT-web all | ORT-web extended | tfjs-wasm | ORT-node all | ORT-node extended | plain JS | `io()` % of limit |");
  L.push("|---|---|---|---|---|---|---|---|---|");
  for (const r of res.cells) {
    const need = SPEEDUP_VS_WEB[r.shape] ?? 4;
    const web = (id: string) => { const s = speedup(r, ms(r, id)); return fmtX(s) + (s === undefined ? "" : mark(s >= need)); };
    const l = limitShare(r);
    L.push(`| ${r.label} | ${r.shape} | ${web("ort-web-all")} | ${web("ort-web-ext")} | ${web("tfjs")} | ${fmtX(speedup(r, ms(r, "ort-node-all")))} | ${fmtX(speedup(r, ms(r, "ort-node-ext")))} | ${fmtX(speedup(r, ms(r, "js")))} | ${fmtPct(l)}${LIMIT_BLOCKS.includes(r.block) && l !== undefined ? mark(l >= LIMIT_SHARE) : ""} |`);
  }
  L.push("", "## Median times (ms)", "");
  L.push(`| block | shape | dims | ${res.engines.map((e) => e.label).join(" | ")} |`);
  L.push(`|---|---|---|${res.engines.map(() => "---").join("|")}|`);
  for (const r of res.cells) L.push(`| ${r.label} | ${r.shape} | ${r.dims.join("×")} | ${res.engines.map((e) => (r.results[e.id]?.error ? "✗" : fmtMs(ms(r, e.id)))).join(" | ")} |`);
  const errors = res.cells.flatMap((r) => Object.entries(r.results).filter(([, v]) => v.error).map(([id, v]) => `- ${r.label} ${r.shape}, ${id}: ${v.error}`));
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
