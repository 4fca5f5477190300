// The trained-block section: the SE blocks of PP-OCRv4's detector on the photo (ppocr.ts). A
// table of every block found, with excite's agreement with ONNX Runtime; for the selected one its
// channel gates as columns, and the input channels it lets through most and least.

import { columnChart } from "./bar-chart.js";
import { greyscale } from "./heatmap.js";
import type { Ort } from "./ort.js";
import { MODEL_FILE, runTrained, type TrainedBlock, type TrainedRun } from "./ppocr.js";
import { $, COLOURS, fail, fillSelect, para, type TrainedBlockState } from "./state.js";

/** How many channels of each end of the gate order are drawn. */
const EXTREMES = 4;

const ratio = (b: TrainedBlock): number => b.maxErr / b.maxRef;
const finite = (a: Float32Array): number[] => Array.from(a).filter(Number.isFinite);

function stateOf(b: TrainedBlock): TrainedBlockState {
  const { name, input, output, options } = b.found;
  return { name, input, output, options, dims: b.dims, gates: Array.from(b.gates), ortGates: Array.from(b.ortGates), maxErr: b.maxErr, maxRef: b.maxRef };
}

function cell(tag: "td" | "th", text: string): HTMLElement {
  return Object.assign(document.createElement(tag), { textContent: text });
}

function blockTable(run: TrainedRun, select: (name: string) => void): HTMLTableElement {
  const table = document.createElement("table");
  const head = document.createElement("tr");
  head.append(...["block (ONNX output)", "input tensor", "input dims", "R", "gates (min – max)", "max |excite − ORT| / max |y|"].map((t) => cell("th", t)));
  table.append(head);
  for (const b of run.blocks) {
    const row = document.createElement("tr");
    const g = finite(b.gates);
    row.append(
      cell("td", b.found.name), cell("td", b.found.input), cell("td", `[${b.dims.join(", ")}]`), cell("td", String(b.found.options.reducedChannels ?? "")),
      cell("td", `${Math.min(...g).toFixed(3)} – ${Math.max(...g).toFixed(3)}`), cell("td", ratio(b).toExponential(2)),
    );
    row.dataset.block = b.found.name;
    row.addEventListener("click", () => select(b.found.name));
    table.append(row);
  }
  return table;
}

/** Mean |x| of each channel of x [1, C, H, W]. */
function channelMagnitudes(x: Float32Array, c: number): Float64Array {
  const hw = x.length / c, m = new Float64Array(c);
  for (let i = 0; i < x.length; i++) m[Math.floor(i / hw)] += Math.abs(x[i]) / hw;
  return m;
}

/**
 * The input planes of the `EXTREMES` channels with the highest gates and of those with the
 * lowest. A hard sigmoid saturates (many gates are exactly 1 or 0): among equal gates, the
 * channels of the largest mean |x| are shown.
 */
function extremes(b: TrainedBlock): HTMLElement[] {
  const [, c, h, w] = b.dims;
  const size = channelMagnitudes(b.x, c);
  const channels = Array.from({ length: c }, (_, i) => i).filter((i) => Number.isFinite(b.gates[i]));
  const top = [...channels].sort((i, j) => b.gates[j] - b.gates[i] || size[j] - size[i]).slice(0, EXTREMES);
  const bottom = [...channels].sort((i, j) => b.gates[i] - b.gates[j] || size[j] - size[i]).slice(0, EXTREMES);
  return [...top, ...bottom].map((ch, k) => {
    const fig = document.createElement("figure");
    const canvas = greyscale(b.x.subarray(ch * h * w, (ch + 1) * h * w), w, h);
    fig.append(canvas, Object.assign(document.createElement("figcaption"), { textContent: `${k < EXTREMES ? "kept" : "damped"}: channel ${ch}, s = ${b.gates[ch].toFixed(3)}` }));
    return fig;
  });
}

