// Recognisers for the layers attention blocks are made of, each walking back from the tensor
// a layer computes: global pools, channel pools, fully connected layers (1×1 Conv, Gemm,
// MatMul + Add), gates (Sigmoid, HardSigmoid, k·clamp(a·z + b, lo, hi) + c as exporters write
// relu6(z + 3)/6) and activations (Relu, HardSwish and z·hardsigmoid(z), SiLU as z·σ(z)).

import { axesOf, floatAttr, type Graph, intAttr, intsAttr, stringAttr } from "./graph.js";
import type { NodeProto, TensorProto } from "./proto.js";
import { type Dims, num, type ShapeContext, sym } from "./shape.js";

export type GlobalPoolKind = "avg" | "max" | "lp" | "lse";

export interface GlobalPool {
  kind: GlobalPoolKind | "avgmax";
  /** The pooled tensor. */
  x: string;
  keepDims: boolean;
  nodes: NodeProto[];
}

const GLOBAL_POOL_OPS: Record<string, GlobalPoolKind> = { GlobalAveragePool: "avg", GlobalMaxPool: "max" };
const REDUCE_OPS: Record<string, GlobalPoolKind> = { ReduceMean: "avg", ReduceMax: "max", ReduceL2: "lp", ReduceLogSumExp: "lse" };

/** A Reduce* over exactly `axes` of a 4-D tensor (negative axes read as rank 4). */
function reducesOver(g: Graph, n: NodeProto, axes: number[]): boolean {
  const got = axesOf(g, n)?.map((a) => (a < 0 ? a + 4 : a)).sort();
  return got !== undefined && got.length === axes.length && got.every((a, i) => a === axes[i]);
}

function singlePool(g: Graph, t: string): GlobalPool | undefined {
  const n = g.producer(t, ...Object.keys(GLOBAL_POOL_OPS), ...Object.keys(REDUCE_OPS));
  if (n === undefined) return undefined;
  if (n.opType in GLOBAL_POOL_OPS) return { kind: GLOBAL_POOL_OPS[n.opType], x: n.inputs[0], keepDims: true, nodes: [n] };
  if (!reducesOver(g, n, [2, 3])) return undefined;
  return { kind: REDUCE_OPS[n.opType], x: n.inputs[0], keepDims: intAttr(n, "keepdims", 1) === 1, nodes: [n] };
}

/** The pool computing `t`: one of GAP, GMP, LP, LSE over H, W, or timm's 0.5·GAP + 0.5·GMP. */
export function matchGlobalPool(g: Graph, t: string): GlobalPool | undefined {
  const single = singlePool(g, t);
  if (single !== undefined) return single;
  const add = g.producer(t, "Add");
  if (add === undefined) return undefined;
  const halves = add.inputs.map((h) => {
    const mul = g.producer(h, "Mul");
    if (mul === undefined) return undefined;
    const at = mul.inputs.findIndex((i) => g.scalar(i) === 0.5);
    return at < 0 ? undefined : { mul, pool: singlePool(g, mul.inputs[1 - at]) };
  });
  const [a, b] = halves;
  if (a?.pool === undefined || b?.pool === undefined || a.pool.x !== b.pool.x || a.pool.keepDims !== b.pool.keepDims) return undefined;
  const kinds = [a.pool.kind, b.pool.kind].sort().join();
  if (kinds !== "avg,max") return undefined;
  return { kind: "avgmax", x: a.pool.x, keepDims: a.pool.keepDims, nodes: [...a.pool.nodes, ...b.pool.nodes, a.mul, b.mul, add] };
}

export function globalPoolDims(p: GlobalPool): Dims {
  return p.keepDims ? [sym("N"), sym("C"), num(1), num(1)] : [sym("N"), sym("C")];
}

