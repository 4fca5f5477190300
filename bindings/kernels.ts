// The public kernels (SPEC §2, "the generic recipe"): the operations the blocks are made of,
// over Float32Arrays, so that a block excite does not ship can be written from them: global and
// channel pooling, 1×1 and k×k convolution, a linear layer, the gates and activations, channel
// and spatial scaling.
//
// They are synchronous: `await kernels.ready()` once (it instantiates the shared WebAssembly
// module), then call them. Each call copies its operands into one reused workspace of the
// module's memory, runs the kernel and copies the result out (into `out` when given: exactly
// the result's length, and it may be an input). Bad input throws before anything is written.

import type { ExciteExports } from "./abi.js";
import { CallRecord } from "./call.js";
import { type Conv, convRecord, exactWeightKey, packConv, packedFloats, packedKey, usesWinograd } from "./conv-params.js";
import { EPILOGUE_NONE, EPILOGUE_RELU, POOL_AVG, POOL_LP, POOL_LSE, POOL_MAX } from "./constants.js";
import { type Heap, MAX_FLOATS, sharedHeap, Workspace } from "./memory.js";
import { ParamRecord } from "./params.js";
import { bool, checkDims, checkInput, checkOptionKeys, type Dims, finite, oneOf, positiveInt } from "./validate.js";

let heap: Heap | undefined;
let workspace: Workspace | undefined;
let convCall: CallRecord | undefined;

/** Instantiates the module the kernels run in (shared with the blocks). Await it once before calling a kernel. */
async function ready(): Promise<void> {
  if (heap) return;
  const h = await sharedHeap();
  heap ??= h;
  workspace ??= new Workspace(h);
  convCall ??= new CallRecord(h, { plan: h.wasm.f32_conv2d_nchw_plan, run: h.wasm.f32_conv2d_nchw_run });
}

const regionBytes = (floats: number): number => ((floats * 4 + 15) & ~15) + 16;

const describe = (v: unknown): string => (v === null ? "null" : typeof v === "object" ? ((v as object).constructor?.name ?? "an object") : `${typeof v} ${String(v)}`);

function floatArray(fn: string, name: string, v: unknown, length?: number, shape?: string): Float32Array {
  if (!(v instanceof Float32Array)) throw new TypeError(`excite: kernels.${fn}: ${name} must be a Float32Array, got ${describe(v)}`);
  if (length !== undefined && v.length !== length) throw new RangeError(`excite: kernels.${fn}: ${name} must have ${length} elements${shape ? ` (${shape})` : ""}, got ${v.length}`);
  return v;
}

function checkOutput(fn: string, out: unknown, length: number, shape: string): Float32Array | undefined {
  if (out === undefined) return undefined;
  if (!(out instanceof Float32Array)) throw new TypeError(`excite: kernels.${fn}: out must be a Float32Array, got ${describe(out)}`);
  if (out.length !== length) throw new RangeError(`excite: kernels.${fn}: out has ${out.length} elements, but the result ${shape} has ${length}`);
  return out;
}

/**
 * Runs `compute` on copies of `inputs` in the module's memory, with `outLength` floats of output
 * and `scratchBytes(wasm)` bytes of scratch; returns the output (in `target` when given).
 */
function call(
  fn: string, inputs: readonly Float32Array[], outLength: number, target: Float32Array | undefined,
  compute: (wasm: ExciteExports, inputPtrs: number[], y: number, scratch: number) => void,
  scratchBytes: (wasm: ExciteExports) => number = () => 0,
): Float32Array {
  if (!heap || !workspace) throw new Error(`excite: kernels.${fn} was called before the module was ready: await kernels.ready() once first`);
  const sizes = [...inputs.map((a) => regionBytes(a.length)), regionBytes(outLength), scratchBytes(heap.wasm)];
  const base = workspace.reserve(sizes.reduce((a, b) => a + b, 0));
  const ptrs: number[] = [];
  let at = base;
  for (const size of sizes) {
    ptrs.push(at);
    at += size;
  }
  const mem = heap.f32;
  inputs.forEach((a, i) => mem.set(a, ptrs[i] >>> 2));
  const y = ptrs[inputs.length];
  compute(heap.wasm, ptrs.slice(0, inputs.length), y, ptrs[inputs.length + 1]);
  const result = heap.f32.subarray(y >>> 2, (y >>> 2) + outLength);
  if (target) {
    target.set(result);
    return target;
  }
  return result.slice();
}

