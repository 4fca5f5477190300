// Runs the stages of a call split at arbitrary item boundaries, the pieces of each stage in
// reverse order: a stage whose items are not independent (one reading what another of the same
// stage writes, or writing past its part) then gives different bytes than the whole run.

import { CALL_EXTENTS } from "../../dist/constants.js";
import type { BlockBase } from "../../dist/index.js";

interface CallInternals {
  ptr: number;
  params: number;
  heap: { i32: Int32Array };
  entry: { run: (params: number, call: number, stage: number, begin: number, end: number) => void };
  run: (stages: number) => void;
}

/** Deterministic cut points in (0, items): 0–3 of them, from `seed`. */
function cuts(items: number, seed: number): number[] {
  let s = seed >>> 0;
  const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const points = new Set<number>();
  const count = Math.floor(next() * 4);
  for (let i = 0; i < count && items > 1; i++) points.add(1 + Math.floor(next() * (items - 1)));
  return [0, ...[...points].sort((a, b) => a - b), items];
}

/** Makes `call` (a CallRecord) run every stage in pieces, last piece first; returns a function that restores it. */
export function splitStages(call: unknown, seed = 1): () => void {
  const c = call as CallInternals;
  const whole = c.run;
  c.run = (stages: number) => {
    const at = (c.ptr >>> 2) + CALL_EXTENTS;
    for (let s = 0; s < stages; s++) {
      const items = c.heap.i32[at + s];
      if (items <= 0) continue;
      const p = cuts(items, seed + 7919 * s);
      for (let i = p.length - 2; i >= 0; i--) c.entry.run(c.params, c.ptr, s, p[i], p[i + 1]);
    }
  };
  return () => {
    c.run = whole;
  };
}

/** The call record of a block (for splitStages). */
export const callOf = (block: BlockBase): unknown => (block as unknown as { call: unknown }).call;