/** A mean or max over the channels of `t`'s producer (keepdims, or keepdims 0 and Unsqueeze(1)): CBAM's maps. */
export function matchChannelPool(g: Graph, t: string): { kind: "avg" | "max"; x: string; nodes: NodeProto[] } | undefined {
  let n = g.producer(t, "ReduceMean", "ReduceMax");
  const nodes: NodeProto[] = [];
  if (n === undefined) {
    const u = g.producer(t, "Unsqueeze");
    const axes = u === undefined ? undefined : axesOf(g, u);
    if (u === undefined || axes?.length !== 1 || (axes[0] !== 1 && axes[0] !== -3)) return undefined;
    n = g.producer(u.inputs[0], "ReduceMean", "ReduceMax");
    if (n === undefined || intAttr(n, "keepdims", 1) !== 0) return undefined;
    nodes.push(u);
  } else if (intAttr(n, "keepdims", 1) !== 1) return undefined;
  if (!reducesOver(g, n, [1])) return undefined;
  nodes.unshift(n);
  return { kind: n.opType === "ReduceMean" ? "avg" : "max", x: n.inputs[0], nodes };
}

// --- fully connected layers ----------------------------------------------------------

/** y = x·Wᵀ + b over the channel dim, as a 1×1 Conv, a Gemm or a MatMul (+ Add). */
export interface FullyConnected {
  form: "conv" | "gemm" | "matmul";
  input: string;
  nodes: NodeProto[];
  outFeatures: number;
  inFeatures: number;
  weight: TensorProto;
  /** Whether `weight` is stored [I, O] (MatMul, Gemm with transB = 0) rather than [O, I]. */
  transposed: boolean;
  bias?: TensorProto;
  /** Gemm's alpha and beta (1 elsewhere). */
  alpha: number;
  beta: number;
}

const allEqual = (xs: number[] | undefined, v: number) => xs === undefined || xs.every((x) => x === v);

/** A Conv with one group, unit strides and dilations, and no padding (`auto_pad` NOTSET or VALID). */
export function plainConv(n: NodeProto): boolean {
  const autoPad = stringAttr(n, "auto_pad") ?? "NOTSET";
  return intAttr(n, "group", 1) === 1 && allEqual(intsAttr(n, "strides"), 1) && allEqual(intsAttr(n, "dilations"), 1) &&
    (autoPad === "NOTSET" || autoPad === "VALID");
}

export function matchFullyConnected(g: Graph, t: string): FullyConnected | undefined {
  const n = g.producer(t, "Conv", "Gemm", "MatMul", "Add");
  if (n === undefined) return undefined;
  if (n.opType === "Conv") {
    const w = g.constant(n.inputs[1]);
    if (w === undefined || w.dims.length !== 4 || w.dims[2] !== 1 || w.dims[3] !== 1 || !plainConv(n) || !allEqual(intsAttr(n, "pads"), 0)) return undefined;
    const bias = optionalConstant(g, n.inputs[2], w.dims[0]);
    if (bias === null) return undefined;
    return { form: "conv", input: n.inputs[0], nodes: [n], outFeatures: w.dims[0], inFeatures: w.dims[1], weight: w, transposed: false, bias, alpha: 1, beta: 1 };
  }
  if (n.opType === "Gemm") {
    const w = g.constant(n.inputs[1]), transB = intAttr(n, "transB", 0) === 1;
    if (w === undefined || w.dims.length !== 2 || intAttr(n, "transA", 0) !== 0) return undefined;
    const [o, i] = transB ? w.dims : [w.dims[1], w.dims[0]];
    const bias = optionalConstant(g, n.inputs[2], o);
    if (bias === null) return undefined;
    return { form: "gemm", input: n.inputs[0], nodes: [n], outFeatures: o, inFeatures: i, weight: w, transposed: !transB, bias, alpha: floatAttr(n, "alpha", 1), beta: floatAttr(n, "beta", 1) };
  }
  // MatMul(x, W [I, O]), optionally + b [O] in either order.
  let matmul = n, bias: TensorProto | undefined;
  const nodes = [n];
  if (n.opType === "Add") {
    const at = n.inputs.findIndex((i) => g.producer(i, "MatMul") !== undefined && g.constant(i) === undefined);
    if (at < 0) return undefined;
    matmul = g.producer(n.inputs[at], "MatMul")!;
    bias = g.constant(n.inputs[1 - at]);
    if (bias === undefined) return undefined;
    nodes.unshift(matmul);
  }
  const w = g.constant(matmul.inputs[1]);
  if (w === undefined || w.dims.length !== 2) return undefined;
  if (bias !== undefined && (count(bias) !== w.dims[1] || bias.dims.slice(0, -1).some((d) => d !== 1))) return undefined;
  return { form: "matmul", input: matmul.inputs[0], nodes, outFeatures: w.dims[1], inFeatures: w.dims[0], weight: w, transposed: true, bias, alpha: 1, beta: 1 };
}

