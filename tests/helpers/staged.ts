// Staged calls (assembly/call.ts) driven by hand: a call record planned by an operation's `_plan`,
// then every stage run by `_run` over its items cut into pieces, run in any order. Threads will
// run the pieces of a stage concurrently, so every cut must give the bytes of the uncut run.
// The one way the tests run a call in pieces: StagedCall over arena buffers (prefilled with the
// "unwritten" NaN pattern, a guard zone after), or a block's own call record (splitBlockStages).

import type { ExecutionContext } from "ava";
import type { StagedEntry } from "../../dist/abi.js";
import { CallRecord, type Operands } from "../../dist/call.js";
import { CALL_EXTENTS, CALL_SCRATCH, CALL_SCRATCH_BYTES } from "../../dist/constants.js";
import type { BlockBase } from "../../dist/index.js";
import { Heap } from "../../dist/memory.js";
import { type Arena, clear, sameBits, wasm, written } from "./wasm.js";

const heap = new Heap(wasm);

/** Items [begin, end) of a stage. */
export type Piece = readonly [begin: number, end: number];

/** A way to run stage `stage` (default 0) of `items` items: its pieces, in the order they run. */
export interface Split {
  readonly name: string;
  pieces(items: number, stage?: number): Piece[];
}

/** [0, items) cut at `at` (the cuts strictly inside it, in any order). */
function cut(items: number, at: number[]): Piece[] {
  const bounds = [0, ...at.filter((k) => k > 0 && k < items).sort((p, q) => p - q), items];
  return bounds.slice(1).map((end, i) => [bounds[i], end] as const).filter(([b, e]) => e > b);
}

/** One call per stage over all its items (what CallRecord.run does). */
export const WHOLE: Split = { name: "whole", pieces: (n) => cut(n, []) };

/** The cuts every staged test runs: 2 pieces at three points, 3 pieces run last to first, every item alone. */
export const SPLITS: readonly Split[] = [
  { name: "2 pieces, the first item alone", pieces: (n) => cut(n, [1]) },
  { name: "2 pieces at the middle", pieces: (n) => cut(n, [n >> 1]) },
  { name: "2 pieces, the last item alone", pieces: (n) => cut(n, [n - 1]) },
  { name: "3 pieces, run last to first", pieces: (n) => cut(n, [Math.floor(n / 3), Math.floor((2 * n) / 3)]).reverse() },
  { name: "item by item", pieces: (n) => cut(n, Array.from({ length: n }, (_, i) => i)) },
];

/** `cuts` cuts of each stage at pseudo-random points (a small LCG of `seed` and the stage; equal draws merge), the pieces run last to first. */
export function randomSplit(seed: number, cuts: number): Split {
  return {
    name: `${cuts} random cuts (seed ${seed}), run last to first`,
    pieces(items, stage = 0) {
      let s = (Math.imul(seed, 7919) + stage) >>> 0;
      const at = Array.from({ length: cuts }, () => 1 + ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) % Math.max(1, items - 1)));
      return cut(items, at).reverse();
    },
  };
}

/** Each stage cut at the fractions `at` of its items (⌊f·items⌋), the pieces run last to first. */
export function fractionSplit(at: readonly number[]): Split {
  return { name: `cut at ${at.join(", ")}, run last to first`, pieces: (items) => cut(items, at.map((f) => Math.floor(f * items))).reverse() };
}

/** Runs stages of `extents` items of the call record at `call` through `entry`, each cut as `split` cuts it. */
function runPieces(entry: StagedEntry, params: number, call: number, extents: readonly number[], split: Split): void {
  extents.forEach((items, stage) => {
    for (const [begin, end] of split.pieces(items, stage)) entry.run(params, call, stage, begin, end);
  });
}

/**
 * The bindings' call record (dist/call.js) of an operation, planned by CallRecord.plan, then run
 * here stage by stage in pieces. The plan's scratch is replaced by an arena region of the size
 * planned, prefilled and guarded, and reset to the sentinel before each run.
 */
export class StagedCall {
  private readonly call: CallRecord;
  private scratch = 0;
  private scratchFloats = 0;
  /** Items of each stage of the plan. */
  extents: number[] = [];

  constructor(private readonly a: Arena, private readonly entry: StagedEntry, private readonly params: number) {
    this.call = new CallRecord(heap, entry);
    a.defer(() => this.call.free());
  }

  /** The record's address: CallRecord keeps it in its field `ptr` (private to TypeScript, a plain property in dist/). */
  private get ptr(): number {
    const ptr = (this.call as unknown as { ptr?: unknown }).ptr;
    if (typeof ptr !== "number") throw new Error("tests/helpers/staged.ts: CallRecord no longer keeps its record's address in `ptr`");
    return ptr;
  }

