// The demo page: any block of excite's registry timed beside onnxruntime-web on the same weights
// in this browser, what the attention blocks do to a photo, and the trained SE blocks of a real
// network (PP-OCRv4's text detector) on that photo. The choices live in the URL
// (?block=se&layout=nchw&shape=S&threads=1&level=all&trained=…; &run times at load, &samples=…
// sets the samples per contender), so a view can be linked or reloaded.

import * as excite from "excite";
import { photo, runImage } from "./image-panel.js";
import { loadOrt } from "./ort.js";
import { $, fail, fillSelect } from "./state.js";
import { refreshLayouts, runTiming, type TimingSetup } from "./timing-panel.js";
import { runTrainedPanel } from "./trained-panel.js";

export type { DemoState } from "./state.js";

const params = new URLSearchParams(location.search);
const threads = Math.max(1, Number(params.get("threads")) || 1);

const remember = (key: string, value: string): void => {
  params.set(key, value);
  history.replaceState(null, "", `?${params}`);
};

async function main(): Promise<void> {
  const ortLoad = loadOrt(threads).catch((err) => ({ ort: undefined, missing: `onnxruntime-web failed to load (${err.message})` }));
  const { shapes } = (await (await fetch("/bench/blocks.json")).json()) as { shapes: TimingSetup["shapes"] };
  const setup: TimingSetup = { shapes, ortLoad, threads, samples: Math.max(1, Number(params.get("samples")) || 9) };
  const ids = excite.blocks.map((b) => b.folder);
  fillSelect($("block"), excite.blocks.map((b) => [b.folder, b.create.inputs > 1 ? `${b.name} (two inputs)` : b.name]), ids.includes(params.get("block") ?? "") ? params.get("block") : "se");
  refreshLayouts(params.get("layout"));
  fillSelect($("shape"), Object.entries(shapes).map(([name, d]) => [name, `${name} [${d.join(", ")}]`]), params.get("shape") ?? "S");
  const maxThreads = Math.max(1, Math.min(8, navigator.hardwareConcurrency || 1));
  fillSelect($("threads"), Array.from({ length: maxThreads }, (_, i) => [String(i + 1), String(i + 1)]), String(threads));
  fillSelect($("level"), [["all", "all"], ["extended", "extended"]], params.get("level") ?? "all");
  $("block").addEventListener("change", () => {
    refreshLayouts();
    remember("layout", $<HTMLSelectElement>("layout").value);
  });
  for (const id of ["block", "layout", "shape", "level"]) $(id).addEventListener("change", () => remember(id, $<HTMLSelectElement>(id).value));
  // onnxruntime-web fixes its thread count when it first starts, so a new count needs a fresh page.
  $("threads").addEventListener("change", () => {
    params.set("threads", $<HTMLSelectElement>("threads").value);
    location.search = `?${params}`;
  });
  $("run").addEventListener("click", () => runTiming(setup));
  $("cores").textContent = `${navigator.hardwareConcurrency || "?"} logical cores; ${crossOriginIsolated ? "cross-origin isolated, so WebAssembly threads are available" : "not cross-origin isolated: onnxruntime-web runs on 1 thread"}`;

  const image = await photo();
  $("redraw").addEventListener("click", () => runImage(image));
  await runImage(image);
  await runTrainedPanel(ortLoad, image, threads, params.get("trained"), (name) => remember("trained", name));
  if (params.has("run")) await runTiming(setup);
}

main().catch((err) => fail("page", err));
