// excite staged as a user's `npm install` lays it out (exactly the files `npm pack` publishes),
// for the browser pages (tests/browser/bundlers.ts builds the golden apps from it), and the
// demo page's esbuild bundle.

import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** Everything built for the browser lives here (git-ignored). */
export const OUT = join(ROOT, "build/browser");
/** The staged package: what `npm install excite` puts in node_modules/excite. */
export const STAGED = join(OUT, "pkg/node_modules/excite");

/** Copies the files `npm pack` would publish into STAGED; returns their paths. */
export function stagePackage(): string[] {
  const packed = JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }));
  const files: string[] = packed[0].files.map((f: { path: string }) => f.path);
  rmSync(STAGED, { recursive: true, force: true });
  for (const file of files) {
    mkdirSync(dirname(join(STAGED, file)), { recursive: true });
    copyFileSync(join(ROOT, file), join(STAGED, file));
  }
  return files;
}

/**
 * Bundles the page script `entry` (a path from ROOT) with esbuild as `OUT/bundled/<name>.js`,
 * excite and its loader inlined and minified, the .wasm files copied next to the bundle (the
 * README's step for esbuild). `excite` and `excite/onnx` resolve to the staged package through
 * its `exports`, as in a user's node_modules. Run stagePackage() first.
 */
export async function buildPage(entry: string, name: string): Promise<void> {
  const dir = join(OUT, "bundled");
  mkdirSync(dir, { recursive: true });
  await build({
    absWorkingDir: ROOT,
    entryPoints: [entry],
    outfile: join(dir, `${name}.js`),
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    sourcemap: true,
    logLevel: "warning",
    nodePaths: [dirname(STAGED)],
  });
  for (const wasm of readdirSync(join(STAGED, "dist")).filter((f) => f.endsWith(".wasm"))) copyFileSync(join(STAGED, "dist", wasm), join(dir, wasm));
}