  /** Plans on `o` (its C optional here, required where the bindings' Operands have it). */
  plan(o: Operands & { readonly c?: number }): number[] {
    const stages = this.call.plan(this.params, o, "a staged test", [o.n, o.h, o.w]);
    const at = this.ptr >>> 2;
    this.scratchFloats = Math.ceil(heap.f64[(this.ptr >>> 3) + CALL_SCRATCH_BYTES / 2] / 4);
    this.scratch = this.a.fresh(this.scratchFloats);
    heap.i32[at + CALL_SCRATCH] = this.scratch;
    this.extents = Array.from({ length: stages }, (_, s) => heap.i32[at + CALL_EXTENTS + s]);
    return this.extents;
  }

  /** Runs every stage of the plan cut as `split` cuts it. */
  run(split: Split): void {
    this.a.clear(this.scratch, this.scratchFloats);
    runPieces(this.entry, this.params, this.ptr, this.extents, split);
  }

  /** Whether nothing was written past the scratch. */
  scratchIntact(): boolean {
    return this.a.guardIntact(this.scratch, this.scratchFloats);
  }
}

/** A tensor of the call: its address and length in floats. */
export type Tensor = readonly [ptr: number, length: number];

/**
 * Runs a planned call whole, then cut by each of `splits`, each time from an output reset to the
 * sentinel: every run must write all of the output and nothing past it or its scratch, leave the
 * inputs as they were, and give the bytes of the whole run. Returns the whole run's output.
 */
export function checkSplits(t: ExecutionContext, a: Arena, call: StagedCall, inputs: readonly Tensor[], [y, length]: Tensor, what: string, splits: readonly Split[] = SPLITS): Float32Array {
  const before = inputs.map(([p, n]) => a.bits(p, n));
  const runOnce = (split: Split): Uint32Array => {
    a.clear(y, length);
    call.run(split);
    written(t, a, y, length, `${what}, ${split.name}: output`);
    t.true(call.scratchIntact(), `${what}, ${split.name}: wrote past the scratch`);
    inputs.forEach(([p, n], i) => sameBits(t, a.bits(p, n), before[i], `${what}, ${split.name}: input ${i} unchanged`));
    return a.bits(y, length);
  };
  const whole = runOnce(WHOLE);
  for (const split of splits) sameBits(t, runOnce(split), whole, `${what}, ${split.name} = whole`);
  return new Float32Array(whole.buffer);
}

/**
 * The staged entry and parameter record of a block. BlockBase keeps them in its fields `def` and
 * `params` (private to TypeScript, plain properties of the compiled class), so the test reaches
 * them from dist/ without a hook in the bindings.
 */
export function stagedOf(block: BlockBase): { entry: StagedEntry; params: number } {
  const b = block as unknown as { def?: { entry?: (w: typeof wasm) => StagedEntry }; params?: { ptr?: unknown }; heap?: { wasm?: unknown } };
  if (typeof b.def?.entry !== "function" || typeof b.params?.ptr !== "number" || b.heap?.wasm !== wasm) {
    throw new Error("tests/helpers/staged.ts: BlockBase no longer keeps its definition in `def`, its record in `params` and the module in `heap`");
  }
  return { entry: b.def.entry(wasm), params: b.params.ptr };
}

/** What a block's call record (dist/call.js CallRecord, the block's field `call`) keeps private, as the tests reach it. */
interface BlockCall {
  ptr: number;
  params: number;
  entry: StagedEntry;
  run: (stages: number) => void;
}

/**
 * Makes a block's own call record run every stage as `split` cuts it, over its scratch reset to
 * the sentinel first (so an item reading scratch no earlier stage or item wrote gives other
 * bytes); the block's run and io.run go through it. Returns a function that restores the record.
 */
export function splitBlockStages(block: BlockBase, split: Split): () => void {
  const call = (block as unknown as { call?: Partial<BlockCall> }).call;
  if (typeof call?.ptr !== "number" || typeof call.params !== "number" || typeof call.entry?.run !== "function" || typeof call.run !== "function") {
    throw new Error("tests/helpers/staged.ts: BlockBase no longer keeps its CallRecord in `call`, or CallRecord its `ptr`, `params`, `entry` and `run`");
  }
  const c = call as BlockCall, whole = c.run;
  c.run = (stages: number) => {
    const at = c.ptr >>> 2;
    clear(heap.i32[at + CALL_SCRATCH], Math.ceil(heap.f64[(c.ptr >>> 3) + CALL_SCRATCH_BYTES / 2] / 4));
    runPieces(c.entry, c.params, c.ptr, Array.from({ length: stages }, (_, s) => heap.i32[at + CALL_EXTENTS + s]), split);
  };
  return () => {
    c.run = whole;
  };
}