/** x as a tensor of dims [N, C, H, W], any C. */
const input = (x: unknown, dims: unknown): Dims => checkInput(x, dims, checkDims(dims)[1]);

// ---- pooling ----

export type GlobalPool = "avg" | "max" | "lp" | "lse";
export type ChannelPool = "avg" | "max";

/**
 * The global pool of every plane of x [N, C, H, W] → [N, C]: 'avg' (mean over H, W), 'max',
 * 'lp' (√Σx², CBAM's), 'lse' (log Σ eˣ, numerically stable, CBAM's).
 */
function globalPool(x: Float32Array, dims: readonly number[], pool: GlobalPool = "avg", out?: Float32Array): Float32Array {
  const [n, c, h, w] = input(x, dims);
  const kind = oneOf("kernels.globalPool", "pool", pool, ["avg", "max", "lp", "lse"] as const, "avg");
  const target = checkOutput("globalPool", out, n * c, `[${n}, ${c}]`);
  const code = { avg: POOL_AVG, max: POOL_MAX, lp: POOL_LP, lse: POOL_LSE }[kind];
  return call("globalPool", [x], n * c, target, (m, [xp], y) => m.f32_gpool_cw(xp, n * c, h * w, code, y));
}

/** The pool over the channels at every pixel of x [N, C, H, W] → [N, 1, H, W]: 'avg' (meanC) or 'max' (maxC). */
function channelPool(x: Float32Array, dims: readonly number[], pool: ChannelPool = "avg", out?: Float32Array): Float32Array {
  const [n, c, h, w] = input(x, dims);
  const kind = oneOf("kernels.channelPool", "pool", pool, ["avg", "max"] as const, "avg");
  const target = checkOutput("channelPool", out, n * h * w, `[${n}, 1, ${h}, ${w}]`);
  // both statistics are taken in one pass; the one not asked for goes to scratch
  return call("channelPool", [x], n * h * w, target, (m, [xp], y, other) => {
    m.f32_cpool_cw(xp, n, c, h * w, kind === "max" ? y : other, kind === "max" ? other : y);
  }, () => regionBytes(n * h * w));
}

// ---- convolution and linear layers ----

/** A 2-D convolution as PyTorch's Conv2d (zero padding). Pairs are [along H, along W]. */
export interface Conv2dParams {
  /** The weight, PyTorch's layout [O, C/groups, kh, kw]. */
  weight: Float32Array;
  /** Its shape [O, C/groups, kh, kw]. */
  weightShape: readonly [number, number, number, number];
  /** [O], or none. */
  bias?: Float32Array;
  /** Default 1. */
  stride?: number | readonly [number, number];
  /** Zeros added on each side; default 0. */
  padding?: number | readonly [number, number];
  /** Default 1. */
  dilation?: number | readonly [number, number];
  /** Default 1; C and O must be multiples of it. */
  groups?: number;
  /** Apply a ReLU to the result (default false). */
  relu?: boolean;
}

interface ConvGeometry {
  readonly o: number; readonly kh: number; readonly kw: number; readonly sh: number; readonly sw: number;
  readonly dh: number; readonly dw: number; readonly ph: number; readonly pw: number; readonly groups: number;
  readonly outDims: Dims;
}