function drawBlock(run: TrainedRun, b: TrainedBlock): void {
  const { found } = b;
  const gateDiff = b.gates.reduce((m, s, i) => Math.max(m, Math.abs(s - b.ortGates[i])), 0);
  const hs = found.options.hardSigmoid as { alpha: number; beta: number } | undefined;
  const closed = b.gates.filter((s) => s === 0).length, open = b.gates.filter((s) => s === 1).length;
  $("trained-summary").replaceChildren(
    para(`excite's ${found.block} on ONNX Runtime's x, built by create() from the weights in the model: max |excite − ORT| = ${b.maxErr.toExponential(2)} = ${ratio(b).toExponential(2)}·max|y| (the bound: 1e-4·max|y|) — ${ratio(b) <= 1e-4 ? "they agree" : "they DISAGREE"}.`, "headline"),
    para(`${found.name}: ${found.input} → ${found.output}, x of [${b.dims.join(", ")}]; options ${JSON.stringify(found.options)}.`, "note"),
    para(`Its gates s = ${found.options.gate}${hs ? `(α = ${hs.alpha.toPrecision(4)}, β = ${hs.beta})` : ""} of its MLP, one per channel (columns), read back from excite's output y = s·x (least squares per channel; from ORT's output the same way they differ by at most ${gateDiff.toExponential(2)}): ${closed} of ${b.dims[1]} channels shut (s = 0), ${open} fully open (s = 1).`, "note"),
  );
  $("trained-gates").replaceChildren(columnChart(b.gates, { width: 900, height: 150, max: 1, colour: COLOURS.excite, title: (i, s) => `channel ${i}: s = ${s.toFixed(4)} (ORT ${b.ortGates[i].toFixed(4)})` }));
  $("trained-channels").replaceChildren(...extremes(b));
  $("trained-table").querySelectorAll("tr").forEach((row) => row.classList.toggle("selected", row.dataset.block === found.name));
  demoState.trained = { model: MODEL_FILE, inputDims: run.inputDims, ortMs: run.ortMs, blocks: run.blocks.map(stateOf), selected: found.name };
}

/** Runs the detector and shows block `selected` (a name, else the one at the largest resolution). */
export async function runTrainedPanel(ortLoad: Promise<{ ort?: Ort; missing?: string }>, photo: ImageData, threads: number, selected: string | null, onSelect: (name: string) => void): Promise<void> {
  document.body.dataset.trained = "running";
  const status = $("trained-status");
  try {
    const { ort, missing } = await ortLoad;
    if (!ort) {
      demoState.trainedMissing = missing;
      status.textContent = `onnxruntime-web is needed here and did not load: ${missing}`;
      document.body.dataset.trained = "missing";
      return;
    }
    const run = await runTrained(ort, photo, threads, (text) => (status.textContent = text));
    const byName = new Map(run.blocks.map((b) => [b.found.name, b]));
    const largest = run.blocks.reduce((a, b) => (b.x.length > a.x.length ? b : a));
    const pick = $<HTMLSelectElement>("trained-block");
    const show = (name: string) => {
      pick.value = name;
      drawBlock(run, byName.get(name)!);
      onSelect(name);
    };
    fillSelect(pick, run.blocks.map((b) => [b.found.name, `${b.found.name}: C = ${b.dims[1]}, ${b.dims[2]}×${b.dims[3]}`]), null);
    pick.onchange = () => show(pick.value);
    $("trained-table").replaceChildren(blockTable(run, show));
    $("trained-found").textContent = `findAttentionBlocks found ${run.blocks.length} SE blocks in ${MODEL_FILE} (${(run.modelBytes / 1e6).toFixed(1)} MB) in this page; onnxruntime-web ran the whole detector on the photo ([${run.inputDims.join(", ")}]: BGR, ImageNet statistics, as PaddleOCR feeds it) in ${run.ortMs.toFixed(0)} ms (its first run) with every block's input and output added as graph outputs.`;
    show(selected && byName.has(selected) ? selected : largest.found.name);
    status.textContent = "";
    document.body.dataset.trained = "done";
  } catch (err) {
    status.textContent = "";
    fail("trained SE block", err);
    document.body.dataset.trained = "error";
  }
}
