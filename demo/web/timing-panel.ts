// The timing panel: any block of excite's registry, in any layout it computes in, timed beside
// onnxruntime-web running the benchmark's ONNX model of the same block and shape. Weights are
// the model's own (bench/models/<id>_c<C>.safetensors) when `npm run bench` has exported it, else
// seeded random ones drawn from the block's weight specs (the fuzz suite's generator), so every
// block runs with nothing to list per block. Inputs are seeded uniforms in [−2, 2), a second one
// for the two-input blocks; ORT always runs NCHW, so in NHWC its output is transposed to compare.

import * as excite from "excite";
import { randomInput, randomWeights } from "../../tests/fuzz/random.js";
import { closeness, SPEC_TOLERANCE } from "../../tests/helpers/close.js";
import { nchwToNhwc } from "../../tests/helpers/golden-layout.js";
import { barChart } from "./bar-chart.js";
import { type Ort, ortSession } from "./ort.js";
import { $, COLOURS, fail, fillSelect, para, type TimingState } from "./state.js";
import { type Contender, type Timing, timeSideBySide } from "./timing.js";

export interface TimingSetup {
  /** bench/blocks.json's shapes, by name (S, M, …). */
  readonly shapes: Readonly<Record<string, excite.Dims>>;
  readonly ortLoad: Promise<{ ort?: Ort; missing?: string }>;
  /** onnxruntime-web's threads. */
  readonly threads: number;
  /** Interleaved samples per contender. */
  readonly samples: number;
}

export const NO_MODEL = "no ONNX model for this block; run npm run bench once";
const WEIGHT_SEED = 1, INPUT_SEED = 12345;

const numel = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

/** `block.run(x, dims, out)` or, for a two-input block, `block.run(x, residual, dims, out)`. */
const runBlock = (block: excite.BlockBase, inputs: readonly Float32Array[], dims: readonly number[], out?: Float32Array): Float32Array =>
  (block as unknown as { run(...args: unknown[]): Float32Array }).run(...inputs, dims, out);

/** The benchmark's ONNX model of block `id` on `shape`, and the weights it holds, when they have been exported. */
async function benchModel(id: string, shape: string, channels: number): Promise<{ url: string; weights: excite.Weights; file: string } | undefined> {
  const url = `/bench/models/${id}_${shape}.onnx`, file = `bench/models/${id}_c${channels}.safetensors`;
  const [model, weights] = await Promise.all([fetch(url, { method: "HEAD" }), fetch(`/${file}`)]);
  if (!model.ok || !weights.ok) return undefined;
  return { url, file, weights: excite.loadSafetensors(await weights.arrayBuffer()) };
}

/** The layouts the selected block computes in, keeping `selected` (or the current choice) when it is one. */
export function refreshLayouts(selected?: string | null): void {
  const layout = $<HTMLSelectElement>("layout");
  const entry = excite.blockEntry($<HTMLSelectElement>("block").value);
  fillSelect(layout, entry.layouts.map((l) => [l, l.toUpperCase()]), selected ?? layout.value);
}