function pair(fn: string, name: string, v: unknown, fallback: number, min: number): [number, number] {
  const check = (x: unknown, what: string) => {
    if (typeof x !== "number" || !Number.isSafeInteger(x) || x < min) throw new RangeError(`excite: kernels.${fn}: ${what} must be ${min === 0 ? "a non-negative" : "a positive"} integer, got ${describe(x)}`);
    return x;
  };
  if (v === undefined) return [fallback, fallback];
  if (Array.isArray(v)) {
    if (v.length !== 2) throw new TypeError(`excite: kernels.${fn}: ${name} must be a number or a pair [h, w], got an array of length ${v.length}`);
    return [check(v[0], `${name}[0]`), check(v[1], `${name}[1]`)];
  }
  const x = check(v, name);
  return [x, x];
}

function convGeometry(fn: string, d: Dims, p: Conv2dParams): ConvGeometry {
  if (p === null || typeof p !== "object") throw new TypeError(`excite: kernels.${fn}: the convolution parameters must be an object, got ${describe(p)}`);
  const shape = p.weightShape;
  if (!Array.isArray(shape) || shape.length !== 4) throw new TypeError(`excite: kernels.${fn}: weightShape must be [O, C/groups, kh, kw]`);
  shape.forEach((v, i) => positiveInt(`kernels.${fn}`, `weightShape[${i}]`, v));
  const [o, cg, kh, kw] = shape;
  floatArray(fn, "weight", p.weight, o * cg * kh * kw, `weightShape [${shape.join(", ")}]`);
  if (p.bias !== undefined) floatArray(fn, "bias", p.bias, o, `[${o}]`);
  const groups = positiveInt(`kernels.${fn}`, "groups", p.groups, 1);
  if (d[1] !== cg * groups) throw new RangeError(`excite: kernels.${fn}: the input has C = ${d[1]}, but weightShape [${shape.join(", ")}] with groups ${groups} needs C = ${cg * groups}`);
  if (o % groups) throw new RangeError(`excite: kernels.${fn}: O = ${o} is not a multiple of groups ${groups}`);
  bool(`kernels.${fn}`, "relu", p.relu, false);
  const [sh, sw] = pair(fn, "stride", p.stride, 1, 1);
  const [ph, pw] = pair(fn, "padding", p.padding, 0, 0);
  const [dh, dw] = pair(fn, "dilation", p.dilation, 1, 1);
  const oh = Math.floor((d[2] + 2 * ph - dh * (kh - 1) - 1) / sh) + 1;
  const ow = Math.floor((d[3] + 2 * pw - dw * (kw - 1) - 1) / sw) + 1;
  if (oh < 1 || ow < 1) throw new RangeError(`excite: kernels.${fn}: the input [${d.join(", ")}] padded by [${ph}, ${pw}] is smaller than the dilated kernel [${dh * (kh - 1) + 1}, ${dw * (kw - 1) + 1}]`);
  if (d[0] * o * oh * ow > MAX_FLOATS) throw new RangeError(`excite: kernels.${fn}: the result [${[d[0], o, oh, ow].join(", ")}] has more than ${MAX_FLOATS} elements`);
  return { o, kh, kw, sh, sw, dh, dw, ph, pw, groups, outDims: [d[0], o, oh, ow] };
}

/** The output dims of conv2d(x of dims `dims`, `params`). */
function conv2dOutputDims(dims: readonly number[], params: Conv2dParams): Dims {
  return convGeometry("conv2dOutputDims", checkDims(dims), params).outDims;
}

/** y = conv2d(x [N, C, H, W]) → conv2dOutputDims(dims, params), as PyTorch's Conv2d (then ReLU with `relu`). */
function conv2d(x: Float32Array, dims: readonly number[], params: Conv2dParams, out?: Float32Array): Float32Array {
  return convolve("conv2d", x, dims, params, out);
}

