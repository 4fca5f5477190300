// excite as a user installs it: the tarball `npm pack` makes, installed into an empty project
// in a temp folder, then loaded by child processes of each runtime, Node (ES module, CommonJS,
// CommonJS with require(esm) turned off as before Node 20.19), Deno and Bun (both from npm,
// devDependencies), which run the smallest golden of every block (tests/runtimes/check.cjs).

import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { goldenBlocks } from "./browser/golden-blocks.js";
import { compareToGolden, GOLDEN_DIR, readGolden, type Golden } from "./helpers/golden.js";

const ROOT = new URL("../", import.meta.url).pathname;
const BIN = join(ROOT, "node_modules/.bin");

/** The smallest golden of every block, with the file it came from. */
const CASES = goldenBlocks().map(({ block, factory, files }) => {
  const file = files.reduce((a, b) => (readFileSync(join(GOLDEN_DIR, block, a)).length <= readFileSync(join(GOLDEN_DIR, block, b)).length ? a : b));
  return { factory, file: `${block}/${file}`, golden: readGolden(block, file) };
});
const STDIN = JSON.stringify(CASES.map(({ factory, file, golden }) => ({
  factory,
  options: golden.options,
  dims: golden.dims,
  golden: readFileSync(join(GOLDEN_DIR, file)).toString("base64"),
  x: Buffer.from(golden.x.buffer, golden.x.byteOffset, golden.x.byteLength).toString("base64"),
  residual: golden.residual && Buffer.from(golden.residual.buffer, golden.residual.byteOffset, golden.residual.byteLength).toString("base64"),
})));

let dir: string;
let app: string;
let packed: { filename: string; files: { path: string }[] };

test.before(() => {
  dir = mkdtempSync(join(tmpdir(), "excite-packed-"));
  [packed] = JSON.parse(execFileSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", dir], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }));
  app = join(dir, "app");
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "excite-user", private: true, dependencies: { excite: `file:../${packed.filename}` } }));
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--ignore-scripts"], { cwd: app, stdio: "ignore" });
  for (const script of readdirSync(join(ROOT, "tests/runtimes"))) copyFileSync(join(ROOT, "tests/runtimes", script), join(app, script));
});

test.after.always(() => dir && rmSync(dir, { recursive: true, force: true }));

test("the installed package pulls in its runtime dependencies and nothing else", (t) => {
  const { dependencies } = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  const lock = JSON.parse(readFileSync(join(app, "package-lock.json"), "utf8"));
  t.deepEqual(Object.keys(lock.packages).filter((p) => p !== "").sort(), ["excite", ...Object.keys(dependencies)].map((d) => `node_modules/${d}`).sort());
});

test("the tarball has LICENSE, README, both entries' ES and CommonJS files, and a source map only with its sources", (t) => {
  const files = packed.files.map((f) => f.path);
  for (const f of ["LICENSE", "README.md", "package.json", "dist/index.js", "dist/index.cjs", "dist/index.d.ts", "dist/embedded.js", "dist/embedded.d.ts", "dist/excite.wasm", "dist/excite.relaxed.wasm"]) t.true(files.includes(f), `${f} is published`);
  const maps = files.filter((f) => f.endsWith(".map"));
  for (const f of maps) {
    const map = JSON.parse(readFileSync(join(app, "node_modules/excite", f), "utf8"));
    t.true(map.sources.length > 0 && map.sourcesContent?.length === map.sources.length && map.sourcesContent.every((s: unknown) => typeof s === "string" && s.length > 0), `${f} carries the sources it names (${map.sources})`);
  }
  t.log(`${packed.filename}: ${files.length} files, ${maps.length} source maps`);
});

interface Run {
  readonly flavour: string;
  readonly hasRelaxedSimd: boolean;
  readonly resolved: string;
  readonly outputs: string[];
}

/** Runs `command args` in the app folder with the cases on stdin; returns its report, or throws with its stderr. */
function runChild(command: string, args: readonly string[]): Run {
  const child = spawnSync(command, args, { cwd: app, input: STDIN, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" }, timeout: 60_000 });
  if (child.status !== 0) throw new Error(`${command} ${args.join(" ")} exited with ${child.status ?? child.signal}: ${child.stderr.trim()}`);
  return JSON.parse(child.stdout);
}

function assertGoldens(t: import("ava").ExecutionContext, run: Run): void {
  t.is(run.outputs.length, CASES.length);
  CASES.forEach(({ file, golden }, k) => {
    const y = new Float32Array(new Uint8Array(Buffer.from(run.outputs[k], "base64")).buffer);
    t.is(y.length, golden.outDims.reduce((a, b) => a * b, 1), `${file}: output length`);
    const { worstRatio, at } = compareToGolden(golden as Golden, y);
    t.true(worstRatio <= 1, `${file}: element ${at} off by ${worstRatio.toFixed(2)}× the tolerance`);
  });
}

const deno = join(BIN, "deno"), bun = join(BIN, "bun"), node = process.execPath;
const ESM = /excite\/dist\/index\.js$/, CJS = /excite\/dist\/index\.cjs$/, EMBEDDED = /excite\/dist\/embedded\.js$/;

const RUNTIMES: readonly { title: string; command: string; args: string[]; resolved: RegExp }[] = [
  { title: "Node, import", command: node, args: ["import.mjs"], resolved: ESM },
  { title: "Node, import excite/embedded", command: node, args: ["import.mjs", "excite/embedded"], resolved: EMBEDDED },
  { title: "Node, require", command: node, args: ["require.cjs"], resolved: CJS },
  { title: "Node without require(esm) (as before 20.19), require", command: node, args: ["--no-experimental-require-module", "require.cjs"], resolved: CJS },
  { title: "Deno --allow-read, import", command: deno, args: ["run", "--allow-read", "import.mjs"], resolved: ESM },
  { title: "Deno without permissions, import excite/embedded", command: deno, args: ["run", "--no-prompt", "import.mjs", "excite/embedded"], resolved: EMBEDDED },
  { title: "Bun, import", command: bun, args: ["import.mjs"], resolved: ESM },
  { title: "Bun, require", command: bun, args: ["require.cjs"], resolved: CJS },
];

for (const { title, command, args, resolved } of RUNTIMES) {
  test(`${title}: the smallest golden of every block matches PyTorch`, (t) => {
    const run = runChild(command, args);
    t.regex(run.resolved, resolved);
    // The embedded entry carries the SIMD build; else the best build the runtime compiles.
    t.is(run.flavour, resolved === EMBEDDED || !run.hasRelaxedSimd ? "simd" : "relaxed-simd");
    assertGoldens(t, run);
    t.log(`${command.split("/").pop()} ${args.join(" ")}: ${run.resolved.slice(run.resolved.indexOf("node_modules"))}, ${run.flavour}`);
  });
}

test("Deno without --allow-read cannot read the module, and says so", (t) => {
  const err = t.throws(() => runChild(deno, ["run", "--no-prompt", "import.mjs"]));
  t.regex(err!.message, /Requires read access/);
});
