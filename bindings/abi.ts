// The WebAssembly module's exports as the bindings use them. Their types are generated from the
// compiled module (bindings/wasm-exports.ts, by scripts/wasm-types.mjs); this file names the two
// shapes every block and composite kernel exports (call.ts in assembly/ describes the protocol).

import type { WasmExports } from "./wasm-exports.js";

export type ExciteExports = WasmExports;

/** `<op>_plan(params, call)`: sizes and lays out the call's scratch and lists its stages. */
export type PlanFn = (params: number, call: number) => void;
/** `<op>_run(params, call, stage, begin, end)`: items [begin, end) of one stage. */
export type RunFn = (params: number, call: number, stage: number, begin: number, end: number) => void;

/** The two exports of an operation with stages. */
export interface StagedEntry {
  readonly plan: PlanFn;
  readonly run: RunFn;
}