function convolve(fn: string, x: Float32Array, dims: readonly number[], params: Conv2dParams, out?: Float32Array): Float32Array {
  const d = input(x, dims);
  const g = convGeometry(fn, d, params);
  const [n, c, h, w] = d;
  const outLength = g.outDims[0] * g.outDims[1] * g.outDims[2] * g.outDims[3];
  const target = checkOutput(fn, out, outLength, `[${g.outDims.join(", ")}]`);
  const inputs = [x, params.weight, ...(params.bias ? [params.bias] : [])];
  const conv: Conv = {
    cin: c, cout: g.o, kh: g.kh, kw: g.kw, stride: [g.sh, g.sw], padding: [g.ph, g.pw], dilation: [g.dh, g.dw], groups: g.groups,
    epilogue: params.relu ? EPILOGUE_RELU : EPILOGUE_NONE, weight: "weight", bias: params.bias === undefined ? undefined : "bias", exactNonFinite: true,
  };
  // a NaN or ±Inf weight: the exact pass (conv-params.ts) reads the unpacked weights, the copy in scratch
  const exact = !params.weight.every(Number.isFinite);
  // scratch: the packed weights; the call's own scratch is the conv call record's
  return call(fn, inputs, outLength, target, (m, [xp, raw, bias], y, packed) => {
    packConv(m, conv, exact, raw, packed);
    const record = new ParamRecord(heap!, convRecord(conv, { ptr: (key) => (key === packedKey(conv, exact) ? packed : key === "bias" ? bias : key === exactWeightKey("weight") && (exact || usesWinograd(conv, exact)) ? raw : 0) }));
    try {
      convCall!.run(convCall!.plan(record.ptr, { x: xp, y, n, c, h, w }, `kernels.${fn}`, d));
    } finally {
      record.free();
    }
  }, () => regionBytes(packedFloats(conv, exact)));
}

/** A 1×1 convolution of x [N, C, H, W] by weight [O, C] (or [O, C, 1, 1]) plus bias [O] → [N, O, H, W]. */
function conv1x1(x: Float32Array, dims: readonly number[], params: { weight: Float32Array; bias?: Float32Array; relu?: boolean }, out?: Float32Array): Float32Array {
  const d = input(x, dims);
  const weight = floatArray("conv1x1", "weight", params?.weight);
  if (weight.length === 0 || weight.length % d[1]) throw new RangeError(`excite: kernels.conv1x1: weight must be [O, ${d[1]}] for the input's C = ${d[1]}, got ${weight.length} floats`);
  return convolve("conv1x1", x, d, { ...params, weightShape: [weight.length / d[1], d[1], 1, 1] }, out);
}

/** y [rows, O] = x [rows, I]·weightᵀ + bias, weight [O, I] (PyTorch's Linear). */
function linear(x: Float32Array, shape: readonly [number, number], params: { weight: Float32Array; bias?: Float32Array }, out?: Float32Array): Float32Array {
  if (!Array.isArray(shape) || shape.length !== 2) throw new TypeError(`excite: kernels.linear: shape must be [rows, inFeatures]`);
  const rows = positiveInt("kernels.linear", "shape[0]", shape[0]), inF = positiveInt("kernels.linear", "shape[1]", shape[1]);
  floatArray("linear", "x", x, rows * inF, `[${rows}, ${inF}]`);
  const weight = floatArray("linear", "weight", params?.weight);
  if (weight.length === 0 || weight.length % inF) throw new RangeError(`excite: kernels.linear: weight must be [O, ${inF}], got ${weight.length} floats`);
  const o = weight.length / inF;
  if (params.bias !== undefined) floatArray("linear", "bias", params.bias, o, `[${o}]`);
  const target = checkOutput("linear", out, rows * o, `[${rows}, ${o}]`);
  const inputs = [x, weight, ...(params.bias ? [params.bias] : [])];
  return call("linear", inputs, rows * o, target, (m, [xp, wp, bp], y) => m.f32_dense(xp, rows, inF, wp, bp ?? 0, o, y));
}

// ---- gates and activations (elementwise, any length) ----

