// Checks of what callers pass in: dims, tensors, outputs and options. Every check runs before
// anything is written, and every error says what was expected and what was received.

import { MAX_FLOATS } from "./memory.js";

/** A tensor's dims, in its layout's order: [N, C, H, W] (NCHW) or [N, H, W, C] (NHWC). */
export type Dims = readonly [number, number, number, number];

export type Layout = "nchw" | "nhwc";

/** A tensor's logical shape, whatever its layout. */
export interface Shape {
  readonly n: number;
  readonly c: number;
  readonly h: number;
  readonly w: number;
}

const AXES: Record<Layout, string> = { nchw: "NCHW", nhwc: "NHWC" };

export const describe = (v: unknown): string =>
  v === null ? "null" : Array.isArray(v) ? `an array of length ${v.length}` : typeof v === "object" ? (v.constructor?.name ?? "an object") : `${typeof v} ${String(v)}`;

/** The shape of dims `d` in `layout`. */
export const shapeOf = (d: Dims, layout: Layout): Shape => (layout === "nchw" ? { n: d[0], c: d[1], h: d[2], w: d[3] } : { n: d[0], h: d[1], w: d[2], c: d[3] });
/** The dims of `s` in `layout`. */
export const dimsOf = (s: Shape, layout: Layout): Dims => (layout === "nchw" ? [s.n, s.c, s.h, s.w] : [s.n, s.h, s.w, s.c]);

/** `dims` as four positive safe integers, in `layout`'s order, whose product fits the module's memory. */
export function checkDims(dims: unknown, layout: Layout = "nchw", what = "dims"): Dims {
  const axes = AXES[layout];
  if (!Array.isArray(dims) || dims.length !== 4) throw new TypeError(`excite: ${what} must be an array [${axes.split("").join(", ")}] of length 4, got ${describe(dims)}`);
  dims.forEach((d, i) => {
    if (typeof d !== "number" || !Number.isSafeInteger(d) || d < 1) {
      throw new RangeError(`excite: ${what}[${i}] (${axes[i]}) must be a positive safe integer, got ${describe(d)}`);
    }
  });
  const d = dims as unknown as Dims;
  if (d[0] * d[1] * d[2] * d[3] > MAX_FLOATS) throw new RangeError(`excite: ${what} [${d.join(", ")}] has more than ${MAX_FLOATS} elements`);
  return [d[0], d[1], d[2], d[3]];
}

/** Input dims of a block built for `channels` input channels (undefined: any). */
export function checkInputDims(dims: unknown, channels: number | undefined, layout: Layout = "nchw"): Dims {
  const d = checkDims(dims, layout);
  const c = shapeOf(d, layout).c;
  if (channels !== undefined && c !== channels) throw new RangeError(`excite: this block was built for ${channels} channels, but dims [${d.join(", ")}] (${AXES[layout]}) has C = ${c}`);
  return d;
}

/** Whether `a` is a view of a detached ArrayBuffer (Node 20 has no ArrayBuffer.prototype.detached: constructing a view of one throws). */
export function isDetached(a: ArrayBufferView): boolean {
  if (a.byteLength !== 0 || a.buffer.byteLength !== 0) return false;
  try {
    new Uint8Array(a.buffer);
    return false;
  } catch {
    return true;
  }
}

/** A tensor operand `name` (e.g. "the input") of dims `d`. */
export function checkTensor(name: string, x: unknown, d: Dims, layout: Layout = "nchw"): Float32Array {
  if (!(x instanceof Float32Array)) throw new TypeError(`excite: ${name} must be a Float32Array, got ${describe(x)}`);
  const expected = d[0] * d[1] * d[2] * d[3];
  if (x.length !== expected) {
    if (isDetached(x)) throw new TypeError(`excite: ${name} is a view of a detached ArrayBuffer (a view of the module's memory taken before it grew?): take the view again`);
    throw new RangeError(`excite: ${name} has ${x.length} elements, but dims [${d.join(", ")}] need ${AXES[layout].split("").join("·")} = ${expected}`);
  }
  return x;
}

/** The input of a block built for `channels` channels: returns its dims. */
export function checkInput(x: unknown, dims: unknown, channels: number | undefined, layout: Layout = "nchw"): Dims {
  if (!(x instanceof Float32Array)) throw new TypeError(`excite: the input must be a Float32Array, got ${describe(x)}`);
  const d = checkInputDims(dims, channels, layout);
  checkTensor("the input", x, d, layout);
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

/**
 * R = max(least, floor(C / reduction)) (least 1 for SPEC §2's blocks, 8 for coordinate attention's
 * mip), or `reducedChannels` when given, also below `least` (timm rounds it to multiples of 8).
 */
export function reducedChannels(block: string, channels: number, reduction: unknown, explicit: unknown, defaultReduction: number, least = 1): number {
  // a bad reduction is an error even where reducedChannels overrides it
  const r = positiveInt(block, "reduction", reduction, defaultReduction);
  if (explicit !== undefined) return positiveInt(block, "reducedChannels", explicit);
  return Math.max(least, Math.floor(channels / r));
}

/** The layout option: 'nchw' (PyTorch's, the default) or 'nhwc' (TensorFlow.js's). */
export function layout(block: string, v: unknown): Layout {
  return oneOf<Layout>(block, "layout", v, ["nchw", "nhwc"], "nchw");
}