const count = (t: TensorProto) => t.dims.reduce((a, b) => a * b, 1);

/** An optional bias input: undefined when absent, null when present but not a constant of `length` values. */
function optionalConstant(g: Graph, name: string | undefined, length: number): TensorProto | undefined | null {
  if (name === undefined || name === "") return undefined;
  const t = g.constant(name);
  return t !== undefined && count(t) === length ? t : null;
}

/**
 * The dims after a fully connected layer: the contracted dim (the channel dim of a Conv, the
 * last one otherwise) must be its input features, and the others multiply to the batch N.
 */
export function fullyConnectedDims(ctx: ShapeContext, fc: FullyConnected, dims: Dims): Dims | undefined {
  const at = fc.form === "conv" ? 1 : dims.length - 1;
  if (fc.form === "conv" && (dims.length !== 4 || !ctx.unify(dims[2], num(1)) || !ctx.unify(dims[3], num(1)))) return undefined;
  if ((fc.form === "gemm" && dims.length !== 2) || dims.length < 2 || !ctx.unify(dims[at], num(fc.inFeatures))) return undefined;
  const rest = ctx.productDim(dims.filter((_, i) => i !== at));
  if (rest === undefined || !ctx.unify(rest, sym("N"))) return undefined;
  return dims.map((d, i) => (i === at ? num(fc.outFeatures) : d));
}

// --- gates and activations -----------------------------------------------------------

export type GateMatch =
  | { gate: "sigmoid"; input: string; nodes: NodeProto[] }
  | { gate: "hardsigmoid"; alpha: number; beta: number; input: string; nodes: NodeProto[] };

/** t = A·u + B, walking back through Add, Sub, Mul and Div by one-element constants. */
function peelAffine(g: Graph, t: string): { u: string; A: number; B: number; nodes: NodeProto[] } {
  let A = 1, B = 0, u = t;
  const nodes: NodeProto[] = [];
  for (;;) {
    const n = g.producer(u, "Add", "Sub", "Mul", "Div");
    if (n === undefined) break;
    const c0 = g.scalar(n.inputs[0]), c1 = g.scalar(n.inputs[1]);
    if ((c0 === undefined) === (c1 === undefined)) break;
    const c = (c0 ?? c1)!, other = c0 === undefined ? n.inputs[0] : n.inputs[1], constFirst = c0 !== undefined;
    if (n.opType === "Add") B += A * c;
    else if (n.opType === "Sub" && !constFirst) B -= A * c;
    else if (n.opType === "Sub") { B += A * c; A = -A; }
    else if (n.opType === "Mul") A *= c;
    else if (!constFirst && c !== 0) A /= c;
    else break; // c / u is not affine in u
    nodes.unshift(n);
    u = other;
  }
  return { u, A, B, nodes };
}

