// The demo page: excite and onnxruntime-web side by side on the same weights in this browser,
// and what the attention blocks do to a photo. The choices live in the URL
// (?block=se&shape=S&threads=1&level=all), so a view can be linked or reloaded.

import * as excite from "excite";
import { attentionViews } from "./attention-maps.js";
import { barChart } from "./bar-chart.js";
import { greyscale, heatmapOver, range, RAMP_CSS } from "./heatmap.js";
import { loadOrt, type Ort, ortSession } from "./ort.js";
import { RANDOM_WEIGHT_BLOCKS, randomWeights, Rng, type Weights } from "./random-weights.js";
import { STEM_CHANNELS, STEM_LABELS, stem } from "./stem.js";
import { type Contender, type Timing, timeSideBySide } from "./timing.js";

interface BlockSpec {
  readonly id: string;
  readonly label: string;
  readonly factory: string;
  readonly options: Record<string, unknown>;
}
interface BenchTable {
  readonly shapes: Record<string, excite.Dims>;
  readonly blocks: BlockSpec[];
}
type Factory = (options: Record<string, unknown>, weights: Weights) => Promise<excite.Block>;

/** What the page computed, for the browser test and the curious (`demoState` in the console). */
export interface DemoState {
  timing?: { block: string; shape: string; dims: readonly number[]; weights: string; timings: Timing[]; ortMissing?: string; crossCheck?: { maxAbs: number; withinTolerance: boolean } };
  image?: { width: number; height: number; views: { block: string; channel?: number[]; spatialRange?: [number, number]; spatialLength?: number }[] };
  errors: string[];
}
declare global {
  var demoState: DemoState;
}
globalThis.demoState = { errors: [] };

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
const threads = Math.max(1, Number(params.get("threads")) || 1);
const factoryOf = (name: string): Factory | undefined => (excite as unknown as Record<string, Factory | undefined>)[name];
const COLOURS = { excite: "#2a9d8f", exciteIo: "#8ab17d", ort: "#e76f51" };

function fail(where: string, err: unknown): void {
  const message = `${where}: ${(err as Error).message ?? err}`;
  demoState.errors.push(message);
  console.error(err);
  $("errors").textContent = demoState.errors.join("\n");
}

// ---- timing: excite vs onnxruntime-web -------------------------------------------------------

async function exists(url: string): Promise<boolean> {
  return (await fetch(url, { method: "HEAD" })).ok;
}

/** The benchmark's weights for `spec` at `channels` (what its ONNX models hold), else seeded random ones. */
async function weightsFor(spec: BlockSpec, channels: number): Promise<{ weights: Weights; source: string }> {
  const url = `/bench/models/${spec.id}_c${channels}.safetensors`;
  const response = await fetch(url);
  if (response.ok) return { weights: excite.loadSafetensors(await response.arrayBuffer()), source: `bench/models/${spec.id}_c${channels}.safetensors` };
  if ((RANDOM_WEIGHT_BLOCKS as readonly string[]).includes(spec.id)) return { weights: randomWeights(spec.id, { channels, ...spec.options }, 1), source: "seeded random (bench/models not exported)" };
  throw new Error(`no weights for ${spec.label}: run \`npm run demo:web\`, which exports the benchmark's models`);
}

