// The measurements of one run (bench/results.json) and the ratios read from them.

import type { FirstCreate } from "./first-create.js";

export interface EngineResult {
  medianMs?: number;
  samples?: number;
  /** max |engine − excite run()| over the output. */
  maxAbsDiff?: number;
  /** Why the engine has no time for this cell (a failure, or an output that disagrees). */
  error?: string;
}

export interface CellResult {
  readonly block: string;
  readonly label: string;
  readonly shape: string;
  readonly layout: "nchw" | "nhwc";
  /** The inputs' dims, in the layout. */
  readonly dims: number[];
  /** Inputs of the block (2: AFF, iAFF). */
  readonly inputs: number;
  /** The block's multiply-adds on this shape (bench/export_models.py counts them). */
  readonly macs: number;
  readonly convBound: boolean;
  /** The dense 3×3 reference, not a block (no targets apply). */
  readonly dense?: boolean;
  /** How long the cell took to measure, s. */
  readonly seconds: number;
  readonly results: Record<string, EngineResult>;
}

export interface EngineInfo {
  readonly id: string;
  readonly label: string;
  readonly threads: number;
}

export interface Results {
  readonly date: string;
  readonly node: string;
  readonly cpu: string;
  /** /proc/cpuinfo's "cpu MHz" (what the 128-bit SIMD peak is computed from). */
  readonly cpuMHz?: number;
  readonly cores: number;
  readonly flavour: string;
  /** The two-thread instance's build. */
  readonly threadsFlavour?: string;
  /** Bytes of each build, raw and gzipped. */
  readonly wasmBytes: Record<string, { raw: number; gzip: number }>;
  /** The same for the peers' SIMD .wasm (tfjs-backend-wasm's, onnxruntime-web's). */
  readonly peerWasmBytes?: Record<string, { raw: number; gzip: number }>;
  readonly firstCreate?: FirstCreate;
  readonly budgetMs: number;
  readonly rounds: number;
  /** The length the run aimed at (run.ts --minutes): cells got fewer rounds when behind. */
  readonly minutes?: number;
  /** An engine's rounds in one cell stop after about this many ms (run.ts ENGINE_CELL_MS). */
  readonly engineCellMs?: number;
  /** The command line's filters (a partial run says so in RESULTS.md). */
  readonly args: string[];
  /** Timing slices measured again because another job had the CPU (run.ts, OTHERS_MAX). */
  readonly retriedSlices: number;
  readonly seconds: number;
  readonly engines: EngineInfo[];
  readonly cells: CellResult[];
}

/** 128-bit SIMD's multiply-add peak: two 4-lane FMAs per cycle, 8 MAC/cycle. */
export const SIMD_MACS_PER_CYCLE = 8;

export const ms = (r: CellResult, id: string): number | undefined => r.results[id]?.medianMs;
/** The fastest of some engines (a peer at its best optimisation level). */
export const best = (r: CellResult, ...ids: string[]): number | undefined => {
  const t = ids.map((id) => ms(r, id)).filter((v): v is number => v !== undefined);
  return t.length ? Math.min(...t) : undefined;
};
/** How many times faster `excite` (an excite engine's id) is than a peer's time (peer time ÷ excite time). */
export const speedup = (r: CellResult, peer: number | undefined, excite = "excite"): number | undefined => {
  const e = ms(r, excite);
  return e !== undefined && peer !== undefined ? peer / e : undefined;
};
/** The zero-copy run's share of the limit: limit time ÷ io() time. */
export const limitShare = (r: CellResult): number | undefined => {
  const l = ms(r, "limit"), io = ms(r, "excite-io");
  return l !== undefined && io !== undefined ? l / io : undefined;
};
/** (run() − io()) ÷ one TypedArray.set of the input: what run()'s copies cost, in copies of the tensor. */
export const copyOverhead = (r: CellResult): number | undefined => {
  const run = ms(r, "excite"), io = ms(r, "excite-io"), copy = ms(r, "copy");
  return run !== undefined && io !== undefined && copy !== undefined ? (run - io) / copy : undefined;
};
/** The least copies run() can make: each input in, the output out. */
export const leastCopies = (r: CellResult): number => r.inputs + 1;
/** GMAC/s of an engine on the cell. */
export const gmacs = (r: CellResult, id: string): number | undefined => {
  const t = ms(r, id);
  return t !== undefined && r.macs > 0 ? r.macs / t / 1e6 : undefined;
};
/** Multiply-adds per input element. */
export const macsPerElement = (r: CellResult): number => r.macs / r.dims.reduce((a, b) => a * b, 1);

/** The faster ORT-web level on one thread (the reference of the web targets). */
export const ortWeb1 = (r: CellResult) => best(r, "ort-web-all", "ort-web-ext");
export const ortNode1 = (r: CellResult) => best(r, "ort-node-all", "ort-node-ext");
