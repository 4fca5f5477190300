// excite in real browsers: headless Chromium and Firefox run every golden of the blocks that
// goldenBlocks() lists inside a page, with excite unbundled (import map to the published dist/)
// and as a user's app built by each bundler (tests/browser/bundlers.ts: webpack, Vite, esbuild
// as ES module and iife, Rollup; the latter three also with excite/embedded), each bundled once
// per run. Every app is also given a module location of its own, and the unbundled page every
// kind of source loadModule accepts. Pages are served on 127.0.0.1 (tests/browser/static-server.ts).

import test from "ava";
import type * as excite from "../dist/index.js";
import { buildDemo, DEMO_SITE } from "../demo/web/serve.js";
import { BROWSER_KINDS, isInstalled, type OpenedPage, type TestBrowser } from "./browser/browsers.js";
import { APPS, type BundledApp, bundleApp, writeApp } from "./browser/bundlers.js";
import { hasChromium } from "./browser/chromium.js";
import { demoPageTests } from "./browser/demo-page.js";
import type { CaseResult, ExcitePage } from "./browser/golden-page.js";
import { goldenBlocks } from "./browser/golden-blocks.js";
import { startStaticServer, type StaticServer } from "./browser/static-server.js";

const BLOCKS = goldenBlocks();
const STAGED_DIST = "/build/browser/pkg/node_modules/excite/dist/";
/** Where `?wasm=url-string` and `?wasm=url` point (golden-page.ts). */
const ALT_WASM = "/alt-wasm/excite.wasm";

/** A page that runs every golden, and where it must fetch the module from (undefined: nowhere). */
interface GoldenPageSpec {
  readonly name: string;
  readonly path: string;
  readonly wasmFrom: string | undefined;
  /** The build it must load: undefined for the best this browser compiles. */
  readonly flavour?: excite.ModuleFlavour;
  readonly app?: string;
  /** The layouts its goldens run in (default NCHW only). */
  readonly layouts?: readonly ("nchw" | "nhwc")[];
  /** The threads its blocks run on (`?threads=`; default 1). */
  readonly threads?: number;
}

const appPath = (name: string): string => `/build/browser/${name}/index.html`;

const GOLDEN_PAGES: readonly GoldenPageSpec[] = [
  // By default the module comes from next to the module that loads it (the build the browser supports best).
  { name: "unbundled", path: "/tests/browser/unbundled.html", wasmFrom: STAGED_DIST, layouts: ["nchw", "nhwc"] },
  // On worker threads (the page is cross-origin isolated): the shared-memory build, every stage split.
  { name: "unbundled, 3 threads", path: "/tests/browser/unbundled.html?threads=3", wasmFrom: STAGED_DIST, threads: 3, layouts: ["nchw", "nhwc"] },
  // The plain SIMD build, which a browser with relaxed SIMD would not pick by itself.
  { name: "unbundled, loadModule(URL of excite.wasm)", path: "/tests/browser/unbundled.html?wasm=url", wasmFrom: ALT_WASM, flavour: "custom" },
  ...APPS.filter((app) => app.script === "golden-page").map((app): GoldenPageSpec => app.entry === "excite/embedded"
    ? { name: app.name, path: appPath(app.name), wasmFrom: undefined, flavour: "simd", app: app.name }
    : { name: app.name, path: appPath(app.name), wasmFrom: `/build/browser/${app.name}/`, app: app.name }),
];

/** The other `?wasm=` modes of golden-page.ts and the one module URL each must fetch. */
const WASM_SOURCES: Record<string, string> = {
  "url-string": ALT_WASM,
  response: "/alt-octet/excite.wasm",
  arraybuffer: ALT_WASM,
  module: ALT_WASM,
};

let server: StaticServer;
const apps = new Map<string, BundledApp>();
let demoPath: string;

