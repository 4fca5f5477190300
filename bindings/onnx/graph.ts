// An ONNX graph indexed for matching: who produces and who consumes each tensor, the constants
// (initializers and Constant nodes), declared shapes, and typed access to node attributes.

import type { AttributeProto, GraphProto, NodeProto, TensorProto } from "./proto.js";
import { elementCount, numbers } from "./tensor.js";

export class Graph {
  readonly nodes: readonly NodeProto[];
  private readonly producers = new Map<string, NodeProto>();
  private readonly consumerLists = new Map<string, NodeProto[]>();
  private readonly constants = new Map<string, TensorProto>();
  private readonly shapes = new Map<string, Array<number | string | undefined>>();

  constructor(g: GraphProto) {
    // Only default-domain operators are matched ('' or 'ai.onnx'); a custom op never is.
    this.nodes = g.nodes;
    for (const t of g.initializers) this.constants.set(t.name, t);
    for (const v of [...g.inputs, ...g.valueInfo, ...g.outputs]) if (v.shape !== undefined) this.shapes.set(v.name, v.shape);
    for (const n of g.nodes) {
      for (const o of n.outputs) if (o !== "") this.producers.set(o, n);
      for (const i of n.inputs) {
        if (i === "") continue;
        const list = this.consumerLists.get(i);
        if (list === undefined) this.consumerLists.set(i, [n]);
        else list.push(n);
      }
      if (n.opType === "Constant" && isDefaultDomain(n)) {
        const t = constantNodeValue(n);
        if (t !== undefined) this.constants.set(n.outputs[0], t);
      }
    }
  }

  /** The node that computes `tensor`, when it is one of `ops` (any op when omitted) of the default domain. */
  producer(tensor: string | undefined, ...ops: string[]): NodeProto | undefined {
    if (tensor === undefined) return undefined;
    const n = this.producers.get(tensor);
    if (n === undefined || !isDefaultDomain(n) || (ops.length > 0 && !ops.includes(n.opType))) return undefined;
    return n;
  }

  consumers(tensor: string): readonly NodeProto[] {
    return this.consumerLists.get(tensor) ?? [];
  }

  /** The constant tensor named `tensor` (an initializer or a Constant node's output). */
  constant(tensor: string | undefined): TensorProto | undefined {
    return tensor === undefined || tensor === "" ? undefined : this.constants.get(tensor);
  }

  /** The values of a constant numeric tensor. */
  values(tensor: string | undefined): number[] | undefined {
    const t = this.constant(tensor);
    return t === undefined ? undefined : numbers(t);
  }

  /** The value of a constant with exactly one element (a scalar, or [1], [1, 1], …). */
  scalar(tensor: string | undefined): number | undefined {
    const t = this.constant(tensor);
    if (t === undefined || elementCount(t) !== 1) return undefined;
    return numbers(t)?.[0];
  }

  /** The shape a graph input, output or value_info declares for `tensor`. */
  declaredShape(tensor: string): ReadonlyArray<number | string | undefined> | undefined {
    return this.shapes.get(tensor);
  }
}

const isDefaultDomain = (n: NodeProto) => n.domain === "" || n.domain === "ai.onnx";

function constantNodeValue(n: NodeProto): TensorProto | undefined {
  const a = n.attributes;
  const make = (dataType: number, dims: number[], values: number[]): TensorProto => ({
    name: n.outputs[0], dims, dataType, floatData: dataType === 1 ? values : [], int32Data: [],
    int64Data: dataType === 7 ? values.map(BigInt) : [], doubleData: [],
  });
  const t = a.get("value")?.t;
  if (t !== undefined) return { ...t, name: n.outputs[0] };
  const f = a.get("value_float")?.f, i = a.get("value_int")?.i;
  if (f !== undefined) return make(1, [], [f]);
  if (i !== undefined) return make(7, [], [i]);
  const fs = a.get("value_floats"), is = a.get("value_ints");
  if (fs !== undefined) return make(1, [fs.floats.length], fs.floats);
  if (is !== undefined) return make(7, [is.ints.length], is.ints);
  return undefined;
}

const attr = (n: NodeProto, name: string): AttributeProto | undefined => n.attributes.get(name);

export function intAttr(n: NodeProto, name: string, fallback: number): number {
  return attr(n, name)?.i ?? fallback;
}

export function floatAttr(n: NodeProto, name: string, fallback: number): number {
  return attr(n, name)?.f ?? fallback;
}

export function intsAttr(n: NodeProto, name: string): number[] | undefined {
  const a = attr(n, name);
  return a === undefined ? undefined : a.ints;
}

export function stringAttr(n: NodeProto, name: string): string | undefined {
  const s = attr(n, name)?.s;
  return s === undefined ? undefined : new TextDecoder().decode(s);
}

/** An op's axes: from the attribute (older opsets) or the constant second input (Squeeze/Unsqueeze 13+, Reduce* 18+). */
export function axesOf(g: Graph, n: NodeProto): number[] | undefined {
  const fromAttr = intsAttr(n, "axes");
  if (fromAttr !== undefined) return fromAttr;
  if (n.inputs.length < 2 || n.inputs[1] === "") return undefined;
  return g.values(n.inputs[1]);
}
