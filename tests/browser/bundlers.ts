// The golden page as a user's app built by each bundler with its default configuration.
// The app is golden-page.ts compiled to plain JavaScript with `excite` (or `excite/embedded`)
// left as a bare import, written next to the staged package (build/browser/pkg/, whose
// node_modules/excite is what `npm install excite` lays out), so every bundler resolves excite
// through its package.json `exports` as it would in a user's project. Each app is written to
// build/browser/<name>/ with an index.html that loads it the way that bundler's users do.

import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { build as esbuild } from "esbuild";
import { nodeResolve } from "@rollup/plugin-node-resolve";
import { rollup } from "rollup";
import { createLogger, build as vite } from "vite";
import webpack from "webpack";
import { OUT, ROOT, STAGED } from "./build.js";

export const BUNDLERS = ["esbuild-esm", "esbuild-iife", "webpack", "vite", "rollup"] as const;
export type Bundler = (typeof BUNDLERS)[number];

/** Which of excite's entries the app imports. */
export type Entry = "excite" | "excite/embedded";

/** The app's script: tests/browser/golden-page.ts (every golden), or tests/bundlers/named-import.ts (excite/embedded). */
export type AppScript = "golden-page" | "named-import";

export interface AppSpec {
  /** Also the folder under build/browser/. */
  readonly name: string;
  readonly bundler: Bundler;
  readonly script: AppScript;
  readonly entry: Entry;
  /** Copy node_modules/excite/dist/*.wasm next to the bundle (the README's step for bundlers that emit no assets). */
  readonly copyWasm: boolean;
}

/** Every app the browser tests load. */
export const APPS: readonly AppSpec[] = BUNDLERS.flatMap((bundler): AppSpec[] => [
  // webpack and Vite emit the .wasm files themselves; esbuild and Rollup need them copied.
  { name: bundler, bundler, script: "golden-page", entry: "excite", copyWasm: bundler !== "webpack" && bundler !== "vite" },
  { name: `${bundler}-embedded`, bundler, script: "golden-page", entry: "excite/embedded", copyWasm: false },
  { name: `${bundler}-named-import`, bundler, script: "named-import", entry: "excite/embedded", copyWasm: false },
]);

/** The app's folder: the staged package sits in its node_modules. */
const APP = join(STAGED, "../..");

export interface BundledApp extends AppSpec {
  /** The page's path on the test server, e.g. "/build/browser/webpack/index.html". */
  readonly path: string;
  /** The folder of the bundle's files under the server's root, e.g. "/build/browser/webpack/". */
  readonly dir: string;
  /** Every file the bundler wrote (and the .wasm files copied) and its bytes. */
  readonly files: Readonly<Record<string, number>>;
  /** What the bundler warned about. */
  readonly warnings: readonly string[];
  readonly buildMs: number;
}

/**
 * Writes the app into its folder (run stagePackage() first): each script compiled to JavaScript
 * with excite left as a bare import (golden-page.ts once per entry), and a package.json, so that
 * the app is a package of its own (else bundlers and Node resolve `excite` to this repository
 * itself, by self-reference).
 */
export async function writeApp(): Promise<void> {
  writeFileSync(join(APP, "package.json"), JSON.stringify({ name: "excite-test-app", private: true, type: "module" }, null, 2));
  const scripts = new Set(APPS.map((a) => `${a.script} ${a.entry}`));
  for (const [script, entry] of [...scripts].map((s) => s.split(" ") as [AppScript, Entry])) {
    await esbuild({
      absWorkingDir: ROOT, entryPoints: [SOURCES[script]], outfile: appEntry(script, entry), bundle: true, format: "esm", target: "es2022",
      alias: script === "golden-page" ? { excite: entry } : {}, external: ["excite", "excite/embedded"], logLevel: "warning",
    });
  }
}

const SOURCES: Record<AppScript, string> = { "golden-page": "tests/browser/golden-page.ts", "named-import": "tests/bundlers/named-import.ts" };

const appEntry = (script: AppScript, entry: Entry): string => join(APP, `${script}${entry === "excite" ? "" : ".embedded"}.js`);