type Unary = "f32_vsigmoid" | "f32_vrelu" | "f32_vsilu" | "f32_vhardswish";

function unary(fn: string, kernel: Unary, x: Float32Array, out?: Float32Array): Float32Array {
  floatArray(fn, "x", x);
  const target = checkOutput(fn, out, x.length, `of ${x.length} elements`);
  return call(fn, [x], x.length, target, (m, [xp], y) => m[kernel](xp, x.length, y));
}

/** σ(x) = 1 / (1 + e⁻ˣ). */
const sigmoid = (x: Float32Array, out?: Float32Array): Float32Array => unary("sigmoid", "f32_vsigmoid", x, out);
/** max(x, 0). */
const relu = (x: Float32Array, out?: Float32Array): Float32Array => unary("relu", "f32_vrelu", x, out);
/** x·σ(x). */
const silu = (x: Float32Array, out?: Float32Array): Float32Array => unary("silu", "f32_vsilu", x, out);
/** x·relu6(x + 3)/6. */
const hardSwish = (x: Float32Array, out?: Float32Array): Float32Array => unary("hardSwish", "f32_vhardswish", x, out);

/** clamp(alpha·x + beta, 0, 1); PyTorch's alpha = 1/6, beta = 1/2 by default (ONNX / Paddle: 0.2, 0.5). */
function hardSigmoid(x: Float32Array, params: { alpha?: number; beta?: number } = {}, out?: Float32Array): Float32Array {
  floatArray("hardSigmoid", "x", x);
  checkOptionKeys("kernels.hardSigmoid", params, ["alpha", "beta"]);
  const alpha = finite("kernels.hardSigmoid", "alpha", params.alpha, 1 / 6), beta = finite("kernels.hardSigmoid", "beta", params.beta, 0.5);
  const target = checkOutput("hardSigmoid", out, x.length, `of ${x.length} elements`);
  return call("hardSigmoid", [x], x.length, target, (m, [xp], y) => m.f32_vhardsigmoid(xp, x.length, alpha, beta, y));
}

// ---- recalibration ----

/** y[n, c, h, w] = x[n, c, h, w]·s[n, c] (SE's scaling), s [N, C]. */
function scaleChannels(x: Float32Array, dims: readonly number[], s: Float32Array, out?: Float32Array): Float32Array {
  const [n, c, h, w] = input(x, dims);
  floatArray("scaleChannels", "s", s, n * c, `[${n}, ${c}]`);
  const target = checkOutput("scaleChannels", out, x.length, `[${n}, ${c}, ${h}, ${w}]`);
  return call("scaleChannels", [x, s], x.length, target, (m, [xp, sp], y) => m.f32_vscale_channel_cw(xp, h * w, sp, y, 0, n * c));
}

/** y[n, c, h, w] = x[n, c, h, w]·q[n, h, w] (sSE's scaling), q [N, 1, H, W]. */
function scaleSpatial(x: Float32Array, dims: readonly number[], q: Float32Array, out?: Float32Array): Float32Array {
  const [n, c, h, w] = input(x, dims);
  floatArray("scaleSpatial", "q", q, n * h * w, `[${n}, 1, ${h}, ${w}]`);
  const target = checkOutput("scaleSpatial", out, x.length, `[${n}, ${c}, ${h}, ${w}]`);
  return call("scaleSpatial", [x, q], x.length, target, (m, [xp, qp], y) => m.f32_vscale_spatial_cw(xp, c, h * w, qp, y, 0, n * c));
}

/** The kernels behind the blocks, over Float32Arrays (NCHW). `await kernels.ready()` before the first call. */
export const kernels = Object.freeze({
  ready,
  globalPool,
  channelPool,
  conv2d,
  conv2dOutputDims,
  conv1x1,
  linear,
  sigmoid,
  hardSigmoid,
  relu,
  silu,
  hardSwish,
  scaleChannels,
  scaleSpatial,
});