async function runTiming(table: BenchTable, ortLoad: Promise<{ ort?: Ort; missing?: string }>): Promise<void> {
  const spec = table.blocks.find((b) => b.id === $<HTMLSelectElement>("block").value)!;
  const shape = $<HTMLSelectElement>("shape").value;
  const level = $<HTMLSelectElement>("level").value as "all" | "extended";
  const dims = table.shapes[shape];
  const status = $("timing-status");
  $("run").toggleAttribute("disabled", true);
  document.body.dataset.timing = "running";
  const disposers: Array<() => unknown> = [];
  try {
    status.textContent = "loading weights…";
    const { weights, source } = await weightsFor(spec, dims[1]);
    const block = await factoryOf(spec.factory)!({ channels: dims[1], ...spec.options }, weights);
    disposers.push(() => block.dispose());
    const rng = new Rng(12345);
    const x = rng.fill(dims.reduce((a, b) => a * b, 1), () => rng.uniform() * 4 - 2);
    const outDims = block.outputDims(dims);
    const out = new Float32Array(outDims.reduce((a, b) => a * b, 1));
    const io = block.io(dims);
    io.input.set(x);
    const contenders: Contender[] = [
      { label: "excite run()", run: () => block.run(x, dims, out) },
      { label: "excite zero-copy", run: () => io.run() },
    ];
    const { ort, missing } = await ortLoad;
    const model = `/bench/models/${spec.id}_${shape}.onnx`;
    let ortMissing = missing;
    let crossCheck: { maxAbs: number; withinTolerance: boolean } | undefined;
    if (ort && !source.startsWith("bench/")) ortMissing = "the benchmark's models are not exported (npm run demo:web exports them)";
    else if (ort && !(await exists(model))) ortMissing = `${model} is missing (npm run demo:web exports it)`;
    else if (ort) {
      status.textContent = "loading the ONNX model into onnxruntime-web…";
      const session = await ortSession(ort, model, threads, level);
      disposers.push(() => session.release());
      const input = new ort.Tensor("float32", x, dims);
      const y = (await session.run({ x: input })).y.data;
      const mine = block.run(x, dims);
      // SPEC §5's tolerance, here between two engines on the same weights.
      let maxAbs = 0, within = y.length === mine.length;
      for (let i = 0; i < y.length; i++) {
        const err = Math.abs(mine[i] - y[i]);
        maxAbs = Math.max(maxAbs, err);
        if (!(err <= 1e-5 + 1e-4 * Math.abs(y[i]))) within = false;
      }
      crossCheck = { maxAbs, withinTolerance: within };
      contenders.push({ label: `ORT-web wasm, ${ort.env.wasm.numThreads} thread${ort.env.wasm.numThreads === 1 ? "" : "s"}`, run: () => session.run({ x: input }) });
    }
    const timings = await timeSideBySide(contenders, { onProgress: (done, total) => (status.textContent = `timing… sample ${done} of ${total}`) });
    demoState.timing = { block: spec.id, shape, dims, weights: source, timings, ortMissing, crossCheck };
    drawTimings(spec, dims, timings, source, ortMissing, crossCheck);
    status.textContent = "";
    document.body.dataset.timing = "done";
  } catch (err) {
    status.textContent = "";
    fail("timing", err);
    document.body.dataset.timing = "error";
  } finally {
    for (const dispose of disposers.reverse()) await dispose();
    $("run").toggleAttribute("disabled", false);
  }
}

function drawTimings(spec: BlockSpec, dims: readonly number[], timings: Timing[], source: string, ortMissing?: string, check?: { maxAbs: number; withinTolerance: boolean }): void {
  const base = timings[0].ms;
  const colours = [COLOURS.excite, COLOURS.exciteIo, COLOURS.ort];
  const chart = barChart(
    timings.map((t, i) => ({ label: t.label, value: t.ms, colour: colours[i], note: i === 0 ? "" : `(${(t.ms / base).toFixed(2)}× excite run())` })),
    { width: 900, labelWidth: 170, valueWidth: 260, format: (ms) => `${ms < 1 ? ms.toFixed(3) : ms.toFixed(2)} ms` },
  );
  const ort = timings[2];
  const headline = Object.assign(document.createElement("p"), {
    className: "headline",
    textContent: ort ? `In this browser, onnxruntime-web takes ${(ort.ms / base).toFixed(1)}× as long per call as excite's run().` : "onnxruntime-web was not run (see below).",
  });
  const notes = [
    `${spec.label} on [${dims.join(", ")}], median time per call over ${timings[0].samples} interleaved samples; weights: ${source}.`,
    check ? `Outputs ${check.withinTolerance ? "agree" : "DISAGREE"}: max |excite − ORT| = ${check.maxAbs.toExponential(2)} (tolerance 1e-5 + 1e-4·|y|).` : "",
    ortMissing ? `onnxruntime-web not run: ${ortMissing}.` : "",
    "excite runs on the page's thread; the threads setting applies to onnxruntime-web.",
  ];
  $("timing-chart").replaceChildren(headline, chart);
  $("timing-notes").replaceChildren(...notes.filter(Boolean).map((n) => Object.assign(document.createElement("p"), { textContent: n })));
}

// ---- image: what the blocks do to a photo -----------------------------------------------------

async function photo(): Promise<ImageData> {
  const img = new Image();
  img.src = "chelsea.jpg";
  await img.decode();
  const canvas = Object.assign(document.createElement("canvas"), { width: img.naturalWidth, height: img.naturalHeight });
  const ctx = canvas.getContext("2d")!;
  ctx.drawImage(img, 0, 0);
  return ctx.getImageData(0, 0, canvas.width, canvas.height);
}