/** t = clamp(u, lo, hi), walking back through Clip and Relu (nested clamps intersect). */
function peelClamp(g: Graph, t: string): { u: string; lo: number; hi: number; nodes: NodeProto[] } {
  let lo = -Infinity, hi = Infinity, u = t;
  const nodes: NodeProto[] = [];
  for (let n = g.producer(u, "Clip", "Relu"); n !== undefined; n = g.producer(u, "Clip", "Relu")) {
    let a = 0, b = Infinity;
    if (n.opType === "Clip") {
      const min = n.inputs.length > 1 && n.inputs[1] !== "" ? g.scalar(n.inputs[1]) : floatAttr(n, "min", -Infinity);
      const max = n.inputs.length > 2 && n.inputs[2] !== "" ? g.scalar(n.inputs[2]) : floatAttr(n, "max", Infinity);
      if (min === undefined || max === undefined) break;
      [a, b] = [min, max];
    }
    lo = Math.max(lo, a);
    hi = Math.min(hi, b);
    nodes.unshift(n);
    u = n.inputs[0];
  }
  return { u, lo, hi, nodes };
}

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));

/**
 * `scale`·t as a hard sigmoid clamp(α·z + β, 0, 1) of some z: the HardSigmoid op, or the
 * form A·clamp(a·z + b, lo, hi) + B with A·lo + B = 0 and A·hi + B = 1 (relu6(z + 3)/6,
 * clamp(0.2·z + 0.5, 0, 1), …).
 */
export function matchHardSigmoid(g: Graph, t: string, scale = 1): Extract<GateMatch, { gate: "hardsigmoid" }> | undefined {
  const hs = g.producer(t, "HardSigmoid");
  if (hs !== undefined) {
    return close(scale, 1) ? { gate: "hardsigmoid", alpha: floatAttr(hs, "alpha", 0.2), beta: floatAttr(hs, "beta", 0.5), input: hs.inputs[0], nodes: [hs] } : undefined;
  }
  const outer = peelAffine(g, t);
  const clamp = peelClamp(g, outer.u);
  if (clamp.nodes.length === 0 || !Number.isFinite(clamp.hi) || !Number.isFinite(clamp.lo)) return undefined;
  const inner = peelAffine(g, clamp.u);
  const A = scale * outer.A, B = scale * outer.B;
  if (!(A > 0) || !close(A * clamp.lo + B, 0) || !close(A * clamp.hi + B, 1)) return undefined;
  return { gate: "hardsigmoid", alpha: A * inner.A, beta: A * inner.B + B, input: inner.u, nodes: [...inner.nodes, ...clamp.nodes, ...outer.nodes] };
}

export function matchGate(g: Graph, t: string): GateMatch | undefined {
  const s = g.producer(t, "Sigmoid");
  if (s !== undefined) return { gate: "sigmoid", input: s.inputs[0], nodes: [s] };
  return matchHardSigmoid(g, t);
}

export type Activation = "relu" | "silu" | "hardswish";

/** The activation computing t (and its input), or undefined when t is not one. */
export function matchActivation(g: Graph, t: string): { activation: Activation; input: string; nodes: NodeProto[] } | undefined {
  const n = g.producer(t, "Relu", "HardSwish");
  if (n !== undefined) return { activation: n.opType === "Relu" ? "relu" : "hardswish", input: n.inputs[0], nodes: [n] };
  // A·(z·h(z)): SiLU when h = σ and A = 1; hardswish when A·h(z) = hardsigmoid(z; 1/6, 1/2).
  const outer = peelAffine(g, t);
  const mul = g.producer(outer.u, "Mul");
  if (mul === undefined || outer.B !== 0) return undefined;
  for (const [z, h] of [[mul.inputs[0], mul.inputs[1]], [mul.inputs[1], mul.inputs[0]]]) {
    const sig = g.producer(h, "Sigmoid");
    if (sig !== undefined && sig.inputs[0] === z && outer.A === 1) return { activation: "silu", input: z, nodes: [sig, mul] };
    const hs = matchHardSigmoid(g, h, outer.A);
    if (hs !== undefined && hs.input === z && close(hs.alpha, 1 / 6) && close(hs.beta, 0.5)) {
      return { activation: "hardswish", input: z, nodes: [...hs.nodes, mul, ...outer.nodes] };
    }
  }
  return undefined;
}
