// excite in a real browser: headless Chromium runs every golden of the blocks in
// tests/golden.test.ts's FACTORIES map inside a page, with excite unbundled (import map to the
// published dist/) and bundled by esbuild, and loads the module from each kind of source
// loadModule accepts. Pages are served on 127.0.0.1 by tests/browser/static-server.ts.

import { existsSync } from "node:fs";
import { join } from "node:path";
import test from "ava";
import type { Page } from "playwright-core";
import * as excite from "../dist/index.js";
import type { DemoState } from "../demo/web/main.js";
import { buildDemo } from "../demo/web/serve.js";
import { buildPage, type Flavour, OUT, type PageBuild, ROOT } from "./browser/build.js";
import { type Chromium, CHROMIUM_MISSING, hasChromium, launchChromium } from "./browser/chromium.js";
import type { CaseResult, ExcitePage } from "./browser/golden-page.js";
import { goldenBlocks } from "./browser/golden-blocks.js";
import { captureDemo, DEMO_QUERY } from "./browser/screenshot.js";
import { SITE } from "./browser/site.js";
import { startStaticServer, type StaticServer } from "./browser/static-server.js";

const BLOCKS = goldenBlocks();
const FLAVOURS: readonly Flavour[] = ["unbundled", "bundled"];

/** A page that runs every golden, and the one place it must fetch the module from. */
interface GoldenPageSpec {
  readonly name: string;
  readonly path: string;
  readonly wasmFrom: string;
  readonly flavour: Flavour;
}
const GOLDEN_PAGES: readonly GoldenPageSpec[] = [
  // By default the module comes from next to the module that loads it (the build the runtime supports best).
  { name: "unbundled", path: "/tests/browser/unbundled.html", wasmFrom: "/build/browser/pkg/node_modules/excite/dist/", flavour: "unbundled" },
  { name: "bundled", path: "/tests/browser/bundled.html", wasmFrom: "/build/browser/bundled/", flavour: "bundled" },
  // The plain SIMD build, which a runtime with relaxed SIMD (Chromium) would not pick by itself.
  { name: "unbundled, loadModule(URL of excite.wasm)", path: "/tests/browser/unbundled.html?wasm=url", wasmFrom: "/alt-wasm/excite.wasm", flavour: "unbundled" },
];

/** The other `?wasm=` modes of golden-page.ts and the one module URL each must fetch. */
const WASM_SOURCES: Record<string, string> = {
  "url-string": "/alt-wasm/excite.wasm",
  response: "/alt-octet/excite.wasm",
  arraybuffer: "/alt-wasm/excite.wasm",
  module: "/alt-wasm/excite.wasm",
};

interface OpenPage {
  readonly page: Page;
  /** Paths of every request the page made. */
  readonly requests: string[];
  /** Uncaught errors and console errors. */
  readonly errors: string[];
}