/** Bundles the app (writeApp() first) as `spec` says into build/browser/<name>/. */
export async function bundleApp(spec: AppSpec): Promise<BundledApp> {
  const dir = join(OUT, spec.name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const t0 = performance.now();
  const warnings: string[] = [];
  const script = await BUILD[spec.bundler](appEntry(spec.script, spec.entry), dir, warnings);
  const buildMs = performance.now() - t0;
  if (script) writeFileSync(join(dir, "index.html"), page(spec.name, script.file, script.module));
  if (spec.copyWasm) for (const wasm of readdirSync(join(STAGED, "dist")).filter((f) => f.endsWith(".wasm"))) copyFileSync(join(STAGED, "dist", wasm), join(dir, wasm));
  const url = `/${relative(ROOT, dir)}/`;
  return { ...spec, path: `${url}index.html`, dir: url, files: listFiles(dir), warnings, buildMs };
}

/**
 * Each build writes into `dir`, pushes the bundler's warnings onto `warnings` and returns the
 * script the page loads (Vite writes its own page).
 */
const BUILD: Record<Bundler, (entry: string, dir: string, warnings: string[]) => Promise<{ file: string; module: boolean } | undefined>> = {
  "esbuild-esm": async (entry, dir, warnings) => {
    const result = await esbuild({ entryPoints: [entry], outfile: join(dir, "app.js"), bundle: true, format: "esm", minify: true, logLevel: "silent" });
    warnings.push(...result.warnings.map((w) => w.text));
    return { file: "app.js", module: true };
  },
  // esbuild's default format when bundling for the browser: an IIFE, loaded by a classic script.
  "esbuild-iife": async (entry, dir, warnings) => {
    const result = await esbuild({ entryPoints: [entry], outfile: join(dir, "app.js"), bundle: true, minify: true, logLevel: "silent" });
    warnings.push(...result.warnings.map((w) => w.text));
    return { file: "app.js", module: false };
  },
  // webpack 5's defaults but the entry and output folder: production mode, a classic script main.js.
  webpack: (entry, dir, warnings) =>
    new Promise((ok, fail) => {
      webpack({ mode: "production", context: APP, entry, output: { path: dir }, devtool: false, infrastructureLogging: { level: "error" } }, (err, stats) => {
        if (err) return fail(err);
        if (stats?.hasErrors()) return fail(new Error(stats.toString({ all: false, errors: true })));
        // (not webpack's performance hints, about the app's bundle: this one carries the goldens
        // page, and with excite/embedded the module as base64 too, over their 244 KiB threshold)
        const messages = (stats?.toJson({ all: false, warnings: true }).warnings ?? []).map((w) => w.message);
        warnings.push(...messages.filter((m) => !/^(asset size limit|entrypoint size limit|webpack performance recommendations):/.test(m)));
        ok({ file: "main.js", module: false });
      });
    }),
  // Vite builds from an index.html; `base` only tells it the folder the site is served under.
  vite: async (entry, dir, warnings) => {
    writeFileSync(join(APP, "index.html"), page(`vite (${relative(APP, entry)})`, `./${relative(APP, entry)}`, true));
    const logger = { ...createLogger("warn"), info: () => {}, warn: (msg: string) => void warnings.push(msg), warnOnce: (msg: string) => void warnings.push(msg) };
    await vite({ root: APP, base: `/${relative(ROOT, dir)}/`, logLevel: "warn", customLogger: logger, configFile: false, build: { outDir: dir, emptyOutDir: true } });
    return undefined;
  },
  // The usual Rollup app config: node-resolve (for the bare imports) and an ES module bundle.
  rollup: async (entry, dir, warnings) => {
    const bundle = await rollup({ input: entry, plugins: [nodeResolve({ browser: true })], onwarn: (w) => void warnings.push(w.message) });
    await bundle.write({ file: join(dir, "app.js"), format: "es" });
    await bundle.close();
    return { file: "app.js", module: true };
  },
};

function page(bundler: string, script: string, module: boolean): string {
  return `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<link rel="icon" href="data:,">
<title>excite goldens, bundled by ${bundler}</title>
<script${module ? ' type="module"' : ""} src="${script}"></script>
<p>The browser test (tests/browser.test.ts) drives this page.</p>
</html>
`;
}

function listFiles(dir: string, prefix = ""): Record<string, number> {
  const files: Record<string, number> = {};
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) Object.assign(files, listFiles(path, `${prefix}${name}/`));
    else files[prefix + name] = statSync(path).size;
  }
  return files;
}
