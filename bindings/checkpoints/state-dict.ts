// A peer's state_dict as fromCheckpoint reads it: the bytes of a safetensors file (shapes kept,
// F16 / BF16 / F64 converted as loadSafetensors converts them), tensors given as { shape, data },
// or loadSafetensors' Record<string, Float32Array>, whose tensors have lost their shapes (the
// driver then solves the sizes from the lengths where they tell).

import { loadSafetensors, parseSafetensors } from "../safetensors.js";
import { describe } from "../validate.js";

/** A tensor with its PyTorch shape. */
export interface ShapedTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** A state_dict: keys to tensors, with or without their shapes. */
export type StateDict = Readonly<Record<string, Float32Array | ShapedTensor>>;

/** What fromCheckpoint takes: a state_dict, or the bytes of a safetensors file holding one. */
export type CheckpointInput = StateDict | ArrayBuffer | ArrayBufferView;

/** One tensor of the state_dict; `shape` is undefined when only its length is known. */
export interface Entry {
  readonly data: Float32Array;
  readonly shape?: readonly number[];
}

/** BatchNorm's step counter: no block reads it. */
export const BATCHES_TRACKED = /(^|\.)num_batches_tracked$/;

const isBytes = (v: unknown): v is ArrayBuffer | ArrayBufferView => v instanceof ArrayBuffer || ArrayBuffer.isView(v);

function entryOf(key: string, v: unknown): Entry {
  if (v instanceof Float32Array) return { data: v };
  if (v !== null && typeof v === "object" && "data" in v && "shape" in v) {
    const { data, shape } = v as { data: unknown; shape: unknown };
    if (!(data instanceof Float32Array)) throw new TypeError(`excite: state_dict tensor '${key}' has data that is not a Float32Array (got ${describe(data)})`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new TypeError(`excite: state_dict tensor '${key}' has a shape that is not a list of sizes (got ${describe(shape)})`);
    }
    const n = shape.reduce((a: number, b: number) => a * b, 1);
    if (n !== data.length) throw new RangeError(`excite: state_dict tensor '${key}' is [${shape.join(", ")}] (${n} floats) but its data has ${data.length} floats`);
    return { data, shape };
  }
  throw new TypeError(`excite: state_dict tensor '${key}' must be a Float32Array or { shape, data }, got ${describe(v)}`);
}

/** The state_dict's tensors in their order, num_batches_tracked left out. */
export function readStateDict(input: unknown): Map<string, Entry> {
  const out = new Map<string, Entry>();
  if (isBytes(input)) {
    const shapes = parseSafetensors(input).tensors;
    for (const [key, data] of Object.entries(loadSafetensors(input))) out.set(key, { data, shape: shapes[key].shape });
    return out;
  }
  if (input === null || typeof input !== "object") {
    throw new TypeError(`excite: a checkpoint must be a state_dict (an object of tensors keyed by name) or the bytes of a safetensors file, got ${describe(input)}`);
  }
  for (const [key, v] of Object.entries(input)) if (!BATCHES_TRACKED.test(key)) out.set(key, entryOf(key, v));
  return out;
}