test.before(async () => {
  demoPath = await buildDemo(); // stages the package too
  await writeApp();
  for (const spec of APPS) apps.set(spec.name, await bundleApp(spec));
  server = await startStaticServer(DEMO_SITE); // the test pages' mounts and the demo's
});

const browsers = new Map<string, Promise<TestBrowser>>();

test.after.always(async () => {
  for (const browser of browsers.values()) await (await browser.catch(() => undefined))?.close();
  await server?.close();
});

/** Opens `path` and waits until golden-page.ts has handed its module source to loadModule. */
async function openGoldenPage(browser: TestBrowser, path: string): Promise<OpenedPage> {
  const page = await browser.open(server.origin + path);
  try {
    await page.waitFor(() => "excitePage" in globalThis, 20_000);
    await page.evaluate(() => (globalThis as unknown as { excitePage: ExcitePage }).excitePage.ready, undefined);
  } catch (err) {
    throw new Error(`${path} did not start: ${(err as Error).message}\npage errors: ${page.errors.join("\n") || "none"}`);
  }
  return page;
}

const runCases = (page: OpenedPage, block: string, factory: string, files: readonly string[], layout: "nchw" | "nhwc" = "nchw"): Promise<CaseResult[]> =>
  page.evaluate(([b, f, names, l]) => (globalThis as unknown as { excitePage: ExcitePage }).excitePage.runCases(b, f, names, l), [block, factory, files, layout] as const);

const wasmFetched = (requests: readonly string[]): string[] => requests.filter((p) => p.endsWith(".wasm"));

const describeApp = (app: BundledApp | undefined): string =>
  app ? `${app.name} (${app.bundler}, import "${app.entry}") built in ${app.buildMs.toFixed(0)} ms: ${Object.entries(app.files).map(([f, b]) => `${f} ${b} B`).join(", ")}` : "";