export async function runTiming(setup: TimingSetup): Promise<void> {
  const entry = excite.blockEntry($<HTMLSelectElement>("block").value);
  const layout = $<HTMLSelectElement>("layout").value as excite.Layout;
  const shape = $<HTMLSelectElement>("shape").value;
  const level = $<HTMLSelectElement>("level").value as "all" | "extended";
  const nchw = setup.shapes[shape];
  const [n, c, h, w] = nchw;
  const status = $("timing-status");
  $("run").toggleAttribute("disabled", true);
  document.body.dataset.timing = "running";
  const disposers: Array<() => unknown> = [];
  try {
    status.textContent = "loading weights…";
    const options = { ...entry.options(c), layout };
    const bench = await benchModel(entry.folder, shape, c);
    const weights = bench?.weights ?? randomWeights(entry.create.weightSpecs(options as never), WEIGHT_SEED);
    const source = bench ? `${bench.file} (the ONNX model's)` : "seeded random, drawn from the block's weight specs";
    const block = await entry.create(options as never, weights);
    disposers.push(() => block.dispose());
    const inputsNchw = Array.from({ length: entry.create.inputs }, (_, i) => randomInput(numel(nchw), INPUT_SEED + i));
    const dims = layout === "nhwc" ? [n, h, w, c] : nchw;
    const inputs = layout === "nhwc" ? inputsNchw.map((x) => nchwToNhwc(x, nchw)) : inputsNchw;
    const outDims = block.outputDims(dims);
    const out = new Float32Array(numel(outDims));
    // run() once before io() is made: its first call may grow the module's memory, which would leave io's views stale
    runBlock(block, inputs, dims, out);
    const io = block.io(dims);
    io.input.set(inputs[0]);
    if (inputs.length > 1) io.residual.set(inputs[1]);
    const contenders: Contender[] = [
      { label: "excite run()", run: () => runBlock(block, inputs, dims, out) },
      { label: "excite zero-copy", run: () => io.run() },
    ];

    const { ort, missing } = await setup.ortLoad;
    let ortMissing = missing ?? (bench ? undefined : NO_MODEL);
    let crossCheck: TimingState["crossCheck"];
    if (ort && bench) {
      status.textContent = "loading the ONNX model into onnxruntime-web…";
      const session = await ortSession(ort, bench.url, setup.threads, level);
      disposers.push(() => session.release());
      if (session.inputNames.length !== inputs.length) throw new Error(`${bench.url} takes ${session.inputNames.length} inputs; ${entry.name} takes ${inputs.length}`);
      const feeds = Object.fromEntries(session.inputNames.map((name, i) => [name, new ort.Tensor("float32", inputsNchw[i], nchw)]));
      const y = Object.values(await session.run(feeds))[0];
      const want = layout === "nhwc" ? nchwToNhwc(y.data, y.dims) : y.data;
      const mine = runBlock(block, inputs, dims);
      if (mine.length !== want.length) throw new Error(`excite's output has ${mine.length} values, onnxruntime-web's ${want.length} ([${y.dims.join(", ")}])`);
      // SPEC §5's tolerance, here between two engines on the same weights.
      const { maxAbs, worstRatio } = closeness(mine, want, SPEC_TOLERANCE);
      crossCheck = { maxAbs, worstRatio, withinTolerance: worstRatio <= 1 };
      const threads = ort.env.wasm.numThreads ?? 1;
      contenders.push({ label: `ORT-web wasm, ${threads} thread${threads === 1 ? "" : "s"}`, run: () => session.run(feeds) });
      ortMissing = undefined;
    }
    const timings = await timeSideBySide(contenders, { samples: setup.samples, onProgress: (done, total) => (status.textContent = `timing… sample ${done} of ${total}`) });
    const state: TimingState = { block: entry.folder, name: entry.name, layout, shape, dims, outDims, inputs: inputs.length, weights: source, timings, ortMissing, crossCheck };
    demoState.timing = state;
    drawTimings(state, options);
    status.textContent = "";
    document.body.dataset.timing = "done";
  } catch (err) {
    status.textContent = "";
    fail(`timing ${entry.name} (${layout}, ${shape})`, err);
    document.body.dataset.timing = "error";
  } finally {
    for (const dispose of disposers.reverse()) await dispose();
    $("run").toggleAttribute("disabled", false);
  }
}

function drawTimings(s: TimingState, options: Record<string, unknown>): void {
  const base = s.timings[0].ms;
  const colours = [COLOURS.excite, COLOURS.exciteIo, COLOURS.ort];
  const chart = barChart(
    s.timings.map((t: Timing, i) => ({ label: t.label, value: t.ms, colour: colours[i], note: i === 0 ? "" : `(${(t.ms / base).toFixed(2)}× excite run())` })),
    { width: 900, labelWidth: 170, valueWidth: 260, format: (ms) => `${ms < 1 ? ms.toFixed(3) : ms.toFixed(2)} ms` },
  );
  const ort = s.timings[2];
  const headline = para(ort ? `In this browser, onnxruntime-web takes ${(ort.ms / base).toFixed(1)}× as long per call as excite's run().` : "onnxruntime-web was not run (see below).", "headline");
  const check = s.crossCheck;
  const notes = [
    `${s.name} ${JSON.stringify(options)} on [${s.dims.join(", ")}] (${s.layout.toUpperCase()}${s.inputs > 1 ? ", two inputs of that shape" : ""}) → [${s.outDims.join(", ")}], median time per call over ${s.timings[0].samples} interleaved samples; weights: ${s.weights}.`,
    check ? `Outputs ${check.withinTolerance ? "agree" : "DISAGREE"}: max |excite − ORT| = ${check.maxAbs.toExponential(2)}, ${(check.worstRatio * 100).toFixed(1)}% of the tolerance 1e-5 + 1e-4·|y|.` : "",
    s.ortMissing ? `onnxruntime-web not run: ${s.ortMissing}.` : "",
    "excite runs on the page's thread; the threads setting applies to onnxruntime-web.",
  ];
  $("timing-chart").replaceChildren(headline, chart);
  $("timing-notes").replaceChildren(...notes.filter(Boolean).map((t) => para(t)));
}
