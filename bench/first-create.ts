// The time of the first `create` in a fresh process: reading and instantiating the module
// plus building the block (SE, 64 channels, default options). Run as a script it prints that
// time in ms; `measureFirstCreate` runs it in RUNS fresh processes and reports the median.
//
//   node bench/first-create.ts [simd]   (via tsx)

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import v8 from "node:v8";

const RUNS = 7;

export interface FirstCreate {
  readonly medianMs: number;
  readonly maxMs: number;
  readonly runs: number;
  readonly flavour: string;
}

export async function measureFirstCreate(flavour: "auto" | "simd"): Promise<FirstCreate> {
  const script = fileURLToPath(import.meta.url);
  const times: number[] = [];
  let loaded = "";
  for (let i = 0; i < RUNS; i++) {
    const out = execFileSync(process.execPath, ["--import=tsx", script, flavour], { encoding: "utf8" }).trim().split(" ");
    times.push(Number(out[0]));
    loaded = out[1];
  }
  times.sort((a, b) => a - b);
  return { medianMs: times[RUNS >> 1], maxMs: times[RUNS - 1], runs: RUNS, flavour: loaded };
}

async function child(flavour: string): Promise<void> {
  // The same choice of build as run.ts makes for the benchmark.
  const excite = await import("../dist/index.js");
  if (flavour !== "simd" && !excite.hasRelaxedSimd()) v8.setFlagsFromString("--experimental-wasm-relaxed-simd");
  const weights = excite.loadSafetensors(readFileSync(new URL("models/se_c64.safetensors", import.meta.url)));
  const t0 = performance.now();
  // With an explicit source the instantiation starts here; createSE waits for it.
  if (flavour === "simd") void excite.loadModule(new URL("../dist/excite.wasm", import.meta.url));
  const block = await excite.createSE({ channels: 64 }, weights);
  const ms = performance.now() - t0;
  block.dispose();
  console.log(`${ms} ${flavour === "simd" ? "simd" : excite.moduleFlavour()}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await child(process.argv[2] ?? "auto");