function figure(caption: string, ...content: Node[]): HTMLElement {
  const fig = document.createElement("figure");
  fig.append(...content, Object.assign(document.createElement("figcaption"), { textContent: caption }));
  return fig;
}

async function runImage(image: ImageData): Promise<void> {
  document.body.dataset.image = "running";
  try {
    const { width: w, height: h } = image;
    const features = stem(image);
    const hw = w * h;
    $("features").replaceChildren(...STEM_LABELS.map((label, c) => figure(label, greyscale(features.subarray(c * hw, (c + 1) * hw), w, h))));
    const seed = Number($<HTMLInputElement>("seed").value) >>> 0;
    const views = await attentionViews(features, [1, STEM_CHANNELS, h, w], seed);
    const cards = views.map((v) => {
      const card = document.createElement("div");
      card.className = "card";
      card.append(Object.assign(document.createElement("h3"), { textContent: v.block }), Object.assign(document.createElement("p"), { className: "formula", textContent: v.caption }));
      if (v.spatial) {
        const [lo, hi] = range(v.spatial);
        const legend = document.createElement("div");
        legend.className = "legend";
        legend.innerHTML = `<span>${lo.toFixed(2)}</span><i style="background:${RAMP_CSS}"></i><span>${hi.toFixed(2)}</span>`;
        card.append(figure("spatial gate over the photo", heatmapOver(image, v.spatial), legend));
      }
      if (v.channel) card.append(figure("channel gate per stem feature", barChart(STEM_LABELS.map((label, c) => ({ label, value: v.channel![c], colour: COLOURS.excite })), { width: 262, max: 1, labelWidth: 72, valueWidth: 36, rowHeight: 17, format: (s) => s.toFixed(2) })));
      return card;
    });
    $("views").replaceChildren(...cards);
    demoState.image = { width: w, height: h, views: views.map((v) => ({ block: v.block, channel: v.channel && Array.from(v.channel), spatialRange: v.spatial && range(v.spatial), spatialLength: v.spatial?.length })) };
    document.body.dataset.image = "done";
  } catch (err) {
    fail("image", err);
    document.body.dataset.image = "error";
  }
}

// ---- wiring ---------------------------------------------------------------------------------

function options(select: HTMLSelectElement, entries: Array<[value: string, label: string]>, selected: string | null): void {
  select.replaceChildren(...entries.map(([value, label]) => new Option(label, value, false, value === selected)));
}

async function main(): Promise<void> {
  const ortLoad = loadOrt(threads).catch((err) => ({ missing: `onnxruntime-web failed to load (${err.message})` }));
  const table: BenchTable = await (await fetch("/bench/blocks.json")).json();
  const blocks = table.blocks.filter((b) => factoryOf(b.factory));
  const available = blocks.map((b) => b.id);
  options($("block"), blocks.map((b) => [b.id, b.label]), available.includes(params.get("block") ?? "") ? params.get("block") : "se");
  options($("shape"), Object.entries(table.shapes).map(([name, d]) => [name, `${name} [${d.join(", ")}]`]), params.get("shape") ?? "S");
  const maxThreads = Math.max(1, Math.min(8, navigator.hardwareConcurrency || 1));
  options($("threads"), Array.from({ length: maxThreads }, (_, i) => [String(i + 1), String(i + 1)]), String(threads));
  options($("level"), [["all", "all"], ["extended", "extended"]], params.get("level") ?? "all");
  const remember = () => {
    for (const id of ["block", "shape", "level"]) params.set(id, $<HTMLSelectElement>(id).value);
    history.replaceState(null, "", `?${params}`);
  };
  for (const id of ["block", "shape", "level"]) $(id).addEventListener("change", remember);
  // onnxruntime-web fixes its thread count when it first starts, so a new count needs a fresh page.
  $("threads").addEventListener("change", () => {
    params.set("threads", $<HTMLSelectElement>("threads").value);
    location.search = `?${params}`;
  });
  $("run").addEventListener("click", () => runTiming(table, ortLoad));
  $("cores").textContent = `${navigator.hardwareConcurrency || "?"} logical cores; ${crossOriginIsolated ? "cross-origin isolated, so WebAssembly threads are available" : "not cross-origin isolated: onnxruntime-web runs on 1 thread"}`;
  const image = await photo();
  $("redraw").addEventListener("click", () => runImage(image));
  await runImage(image);
  if (params.has("run")) await runTiming(table, ortLoad);
}

main().catch((err) => fail("page", err));
