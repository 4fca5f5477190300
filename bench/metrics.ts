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
  readonly dims: number[];
  readonly results: Record<string, EngineResult>;
}

export interface Results {
  readonly date: string;
  readonly node: string;
  readonly cpu: string;
  readonly flavour: string;
  readonly wasmBytes: { simd: number; relaxed: number };
  readonly firstCreate: FirstCreate;
  readonly budgetMs: number;
  readonly rounds: number;
  /** Timing slices measured again because another job had the CPU (run.ts, CPU_SHARE). */
  readonly retriedSlices: number;
  readonly seconds: number;
  readonly engines: { id: string; label: string }[];
  readonly missingBlocks: string[];
  readonly cells: CellResult[];
}

export const ms = (r: CellResult, id: string): number | undefined => r.results[id]?.medianMs;
/** The faster of an engine's two optimisation levels (the peer at its best). */
export const best = (r: CellResult, a: string, b: string): number | undefined => {
  const t = [ms(r, a), ms(r, b)].filter((v): v is number => v !== undefined);
  return t.length ? Math.min(...t) : undefined;
};
/** How many times faster excite's run() is than `peer` (peer time ÷ excite time). */
export const speedup = (r: CellResult, peer: number | undefined): number | undefined => {
  const e = ms(r, "excite");
  return e !== undefined && peer !== undefined ? peer / e : undefined;
};
/** The zero-copy run's share of the limit: limit time ÷ io() time. */
export const limitShare = (r: CellResult): number | undefined => {
  const l = ms(r, "limit"), io = ms(r, "excite-io");
  return l !== undefined && io !== undefined ? l / io : undefined;
};

/** The blocks whose zero-copy run has the limit as a target (issue 4). */
export const LIMIT_BLOCKS = ["se", "cse", "sse", "scse", "cbam"];
