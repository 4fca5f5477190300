// Weights: checked against the canonical state_dict names of SPEC §2, then copied into the
// module's memory once, at create, as one allocation per block.

import type { Heap } from "./memory.js";

/** A canonical key and its PyTorch shape (a 1×1 conv's [O, I, 1, 1] is written [O, I]: same bytes). */
export interface WeightSpec {
  readonly key: string;
  readonly shape: readonly number[];
}

export type Weights = Record<string, Float32Array>;

const IGNORED = /(^|\.)num_batches_tracked$/;

/** Checks that `weights` holds exactly `specs` (num_batches_tracked aside) with the right lengths. */
export function checkWeights(block: string, weights: unknown, specs: readonly WeightSpec[]): Weights {
  if (weights === null || typeof weights !== "object") throw new TypeError(`excite: ${block} weights must be an object of Float32Arrays keyed by state_dict name`);
  const given = weights as Record<string, unknown>;
  const expected = new Map(specs.map((s) => [s.key, s]));
  for (const key of Object.keys(given)) {
    if (!expected.has(key) && !IGNORED.test(key)) {
      const its = specs.length ? `its weights are ${specs.map((s) => s.key).join(", ")}` : "it takes no weights";
      throw new Error(`excite: ${block} does not use weight '${key}' (${its})`);
    }
  }
  const out: Weights = {};
  for (const { key, shape } of specs) {
    const w = given[key];
    const length = shape.reduce((a, b) => a * b, 1);
    if (w === undefined) throw new Error(`excite: ${block} weight '${key}' [${shape.join(", ")}] is missing`);
    if (!(w instanceof Float32Array)) throw new TypeError(`excite: ${block} weight '${key}' [${shape.join(", ")}] must be a Float32Array, got ${typeof w === "object" ? (w?.constructor?.name ?? "null") : typeof w}`);
    if (w.length !== length) throw new RangeError(`excite: ${block} weight '${key}' must be [${shape.join(", ")}] (${length} floats), got ${w.length} floats`);
    out[key] = w;
  }
  return out;
}

/**
 * Weights copied into one allocation of the module's memory, each 16-byte aligned. A key of
 * `sizes` gets that many floats instead, left for its owner to write (a weight transformed at
 * create into another shape).
 */
export class WeightPack {
  private base: number;
  private readonly offsets = new Map<string, number>();

  constructor(private readonly heap: Heap, weights: Weights, sizes: ReadonlyMap<string, number> = new Map()) {
    let floats = 0;
    for (const [key, w] of Object.entries(weights)) {
      this.offsets.set(key, floats);
      floats += ((sizes.get(key) ?? w.length) + 3) & ~3;
    }
    this.base = heap.allocFloats(floats);
    const mem = heap.f32;
    for (const [key, w] of Object.entries(weights)) if (!sizes.has(key)) mem.set(w, (this.base >>> 2) + this.offsets.get(key)!);
  }

  /** Byte offset of `key`'s floats, or 0 (the kernels' "absent") when the pack does not hold it. */
  ptr(key: string): number {
    const at = this.offsets.get(key);
    return at === undefined ? 0 : this.base + at * 4;
  }

  free(): void {
    this.heap.free(this.base);
    this.base = 0;
  }
}
