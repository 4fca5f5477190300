// Symbolic shapes for matching. A matched block's tensors have dims like [N, C, 1, 1] where N
// (batch), C (channels), H and W are unknown when the graph does not declare them. A dim is a
// monomial k·s (or a number k): a Reshape to [N, 1, -1] of an [N, C] tensor gives [N, 1, C],
// one to a constant [2, 1, -1] gives [2, 1, N·C/2] until a later step pins N. A step that needs
// a dim to equal another `unify`s them, binding a symbol to a number where that decides it.

import { type Graph, intAttr, intsAttr } from "./graph.js";

export interface Dim {
  readonly k: number;
  readonly s?: string;
}
export type Dims = readonly Dim[];

export const num = (k: number): Dim => ({ k });
export const sym = (s: string): Dim => ({ k: 1, s });

export class ShapeContext {
  private readonly bound = new Map<string, number>();
  /** Dims of the tensors already walked, for Shape(t) in a shape computation. */
  readonly known = new Map<string, Dims>();

  resolve(d: Dim): Dim {
    if (d.s === undefined) return d;
    const v = this.bound.get(d.s);
    return v === undefined ? d : num(d.k * v);
  }

  value(d: Dim): number | undefined {
    const r = this.resolve(d);
    return r.s === undefined ? r.k : undefined;
  }

  /** Makes a and b equal, binding a symbol where one side decides it; false when they cannot be. */
  unify(a: Dim, b: Dim): boolean {
    const x = this.resolve(a), y = this.resolve(b);
    if (x.s === y.s) return x.k === y.k;
    if (x.s !== undefined && y.s === undefined) return this.bind(x.s, y.k / x.k);
    if (y.s !== undefined && x.s === undefined) return this.bind(y.s, x.k / y.k);
    return false;
  }

  isOne(d: Dim): boolean {
    const r = this.resolve(d);
    return r.s === undefined && r.k === 1;
  }

  private bind(s: string, v: number): boolean {
    if (!Number.isSafeInteger(v) || v < 1) return false;
    this.bound.set(s, v);
    return true;
  }

  /** The output dims of Reshape(input, target) (ONNX semantics of 0 and -1), or undefined when undecidable. */
  reshape(input: Dims, target: Dims, allowZero: boolean): Dims | undefined {
    const out: Array<Dim | undefined> = target.map((d, i) => {
      const r = this.resolve(d);
      if (r.s === undefined && r.k === 0 && !allowZero) return i < input.length ? input[i] : undefined;
      if (r.s === undefined && r.k === -1) return undefined;
      return r;
    });
    const inferred = target.findIndex((d) => d.s === undefined && d.k === -1);
    if (out.some((d, i) => d === undefined && i !== inferred)) return undefined;
    const pIn = this.product(input), pOut = this.product(out.filter((d): d is Dim => d !== undefined));
    if (inferred >= 0) {
      // -1 = product(input) / product(the others): one symbol at most may remain.
      const syms = [...pIn.syms];
      for (const s of pOut.syms) {
        const at = syms.indexOf(s);
        if (at < 0) return undefined;
        syms.splice(at, 1);
      }
      if (syms.length > 1 || pIn.k % pOut.k !== 0) return undefined;
      out[inferred] = { k: pIn.k / pOut.k, s: syms[0] };
      return out as Dim[];
    }
    return this.unifyProducts(pIn, pOut) ? out as Dim[] : undefined;
  }

  /** The product of dims as one dim, when at most one symbol is left in it. */
  productDim(dims: Dims): Dim | undefined {
    const p = this.product(dims);
    return p.syms.length > 1 ? undefined : { k: p.k, s: p.syms[0] };
  }

  private product(dims: Dims): { k: number; syms: string[] } {
    let k = 1;
    const syms: string[] = [];
    for (const d of dims) {
      const r = this.resolve(d);
      k *= r.k;
      if (r.s !== undefined) syms.push(r.s);
    }
    return { k, syms: syms.sort() };
  }

  /** Equal products of dims; one unmatched symbol on one side is solved for. */
  private unifyProducts(a: { k: number; syms: string[] }, b: { k: number; syms: string[] }): boolean {
    const restA = [...a.syms], restB: string[] = [];
    for (const s of b.syms) {
      const at = restA.indexOf(s);
      if (at >= 0) restA.splice(at, 1);
      else restB.push(s);
    }
    if (restA.length === 0 && restB.length === 0) return a.k === b.k;
    if (restA.length === 1 && restB.length === 0) return this.bind(restA[0], b.k / a.k);
    if (restB.length === 1 && restA.length === 0) return this.bind(restB[0], a.k / b.k);
    return false;
  }
}

/**
 * The value of a 1-D int64 tensor computed by a shape subgraph (Shape, Gather, Unsqueeze,
 * Squeeze, Concat, Slice, Cast, Identity over constants and the Shape of walked tensors), as dims.
 */
export function shapeValue(g: Graph, ctx: ShapeContext, tensor: string, depth = 0): Dims | undefined {
  const c = g.values(tensor);
  if (c !== undefined) return c.map(num);
  const n = g.producer(tensor);
  if (n === undefined || depth > 32) return undefined;
  const arg = (i: number) => shapeValue(g, ctx, n.inputs[i], depth + 1);
  switch (n.opType) {
    case "Shape": {
      const dims = ctx.known.get(n.inputs[0]);
      if (dims === undefined) return undefined;
      const rank = dims.length, clamp = (v: number) => Math.min(rank, Math.max(0, v < 0 ? v + rank : v));
      return dims.slice(clamp(intAttr(n, "start", 0)), clamp(intAttr(n, "end", rank)));
    }
    case "Cast": case "Identity": case "Squeeze": case "Unsqueeze":
      return arg(0);
    case "Concat": {
      const parts = n.inputs.map((_, i) => arg(i));
      return parts.every((p) => p !== undefined) ? parts.flat() as Dim[] : undefined;
    }
    case "Gather": {
      const data = arg(0), idx = g.values(n.inputs[1]);
      if (data === undefined || idx === undefined || intAttr(n, "axis", 0) !== 0) return undefined;
      const picked = idx.map((i) => data[i < 0 ? i + data.length : i]);
      return picked.every((d) => d !== undefined) ? picked : undefined;
    }
    case "Slice": {
      const data = arg(0);
      const starts = n.inputs.length > 1 ? g.values(n.inputs[1]) : intsAttr(n, "starts");
      const ends = n.inputs.length > 2 ? g.values(n.inputs[2]) : intsAttr(n, "ends");
      const steps = n.inputs.length > 4 ? g.values(n.inputs[4]) : [1];
      if (data === undefined || starts?.length !== 1 || ends?.length !== 1 || steps?.[0] !== 1) return undefined;
      const axes = n.inputs.length > 3 ? g.values(n.inputs[3]) : intsAttr(n, "axes") ?? [0];
      if (axes?.length !== 1 || axes[0] !== 0) return undefined;
      const len = data.length, at = (v: number) => Math.min(len, Math.max(0, v < 0 ? v + len : v));
      return data.slice(at(starts[0]), at(ends[0]));
    }
    default:
      return undefined;
  }
}
