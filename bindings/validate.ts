// Checks of what callers pass in: dims, tensors, outputs and options. Every check runs before
// anything is written, and every error says what was expected and what was received.

import { MAX_FLOATS } from "./memory.js";

/** [N, C, H, W]. */
export type Dims = readonly [number, number, number, number];

const describe = (v: unknown): string =>
  v === null ? "null" : Array.isArray(v) ? `an array of length ${v.length}` : typeof v === "object" ? (v.constructor?.name ?? "an object") : `${typeof v} ${String(v)}`;

/** `dims` as [N, C, H, W] of positive safe integers whose product fits the module's memory. */
export function checkDims(dims: unknown, what = "dims"): Dims {
  if (!Array.isArray(dims) || dims.length !== 4) throw new TypeError(`excite: ${what} must be an array [N, C, H, W] of length 4, got ${describe(dims)}`);
  dims.forEach((d, i) => {
    if (typeof d !== "number" || !Number.isSafeInteger(d) || d < 1) {
      throw new RangeError(`excite: ${what}[${i}] (${"NCHW"[i]}) must be a positive safe integer, got ${describe(d)}`);
    }
  });
  const [n, c, h, w] = dims as number[];
  if (n * c * h * w > MAX_FLOATS) throw new RangeError(`excite: ${what} [${dims.join(", ")}] has more than ${MAX_FLOATS} elements`);
  return [n, c, h, w];
}

/** Input dims of a block built for `channels` input channels. */
export function checkInputDims(dims: unknown, channels: number): Dims {
  const d = checkDims(dims);
  if (d[1] !== channels) throw new RangeError(`excite: this block was built for ${channels} channels, but dims [${d.join(", ")}] has C = ${d[1]}`);
  return d;
}

/** The input of a block built for `channels` channels: returns its dims. */
export function checkInput(x: unknown, dims: unknown, channels: number): Dims {
  if (!(x instanceof Float32Array)) throw new TypeError(`excite: the input must be a Float32Array, got ${describe(x)}`);
  const d = checkInputDims(dims, channels);
  const expected = d[0] * d[1] * d[2] * d[3];
  if (x.length !== expected) throw new RangeError(`excite: the input has ${x.length} elements, but dims [${d.join(", ")}] need N·C·H·W = ${expected}`);
  return d;
}

/** `out`, when given, must be a Float32Array of exactly `length` floats. */
export function checkOut(out: unknown, length: number, outDims: Dims): Float32Array | undefined {
  if (out === undefined) return undefined;
  if (!(out instanceof Float32Array)) throw new TypeError(`excite: out must be a Float32Array, got ${describe(out)}`);
  if (out.length !== length) throw new RangeError(`excite: out has ${out.length} elements, but the output [${outDims.join(", ")}] has ${length}`);
  return out;
}

export const numel = (d: Dims): number => d[0] * d[1] * d[2] * d[3];

// ---- options ----

/** Throws on an option that the block does not know (a misspelt option would otherwise be silently ignored). */
export function checkOptionKeys<T>(block: string, options: T, known: readonly string[]): T {
  if (options === null || typeof options !== "object") throw new TypeError(`excite: ${block} options must be an object, got ${describe(options)}`);
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new TypeError(`excite: ${block} has no option '${key}'; its options are ${known.join(", ")}`);
  }
  return options;
}

export function positiveInt(block: string, name: string, v: unknown, fallback?: number): number {
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 1) throw new RangeError(`excite: ${block} option ${name} must be a positive integer, got ${describe(v)}`);
  return v;
}

export function bool(block: string, name: string, v: unknown, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  if (typeof v !== "boolean") throw new TypeError(`excite: ${block} option ${name} must be true or false, got ${describe(v)}`);
  return v;
}

export function finite(block: string, name: string, v: unknown, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== "number" || !Number.isFinite(v)) throw new RangeError(`excite: ${block} option ${name} must be a finite number, got ${describe(v)}`);
  return v;
}

export function oneOf<T extends string>(block: string, name: string, v: unknown, allowed: readonly T[], fallback: T): T {
  if (v === undefined) return fallback;
  if (!allowed.includes(v as T)) throw new RangeError(`excite: ${block} option ${name} must be one of ${allowed.map((a) => `'${a}'`).join(", ")}, got ${describe(v)}`);
  return v as T;
}

/** R = max(1, floor(C / reduction)), or `reducedChannels` when given (timm rounds it to multiples of 8). */
export function reducedChannels(block: string, channels: number, reduction: unknown, explicit: unknown, defaultReduction: number): number {
  if (explicit !== undefined) return positiveInt(block, "reducedChannels", explicit);
  return Math.max(1, Math.floor(channels / positiveInt(block, "reduction", reduction, defaultReduction)));
}