if (!hasChromium()) {
  if (process.env.CI) {
    test("browser: Chromium is installed", (t) => t.fail(CHROMIUM_MISSING));
  } else {
    console.warn(`browser tests skipped: ${CHROMIUM_MISSING}`);
    test.skip(`browser tests (${CHROMIUM_MISSING})`, () => {});
  }
} else {
  let chromium: Chromium;
  let server: StaticServer;
  const builds = new Map<Flavour, PageBuild>();
  const goldenPages = new Map<string, Promise<OpenPage>>();

  let demoPath: string;

  test.before(async () => {
    demoPath = await buildDemo(); // stages the package too
    for (const flavour of FLAVOURS) builds.set(flavour, await buildPage("tests/browser/golden-page.ts", "golden-page", flavour));
    server = await startStaticServer(SITE);
    chromium = await launchChromium();
  });

  test.after.always(async () => {
    await chromium?.close();
    await server?.close();
  });

  /** Opens `path` and waits until golden-page.ts has handed its module source to loadModule. */
  async function openGoldenPage(path: string): Promise<OpenPage> {
    const page = await chromium.context.newPage();
    const opened: OpenPage = { page, requests: [], errors: [] };
    page.on("request", (r) => opened.requests.push(new URL(r.url()).pathname));
    page.on("pageerror", (e) => opened.errors.push(String(e)));
    page.on("console", (m) => m.type() === "error" && opened.errors.push(`${m.text()} (${m.location().url})`));
    page.on("response", (r) => r.status() >= 400 && opened.errors.push(`HTTP ${r.status()} for ${new URL(r.url()).pathname}`));
    await page.goto(server.origin + path);
    try {
      await page.waitForFunction(() => "excitePage" in globalThis, undefined, { timeout: 20_000 });
      await page.evaluate(() => (globalThis as unknown as { excitePage: ExcitePage }).excitePage.ready);
    } catch (err) {
      throw new Error(`${path} did not start: ${(err as Error).message}\npage errors: ${opened.errors.join("\n") || "none"}`);
    }
    return opened;
  }

  const runCases = (page: Page, block: string, factory: string, files: readonly string[]): Promise<CaseResult[]> =>
    page.evaluate(([b, f, names]) => (globalThis as unknown as { excitePage: ExcitePage }).excitePage.runCases(b, f, names), [block, factory, files] as const);

  const wasmFetched = (requests: readonly string[]): string[] => requests.filter((p) => p.endsWith(".wasm"));

  for (const spec of GOLDEN_PAGES) {
    const goldenPage = (): Promise<OpenPage> => {
      if (!goldenPages.has(spec.name)) goldenPages.set(spec.name, openGoldenPage(spec.path));
      return goldenPages.get(spec.name)!;
    };

    test.serial(`${spec.name}: the module loads from ${spec.wasmFrom}`, async (t) => {
      const { page, requests, errors } = await goldenPage();
      const first = BLOCKS[0];
      const [result] = await runCases(page, first.block, first.factory, first.files.slice(0, 1));
      t.true(result.ok, result.detail);
      const fetched = wasmFetched(requests);
      t.true(fetched.length > 0, "the page fetched a .wasm");
      t.deepEqual(fetched.filter((p) => !p.startsWith(spec.wasmFrom)), [], `every .wasm fetched from ${spec.wasmFrom}`);
      t.deepEqual(errors, []);
      const build = builds.get(spec.flavour)!;
      t.log(`${build.script}: ${build.bytes} bytes${spec.flavour === "bundled" ? `, of which excite and its loader ${build.libraryBytes}` : ""}; fetched ${fetched.join(", ")}`);
    });

    for (const { block, factory, files } of BLOCKS) {
      test.serial(`${spec.name}: ${block} goldens (${files.length} cases) match PyTorch in Chromium`, async (t) => {
        t.true(files.length > 0, `tests/golden/${block} has goldens`);
        const { page, errors } = await goldenPage();
        const results = await runCases(page, block, factory, files);
        t.is(results.length, files.length);
        const worst = results.reduce((a, r) => (r.worstRatio > a.worstRatio || Number.isNaN(r.worstRatio) ? r : a), results[0]);
        t.log(`${results.length} cases; worst ${worst.file}: max |err| ${worst.maxAbs.toExponential(2)}, ${(worst.worstRatio * 100).toFixed(1)}% of tolerance`);
        t.deepEqual(results.filter((r) => !r.ok).map((r) => `${r.file}: ${r.detail}`), []);
        t.deepEqual(errors, []);
      });
    }
  }

  for (const [mode, url] of Object.entries(WASM_SOURCES)) {
    test.serial(`unbundled: loadModule(${mode}) loads the module from that source`, async (t) => {
      const { page, requests, errors } = await openGoldenPage(`/tests/browser/unbundled.html?wasm=${mode}`);
      try {
        for (const { block, factory, files } of BLOCKS) {
          const [result] = await runCases(page, block, factory, files.slice(0, 1));
          t.true(result.ok, `${block}/${result.file}: ${result.detail}`);
        }
        t.deepEqual(wasmFetched(requests), [url], `only ${url} was fetched`);
        t.deepEqual(errors, []);
      } finally {
        await page.close();
      }
    });
  }

  test.serial("demo page: the gates on the photo, and excite timed beside onnxruntime-web when it is installed", async (t) => {
    const png = join(OUT, "demo.png");
    const page = await captureDemo(chromium.context, `${server.origin}${demoPath}${DEMO_QUERY}`, png);
    try {
      const state = await page.evaluate(() => (globalThis as unknown as { demoState: DemoState }).demoState);
      t.deepEqual(state.errors, []);
      const { image, timing } = state;
      if (!image || !timing) return t.fail("the demo finished without an image panel or a timing");
      // Every gate these blocks apply is a sigmoid: each value read back from y = gate·x must lie in [0, 1].
      const shown = [["SE", "createSE"], ["sSE", "createSSE"], ["CBAM", "createCBAM"], ["BAM", "createBAM"]].filter(([, factory]) => factory in excite);
      t.deepEqual(image.views.map((v) => v.block), shown.map(([block]) => block), "a view for each of these blocks that excite exports");
      for (const v of image.views) {
        if (v.channel) t.true(v.channel.length === 12 && v.channel.every((s) => s >= 0 && s <= 1) && new Set(v.channel).size > 1, `${v.block} channel gates in [0, 1] and not all equal: ${v.channel}`);
        if (v.spatialRange) {
          t.is(v.spatialLength, image.width * image.height);
          t.true(v.spatialRange[0] >= 0 && v.spatialRange[1] <= 1 && v.spatialRange[0] < v.spatialRange[1], `${v.block} spatial gate range ${v.spatialRange}`);
        }
      }
      t.true(timing.timings.every((r) => Number.isFinite(r.ms) && r.ms > 0), "every time per call is a positive number");
      const ortInstalled = existsSync(join(ROOT, "bench/node_modules/onnxruntime-web/dist/ort.wasm.min.mjs")) && existsSync(join(ROOT, "bench/models/se_S.onnx"));
      if (ortInstalled) {
        t.is(timing.timings.length, 3, `excite run(), zero-copy and ORT-web timed (${timing.ortMissing ?? ""})`);
        t.true(timing.crossCheck?.withinTolerance, `excite and onnxruntime-web agree on the same weights: max |diff| ${timing.crossCheck?.maxAbs}`);
      } else {
        t.is(timing.timings.length, 2);
        t.log(`onnxruntime-web not run: ${timing.ortMissing}`);
      }
      t.log(timing.timings.map((r) => `${r.label} ${r.ms.toFixed(3)} ms`).join(", ") + `; screenshot ${png}`);
    } finally {
      await page.close();
    }
  });
}
