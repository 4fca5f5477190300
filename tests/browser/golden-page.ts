// The golden runner inside the browser page. It imports excite by its package name: the
// unbundled page resolves that through an import map to the staged dist/, the bundled apps
// (tests/browser/bundlers.ts) have it inlined by their bundler. The page's query `?wasm=<mode>`
// says where the module comes from (WASM_SOURCES); the Node side (tests/browser.test.ts) calls
// `excitePage.runCases`.

import * as excite from "excite";
import { applyPoison } from "../golden/poison.js";
import { goldenInput } from "../golden/prng.js";
import { closeness, SPEC_TOLERANCE } from "../helpers/close.js";
import { goldenAsNhwc, type GoldenTensors } from "../helpers/golden-layout.js";

/** How each `?wasm=` mode hands the module to `loadModule` (absent: the default, next to the module). */
const WASM_SOURCES: Record<string, () => Promise<excite.WasmSource>> = {
  "url-string": async () => "/alt-wasm/excite.wasm",
  url: async () => new URL("/alt-wasm/excite.wasm", location.href),
  // Served as application/octet-stream, so the loader has to fall back from streaming compilation.
  response: () => fetch("/alt-octet/excite.wasm"),
  arraybuffer: async () => (await fetch("/alt-wasm/excite.wasm")).arrayBuffer(),
  module: () => WebAssembly.compileStreaming(fetch("/alt-wasm/excite.wasm")),
};

export interface CaseResult {
  readonly file: string;
  /** Every element within SPEC §5 tolerance, output dims right, zero-copy path identical. */
  readonly ok: boolean;
  readonly maxAbs: number;
  /** The worst |error| / tolerance; ≤ 1 passes. */
  readonly worstRatio: number;
  readonly detail: string;
}

type Factory = (options: unknown, weights: Record<string, Float32Array>) => Promise<excite.BlockBase>;

/** The module source of `?wasm=`, then `?threads=N`: every stage split over N threads (minFloats 0). */
async function loadWasm(): Promise<void> {
  const query = new URLSearchParams(location.search);
  const threads = query.get("threads");
  if (threads !== null) await excite.setThreads(Number(threads), { minFloats: 0 });
  const mode = query.get("wasm");
  if (mode === null) return;
  const source = WASM_SOURCES[mode];
  if (!source) throw new Error(`unknown ?wasm= mode '${mode}'; one of ${Object.keys(WASM_SOURCES).join(", ")}`);
  await excite.loadModule(await source());
}

const f32 = (bytes: Uint8Array): Float32Array => new Float32Array(bytes.slice().buffer);

/** Runs one golden file (tests/golden/README.md) through `run` and `io` in `layout`, as tests/golden.test.ts does in Node. */
async function runCase(block: string, create: Factory, file: string, layout: "nchw" | "nhwc"): Promise<CaseResult> {
  const response = await fetch(`/tests/golden/${block}/${file}`);
  if (!response.ok) throw new Error(`fetching golden ${block}/${file}: HTTP ${response.status}`);
  const { metadata, tensors } = excite.parseSafetensors(await response.arrayBuffer());
  const weights: Record<string, Float32Array> = {};
  for (const [key, t] of Object.entries(tensors)) if (key !== "y" && key !== "y_index") weights[key] = f32(t.bytes);
  const dims: [number, number, number, number] = JSON.parse(metadata.dims);
  const numel = dims.reduce((a, b) => a * b, 1);
  const nchw: GoldenTensors = {
    name: metadata.case, options: JSON.parse(metadata.options), dims, outDims: JSON.parse(metadata.outDims),
    x: applyPoison(goldenInput(Number(metadata.seed), numel), metadata.poison, "x"),
    residual: metadata.residualSeed === undefined ? undefined : applyPoison(goldenInput(Number(metadata.residualSeed), numel), metadata.poison, "residual"),
    y: f32(tensors.y.bytes), index: tensors.y_index ? new Int32Array(tensors.y_index.bytes.slice().buffer) : undefined,
  };
  const g = layout === "nhwc" ? goldenAsNhwc(nchw) : nchw;
  const b = await create(g.options, weights);
  const run = (...inputs: Float32Array[]) => (b as unknown as { run: (...a: unknown[]) => Float32Array }).run(...inputs, g.dims);
  try {
    const y = g.residual ? run(g.x, g.residual) : run(g.x);
    const problems: string[] = [];
    const gotDims = b.outputDims(g.dims);
    if (JSON.stringify(gotDims) !== JSON.stringify(g.outDims)) problems.push(`output dims [${gotDims}] but PyTorch's are [${g.outDims}]`);
    // SPEC §5: |got − expected| ≤ 1e-5 + 1e-4·|expected| for every stored element (NaN = NaN, the same infinities)
    const { maxAbs, worstRatio, at } = closeness(y, g.y, { ...SPEC_TOLERANCE, index: g.index });
    if (worstRatio > 1) {
      const k = g.index ? g.index.indexOf(at) : at;
      problems.push(`element ${at}: got ${y[at]}, PyTorch ${g.y[k]} (${worstRatio === Infinity ? "NaN or ∞ unmatched" : `${worstRatio.toFixed(2)}× the tolerance`})`);
    }
    const io = b.io(g.dims);
    io.input.set(g.x);
    if (g.residual) io.residual.set(g.residual);
    const z = io.run();
    const firstDiff = z.findIndex((v, i) => !Object.is(v, y[i]));
    if (z.length !== y.length || firstDiff >= 0) problems.push(`zero-copy output differs from run() at element ${firstDiff}`);
    return { file, ok: problems.length === 0, maxAbs, worstRatio, detail: problems.join("; ") };
  } finally {
    b.dispose();
  }
}

async function runCases(block: string, factory: string, files: readonly string[], layout: "nchw" | "nhwc" = "nchw"): Promise<CaseResult[]> {
  const create = (excite as unknown as Record<string, unknown>)[factory];
  if (typeof create !== "function") throw new Error(`excite has no export '${factory}' (for the '${block}' goldens)`);
  const results: CaseResult[] = [];
  for (const file of files) {
    try {
      results.push(await runCase(block, create as Factory, file, layout));
    } catch (err) {
      results.push({ file, ok: false, maxAbs: NaN, worstRatio: NaN, detail: `threw ${err}\n${(err as Error).stack ?? ""}` });
    }
  }
  return results;
}

export interface ExcitePage {
  /** Settles once the module source of `?wasm=` has been handed to loadModule. */
  readonly ready: Promise<void>;
  runCases: typeof runCases;
  /** The build loaded (after a first case), whether this browser compiles relaxed SIMD, and the threads blocks run on. */
  module(): { flavour: excite.ModuleFlavour | undefined; hasRelaxedSimd: boolean; threads: number; crossOriginIsolated: boolean };
}

declare global {
  var excitePage: ExcitePage;
}

globalThis.excitePage = { ready: loadWasm(), runCases, module: () => ({ flavour: excite.moduleFlavour(), hasRelaxedSimd: excite.hasRelaxedSimd(), threads: excite.getThreads(), crossOriginIsolated: globalThis.crossOriginIsolated }) };