for (const kind of BROWSER_KINDS) {
  if (!isInstalled(kind)) {
    if (process.env.CI) test(`${kind.name}: is installed`, (t) => t.fail(kind.missing));
    else {
      console.warn(`${kind.name} browser tests skipped: ${kind.missing}`);
      test.skip(`${kind.name} browser tests (${kind.missing})`, () => {});
    }
    continue;
  }
  const browser = (): Promise<TestBrowser> => {
    if (!browsers.has(kind.name)) browsers.set(kind.name, kind.launch());
    return browsers.get(kind.name)!;
  };
  const pages = new Map<string, Promise<OpenedPage>>();

  for (const spec of GOLDEN_PAGES) {
    const goldenPage = async (): Promise<OpenedPage> => {
      if (!pages.has(spec.name)) pages.set(spec.name, openGoldenPage(await browser(), spec.path));
      return pages.get(spec.name)!;
    };

    test.serial(`${kind.name} ${spec.name}: the module loads ${spec.wasmFrom ? `from ${spec.wasmFrom}` : "from the bundle, no .wasm fetched"}`, async (t) => {
      const page = await goldenPage();
      const first = BLOCKS[0];
      const [result] = await runCases(page, first.block, first.factory, first.files.slice(0, 1));
      t.true(result.ok, result.detail);
      const fetched = wasmFetched(page.requests);
      if (spec.wasmFrom) {
        t.is(fetched.length, 1, `one build fetched, not every build: ${fetched.join(", ")}`);
        t.deepEqual(fetched.filter((p) => !p.startsWith(spec.wasmFrom!)), [], `every .wasm fetched from ${spec.wasmFrom}`);
      } else t.deepEqual(fetched, [], "no .wasm fetched");
      const { flavour, hasRelaxedSimd, threads, crossOriginIsolated } = await page.evaluate(() => (globalThis as unknown as { excitePage: ExcitePage }).excitePage.module(), undefined);
      t.is(flavour, spec.flavour ?? `${hasRelaxedSimd ? "relaxed-simd" : "simd"}${spec.threads ? "-threads" : ""}`);
      t.is(threads, spec.threads ?? 1);
      t.true(crossOriginIsolated, "the test pages are cross-origin isolated");
      t.deepEqual(page.errors, []);
      t.deepEqual(apps.get(spec.app ?? "")?.warnings ?? [], [], "no warning from the bundler");
      t.log(`${(await browser()).version}; loaded ${flavour}${fetched.length ? ` from ${fetched.join(", ")}` : ""}; ${describeApp(apps.get(spec.app ?? ""))}`);
    });

    for (const { block, factory, files, layouts } of BLOCKS) {
      for (const layout of (spec.layouts ?? ["nchw"]).filter((l) => layouts.includes(l))) {
      test.serial(`${kind.name} ${spec.name}: ${block} goldens (${files.length} cases${layout === "nhwc" ? ", NHWC" : ""}) match PyTorch`, async (t) => {
        t.true(files.length > 0, `tests/golden/${block} has goldens`);
        const page = await goldenPage();
        const results = await runCases(page, block, factory, files, layout);
        t.is(results.length, files.length);
        const worst = results.reduce((a, r) => (r.worstRatio > a.worstRatio || Number.isNaN(r.worstRatio) ? r : a), results[0]);
        t.log(`${results.length} cases; worst ${worst.file}: max |err| ${worst.maxAbs.toExponential(2)}, ${(worst.worstRatio * 100).toFixed(1)}% of tolerance`);
        t.deepEqual(results.filter((r) => !r.ok).map((r) => `${r.file}: ${r.detail}`), []);
        t.deepEqual(page.errors, []);
      });
      }
    }
  }

  /** Runs the first golden of every block in a page that loads its module from `url` alone. */
  const checkSource = (title: string, path: string, url: string): void => {
    test.serial(`${kind.name} ${title}`, async (t) => {
      const page = await openGoldenPage(await browser(), path);
      try {
        for (const { block, factory, files } of BLOCKS) {
          const [result] = await runCases(page, block, factory, files.slice(0, 1));
          t.true(result.ok, `${block}/${result.file}: ${result.detail}`);
        }
        t.deepEqual(wasmFetched(page.requests), [url], `only ${url} was fetched`);
        t.deepEqual(page.errors, []);
      } finally {
        await page.close();
      }
    });
  };

  for (const app of APPS.filter((a) => a.script === "named-import")) {
    test.serial(`${kind.name} ${app.name}: importing by name from excite/embedded still loads the module it carries`, async (t) => {
      const page = await (await browser()).open(server.origin + appPath(app.name));
      try {
        await page.waitFor(() => "namedImport" in globalThis, 20_000);
        const result = await page.evaluate(() => globalThis.namedImport, undefined);
        t.deepEqual(result, { flavour: "simd", halved: true });
        t.deepEqual(wasmFetched(page.requests), [], "no .wasm fetched");
        t.deepEqual(page.errors, []);
        t.deepEqual(apps.get(app.name)!.warnings, [], "no warning from the bundler");
        t.log(describeApp(apps.get(app.name)));
      } finally {
        await page.close();
      }
    });
  }

  // The README's way to serve the module from a place of one's choosing, in every bundler's app.
  for (const app of APPS.filter((a) => a.script === "golden-page")) {
    checkSource(`${app.name}: loadModule("${ALT_WASM}") loads the module from there`, `${appPath(app.name)}?wasm=url-string`, ALT_WASM);
    checkSource(`${app.name}: loadModule(new URL("${ALT_WASM}", location.href)) loads the module from there`, `${appPath(app.name)}?wasm=url`, ALT_WASM);
  }
  for (const [mode, url] of Object.entries(WASM_SOURCES)) checkSource(`unbundled: loadModule(${mode}) loads the module from that source`, `/tests/browser/unbundled.html?wasm=${mode}`, url);
}

// The demo page (tests/browser/demo-page.ts): its panels, the trained SE blocks, every registry block.
if (hasChromium()) demoPageTests(() => `${server.origin}${demoPath}`);
