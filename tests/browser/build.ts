// The esbuild config of the browser pages. excite is first staged as a user's `npm install`
// lays it out (exactly the files `npm pack` publishes), then each page script is built twice:
// unbundled (excite left as a bare import for the page's import map to resolve to the staged
// dist/, served as is) and bundled (excite and its loader inlined, minified, the .wasm files
// copied next to the bundle, which is all the README asks of an esbuild user).

import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Metafile } from "esbuild";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** Everything built for the browser lives here (git-ignored). */
export const OUT = join(ROOT, "build/browser");
/** The staged package: what `npm install excite` puts in node_modules/excite. */
export const STAGED = join(OUT, "pkg/node_modules/excite");

export type Flavour = "unbundled" | "bundled";

export interface PageBuild {
  /** The script's path under OUT. */
  readonly script: string;
  /** Bytes of the script. */
  readonly bytes: number;
  /** Bytes of the script that come from excite and its loader (bundled builds). */
  readonly libraryBytes: number;
}

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
 * Builds the page script `entry` (a path from ROOT) as `OUT/<flavour>/<name>.js`. Run
 * stagePackage() first.
 */
export async function buildPage(entry: string, name: string, flavour: Flavour): Promise<PageBuild> {
  const dir = join(OUT, flavour);
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, `${name}.js`);
  const bundled = flavour === "bundled";
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: bundled,
    sourcemap: true,
    metafile: true,
    logLevel: "warning",
    ...(bundled ? { alias: { excite: STAGED } } : { external: ["excite"] }),
  });
  if (bundled) {
    for (const wasm of readdirSync(join(STAGED, "dist")).filter((f) => f.endsWith(".wasm"))) copyFileSync(join(STAGED, "dist", wasm), join(dir, wasm));
  }
  const output = result.metafile.outputs[`build/browser/${flavour}/${name}.js`];
  return { script: `${flavour}/${name}.js`, bytes: output.bytes, libraryBytes: libraryBytes(output) };
}

/** The bytes of a bundle that come from excite (staged) and @assemblyscript/loader. */
function libraryBytes(output: Metafile["outputs"][string]): number {
  let bytes = 0;
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    if (input.startsWith("build/browser/pkg/") || input.includes("node_modules/@assemblyscript/loader/")) bytes += bytesInOutput;
  }
  return bytes;
}
