// Builds the WebAssembly module: assembly/index.ts (the allocator, the public kernels) and every
// file of assembly/blocks/ (one block each) are its entries, so a new block needs no line here.
// Usage: node scripts/build-wasm.mjs [target…]   (default: every target of asconfig.json)

import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

const config = JSON.parse(readFileSync("asconfig.json", "utf8"));
const targets = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(config.targets);
const blocks = readdirSync("assembly/blocks").filter((f) => f.endsWith(".ts")).sort().map((f) => `assembly/blocks/${f}`);
const asc = new URL("../node_modules/assemblyscript/bin/asc.js", import.meta.url).pathname;
for (const target of targets) {
  if (!config.targets[target]) throw new Error(`no asc target '${target}' in asconfig.json`);
  execFileSync(process.execPath, [asc, "assembly/index.ts", ...blocks, "--config", "asconfig.json", "--target", target], { stdio: "inherit" });
}
