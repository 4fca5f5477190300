// Spatial gates y = x · q[n, h, w] found by walking back from a Mul: sSE (gate of a 1×1 conv
// C → 1 of x) and CBAM's spatial attention (σ of a k×k conv, maybe followed by a batch norm, of
// the concatenated max and mean over the channels of x).

import { floatAttr, type Graph, intAttr, intsAttr } from "./graph.js";
import { type FullyConnected, type GateMatch, matchChannelPool, matchFullyConnected, matchGate, plainConv } from "./layers.js";
import { inputContext } from "./match-channel.js";
import type { NodeProto, TensorProto } from "./proto.js";
import { num, sym } from "./shape.js";

export interface SpatialSE {
  kind: "sSE";
  x: string;
  output: string;
  channels: number;
  conv: FullyConnected;
  gate: GateMatch;
  nodes: NodeProto[];
}

export interface BatchNorm {
  scale: TensorProto;
  bias: TensorProto;
  mean: TensorProto;
  variance: TensorProto;
  epsilon: number;
}

export interface CBAMSpatial {
  kind: "CBAMSpatial";
  x: string;
  output: string;
  order: "max-mean" | "mean-max";
  kernel: number;
  weight: TensorProto;
  /** The conv's bias: a batch norm folded into it by the exporter. */
  bias?: TensorProto;
  bn?: BatchNorm;
  nodes: NodeProto[];
}

function matchSSE(g: Graph, x: string, gate: GateMatch, mul: NodeProto): SpatialSE | undefined {
  const conv = matchFullyConnected(g, gate.input);
  if (conv?.form !== "conv" || conv.outFeatures !== 1 || conv.input !== x) return undefined;
  const ctx = inputContext(g, x);
  if (ctx === undefined || !ctx.unify(sym("C"), num(conv.inFeatures))) return undefined;
  return { kind: "sSE", x, output: mul.outputs[0], channels: conv.inFeatures, conv, gate, nodes: [...conv.nodes, ...gate.nodes, mul] };
}

function matchBatchNorm(g: Graph, t: string): { node: NodeProto; bn: BatchNorm } | undefined {
  const n = g.producer(t, "BatchNormalization");
  if (n === undefined || intAttr(n, "training_mode", 0) !== 0 || n.outputs.length !== 1) return undefined;
  const [scale, bias, mean, variance] = n.inputs.slice(1).map((i) => g.constant(i));
  if ([scale, bias, mean, variance].some((c) => c === undefined || c.dims.reduce((a, b) => a * b, 1) !== 1)) return undefined;
  return { node: n, bn: { scale: scale!, bias: bias!, mean: mean!, variance: variance!, epsilon: floatAttr(n, "epsilon", 1e-5) } };
}

function matchCBAMSpatial(g: Graph, x: string, gate: GateMatch, mul: NodeProto): CBAMSpatial | undefined {
  if (gate.gate !== "sigmoid") return undefined;
  const bn = matchBatchNorm(g, gate.input);
  const conv = g.producer(bn === undefined ? gate.input : bn.node.inputs[0], "Conv");
  const weight = g.constant(conv?.inputs[1]);
  if (conv === undefined || weight === undefined || !plainConv(conv)) return undefined;
  const [o, i, kh, kw] = weight.dims, p = (kh - 1) / 2;
  if (weight.dims.length !== 4 || o !== 1 || i !== 2 || kh !== kw || kh % 2 !== 1 || !(intsAttr(conv, "pads") ?? [0, 0, 0, 0]).every((v) => v === p)) return undefined;
  const hasBias = conv.inputs[2] !== undefined && conv.inputs[2] !== "";
  const bias = hasBias ? g.constant(conv.inputs[2]) : undefined;
  if (hasBias && bias === undefined) return undefined;
  const concat = g.producer(conv.inputs[0], "Concat");
  const axis = concat === undefined ? undefined : intAttr(concat, "axis", 0);
  if (concat === undefined || concat.inputs.length !== 2 || (axis !== 1 && axis !== -3)) return undefined;
  const maps = concat.inputs.map((t) => matchChannelPool(g, t));
  if (maps.some((m) => m?.x !== x) || maps[0]!.kind === maps[1]!.kind) return undefined;
  return {
    kind: "CBAMSpatial", x, output: mul.outputs[0], order: maps[0]!.kind === "max" ? "max-mean" : "mean-max", kernel: kh, weight, bias, bn: bn?.bn,
    nodes: [...maps.flatMap((m) => m!.nodes), concat, conv, ...(bn === undefined ? [] : [bn.node]), ...gate.nodes, mul],
  };
}

/** The spatial gate whose output is `mul`, scaling its input `xIndex`, if there is one. */
export function matchSpatialGate(g: Graph, mul: NodeProto, xIndex: number): SpatialSE | CBAMSpatial | undefined {
  const x = mul.inputs[xIndex];
  if (g.constant(x) !== undefined) return undefined;
  const gate = matchGate(g, mul.inputs[1 - xIndex]);
  if (gate === undefined) return undefined;
  return matchSSE(g, x, gate, mul) ?? matchCBAMSpatial(g, x, gate, mul);
}
