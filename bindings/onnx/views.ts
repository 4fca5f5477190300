// Ops that change a tensor's shape but not the order of its elements (Reshape, Flatten, Squeeze,
// Unsqueeze, Identity, a Transpose that moves only size-1 axes) and Expand: walked back from a
// gate to what it reads, then forward again to follow the dims.

import { axesOf, type Graph, intAttr, intsAttr } from "./graph.js";
import type { NodeProto } from "./proto.js";
import { type Dim, type Dims, num, type ShapeContext, shapeValue } from "./shape.js";

const VIEW_OPS = ["Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity", "Transpose", "Expand"];

/** Walks back from `tensor` through view ops: the tensor they start from and the ops in forward order. */
export function peelViews(g: Graph, tensor: string): { source: string; views: NodeProto[] } {
  const views: NodeProto[] = [];
  let t = tensor;
  for (let n = g.producer(t, ...VIEW_OPS); n !== undefined; n = g.producer(t, ...VIEW_OPS)) {
    views.unshift(n);
    t = n.inputs[0];
  }
  return { source: t, views };
}

const normAxis = (a: number, rank: number) => (a < 0 ? a + rank : a);

/** The dims after one view op, or undefined when they cannot be told or the op would reorder elements. */
function applyView(g: Graph, ctx: ShapeContext, n: NodeProto, dims: Dims): Dims | undefined {
  const rank = dims.length;
  switch (n.opType) {
    case "Identity":
      return dims;
    case "Reshape": {
      const target = shapeValue(g, ctx, n.inputs[1]);
      return target === undefined ? undefined : ctx.reshape(dims, target, intAttr(n, "allowzero", 0) === 1);
    }
    case "Flatten": {
      const axis = normAxis(intAttr(n, "axis", 1), rank);
      if (axis < 0 || axis > rank) return undefined;
      const outer = ctx.productDim(dims.slice(0, axis)), inner = ctx.productDim(dims.slice(axis));
      return outer === undefined || inner === undefined ? undefined : [outer, inner];
    }
    case "Squeeze": {
      const axes = axesOf(g, n)?.map((a) => normAxis(a, rank)) ?? dims.map((d, i) => (ctx.isOne(d) ? i : -1)).filter((i) => i >= 0);
      if (!axes.every((a) => a >= 0 && a < rank && ctx.unify(dims[a], num(1)))) return undefined;
      return dims.filter((_, i) => !axes.includes(i));
    }
    case "Unsqueeze": {
      const axes = axesOf(g, n);
      if (axes === undefined) return undefined;
      const outRank = rank + axes.length, at = axes.map((a) => normAxis(a, outRank));
      const out: Dim[] = [];
      for (let i = 0, j = 0; i < outRank; i++) out.push(at.includes(i) ? num(1) : dims[j++]);
      return out;
    }
    case "Transpose": {
      const perm = intsAttr(n, "perm") ?? dims.map((_, i) => rank - 1 - i);
      // The order of the elements is kept when the axes that are not 1 keep their order.
      const big = perm.filter((p) => !ctx.isOne(dims[p]));
      if (big.some((p, i) => i > 0 && p < big[i - 1])) return undefined;
      return perm.map((p) => dims[p]);
    }
    case "Expand": {
      const target = shapeValue(g, ctx, n.inputs[1]);
      return target === undefined ? undefined : broadcast(ctx, dims, target);
    }
    default:
      return undefined;
  }
}

/** Numpy-style broadcasting of two shapes; undefined where two dims can be neither 1 nor made equal. */
export function broadcast(ctx: ShapeContext, a: Dims, b: Dims): Dims | undefined {
  const rank = Math.max(a.length, b.length), out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[i - rank + a.length] ?? num(1), y = b[i - rank + b.length] ?? num(1);
    if (ctx.isOne(x)) out.push(y);
    else if (ctx.isOne(y) || ctx.unify(x, y)) out.push(x);
    else return undefined;
  }
  return out;
}

/** Follows `dims` through `views` (forward order), recording each output's dims for Shape(). */
export function applyViews(g: Graph, ctx: ShapeContext, views: readonly NodeProto[], dims: Dims | undefined): Dims | undefined {
  for (const n of views) {
    if (dims === undefined) return undefined;
    dims = applyView(g, ctx, n, dims);
    if (dims !== undefined) ctx.known.set(n.outputs[0], dims);
  }
  return dims;
}
