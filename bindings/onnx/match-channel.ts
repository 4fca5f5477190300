// Channel gates y = x · s[n, c] found by walking back from a Mul: SE (pool → FC → activation →
// FC → gate), effective SE (pool → FC C→C → gate), ECA (pool → Conv1d across channels → gate)
// and CBAM's channel attention (σ of the sum of one shared MLP over several pools).

import type { Graph } from "./graph.js";
import { type Activation, type FullyConnected, fullyConnectedDims, type GateMatch, type GlobalPool, globalPoolDims, matchActivation,
  matchFullyConnected, matchGate, matchGlobalPool, plainConv } from "./layers.js";
import type { NodeProto, TensorProto } from "./proto.js";
import { type Dims, num, ShapeContext, sym } from "./shape.js";
import { applyViews, peelViews } from "./views.js";

/** One pooled branch: pool → [conv1d | fc (→ act) (→ fc)], views anywhere between. */
interface Branch {
  pool: GlobalPool;
  fcs: FullyConnected[];
  activation: Activation | "none";
  conv1d?: { weight: TensorProto; kernel: number };
  /** The branch's ops in forward order, each with what it does to the dims. */
  steps: Array<{ node: NodeProto; view: boolean } | { fc: FullyConnected } | { conv1d: NodeProto; kernel: number }>;
  nodes: NodeProto[];
  output: string;
}

export interface ChannelGate {
  kind: "SE" | "EffectiveSE" | "ECA" | "CBAMChannel";
  x: string;
  output: string;
  channels: number;
  branches: Branch[];
  gate: GateMatch;
  nodes: NodeProto[];
}

/** ECA's Conv1d(1, 1, k, padding (k − 1)/2, no bias): weight [1, 1, k], k odd. */
function matchConv1d(g: Graph, t: string): { node: NodeProto; weight: TensorProto; kernel: number } | undefined {
  const n = g.producer(t, "Conv");
  const w = g.constant(n?.inputs[1]);
  if (n === undefined || w === undefined || w.dims.length !== 3 || w.dims[0] !== 1 || w.dims[1] !== 1 || !plainConv(n)) return undefined;
  const k = w.dims[2], p = (k - 1) / 2, pads = n.attributes.get("pads")?.ints ?? [0, 0];
  if (k % 2 !== 1 || pads.length !== 2 || pads[0] !== p || pads[1] !== p) return undefined;
  const bias = g.values(n.inputs[2]);
  if (n.inputs[2] !== undefined && n.inputs[2] !== "" && (bias === undefined || bias.some((b) => b !== 0))) return undefined;
  return { node: n, weight: w, kernel: k };
}

/** Parses one branch backward from `t`: [views] layer [views] layer … [views] pool. */
function parseBranch(g: Graph, t: string): Branch | undefined {
  const steps: Branch["steps"] = [], nodes: NodeProto[] = [];
  const fcs: FullyConnected[] = [];
  let activation: Activation | "none" = "none", conv1d: Branch["conv1d"];
  const views = (from: string): string => {
    const v = peelViews(g, from);
    steps.unshift(...v.views.map((node) => ({ node, view: true })));
    nodes.unshift(...v.views);
    return v.source;
  };
  let u = views(t);
  const c1 = matchConv1d(g, u);
  if (c1 !== undefined) {
    steps.unshift({ conv1d: c1.node, kernel: c1.kernel });
    nodes.unshift(c1.node);
    conv1d = { weight: c1.weight, kernel: c1.kernel };
    u = views(c1.node.inputs[0]);
  } else {
    const fc2 = matchFullyConnected(g, u);
    if (fc2 === undefined) return undefined;
    steps.unshift({ fc: fc2 });
    nodes.unshift(...fc2.nodes);
    fcs.unshift(fc2);
    u = views(fc2.input);
    const act = matchActivation(g, u);
    if (act !== undefined) {
      activation = act.activation;
      for (const node of [...act.nodes].reverse()) steps.unshift({ node, view: false });
      nodes.unshift(...act.nodes);
      u = views(act.input);
    }
    const fc1 = matchFullyConnected(g, u);
    if (fc1 !== undefined) {
      steps.unshift({ fc: fc1 });
      nodes.unshift(...fc1.nodes);
      fcs.unshift(fc1);
      u = views(fc1.input);
    } else if (act !== undefined) return undefined; // FC → activation → gate is no block
  }
  const pool = matchGlobalPool(g, u);
  if (pool === undefined) return undefined;
  nodes.unshift(...pool.nodes);
  return { pool, fcs, activation, conv1d, steps, nodes, output: t };
}

/** The dims at the end of a branch, or undefined where a step does not fit them. */
function branchDims(g: Graph, ctx: ShapeContext, b: Branch): Dims | undefined {
  let dims: Dims | undefined = globalPoolDims(b.pool);
  ctx.known.set(b.pool.nodes[b.pool.nodes.length - 1].outputs[0], dims);
  for (const s of b.steps) {
    if (dims === undefined) return undefined;
    if ("view" in s) dims = s.view ? applyViews(g, ctx, [s.node], dims) : dims;
    else if ("fc" in s) dims = fullyConnectedDims(ctx, s.fc, dims);
    // Conv1d across channels: [N, 1, C] → [N, 1, C].
    else dims = dims.length === 3 && ctx.unify(dims[0], sym("N")) && ctx.unify(dims[1], num(1)) && ctx.unify(dims[2], sym("C")) ? dims : undefined;
  }
  return dims;
}

/** Branches summed by a tree of Adds (CBAM's channel attention), or undefined when t is no such sum. */
function parseSum(g: Graph, t: string): Branch[] | undefined {
  const add = g.producer(t, "Add");
  if (add === undefined || add.inputs.some((i) => g.constant(i) !== undefined)) return undefined;
  const parts = add.inputs.map((i) => parseSum(g, i) ?? (() => { const b = parseBranch(g, i); return b && [b]; })());
  if (parts.some((p) => p === undefined)) return undefined;
  const branches = parts.flat() as Branch[];
  branches[branches.length - 1].nodes.push(add);
  return branches;
}

/** The channel count of x where the graph tells it: a declared shape, or the layer that computes x. */
export function channelsOf(g: Graph, x: string, depth = 0): number | undefined {
  const declared = g.declaredShape(x)?.[1];
  if (typeof declared === "number" && declared > 0) return declared;
  const n = g.producer(x);
  if (n === undefined || depth > 64) return undefined;
  const w = g.constant(n.inputs[1])?.dims;
  switch (n.opType) {
    case "Conv": return w?.[0];
    case "ConvTranspose": return w === undefined ? undefined : w[1] * (n.attributes.get("group")?.i ?? 1);
    case "BatchNormalization": return g.constant(n.inputs[1])?.dims[0];
    case "Relu": case "Sigmoid": case "HardSigmoid": case "HardSwish": case "Clip": case "LeakyRelu": case "Identity": case "Elu": case "Tanh":
      return channelsOf(g, n.inputs[0], depth + 1);
    case "Add": case "Mul": case "Sub": case "Div":
      for (const i of n.inputs) {
        if (g.scalar(i) !== undefined) continue;
        const c = channelsOf(g, i, depth + 1);
        if (c !== undefined) return c;
      }
      return undefined;
    default: return undefined;
  }
}

/** x's dims [N, C, H, W], with what the graph declares or implies bound. */
export function inputContext(g: Graph, x: string): ShapeContext | undefined {
  const ctx = new ShapeContext(), dims = [sym("N"), sym("C"), sym("H"), sym("W")];
  const declared = g.declaredShape(x);
  if (declared !== undefined && declared.length !== 4) return undefined;
  if (declared?.some((d, i) => typeof d === "number" && !ctx.unify(dims[i], num(d)))) return undefined;
  const c = channelsOf(g, x);
  if (c !== undefined && !ctx.unify(dims[1], num(c))) return undefined;
  ctx.known.set(x, dims);
  return ctx;
}

/** Dims that scale x [N, C, H, W] per (n, c): [N, C, 1, 1], or that expanded to x's H and W. */
export function scalesChannels(ctx: ShapeContext, d: Dims | undefined): boolean {
  return d !== undefined && d.length === 4 && ctx.unify(d[0], sym("N")) && ctx.unify(d[1], sym("C")) &&
    (ctx.isOne(d[2]) || ctx.unify(d[2], sym("H"))) && (ctx.isOne(d[3]) || ctx.unify(d[3], sym("W")));
}

/** The channel gate whose output is `mul`, scaling its input `xIndex`, if there is one. */
export function matchChannelGate(g: Graph, mul: NodeProto, xIndex: number): ChannelGate | undefined {
  const x = mul.inputs[xIndex], s = mul.inputs[1 - xIndex];
  if (g.constant(x) !== undefined || g.constant(s) !== undefined) return undefined;
  const after = peelViews(g, s);
  const gate = matchGate(g, after.source);
  if (gate === undefined) return undefined;
  const before = peelViews(g, gate.input);
  const single = parseBranch(g, before.source);
  const branches = single !== undefined ? [single] : parseSum(g, before.source);
  if (branches === undefined || branches.some((b) => b.pool.x !== x)) return undefined;

  const ctx = inputContext(g, x);
  if (ctx === undefined) return undefined;
  let dims: Dims | undefined;
  for (const b of branches) {
    const d = branchDims(g, ctx, b);
    if (d === undefined || (dims !== undefined && (d.length !== dims.length || !d.every((v, i) => ctx.unify(v, dims![i]))))) return undefined;
    dims = d;
  }
  ctx.known.set(before.source, dims!);
  dims = applyViews(g, ctx, before.views, dims);
  if (dims !== undefined) ctx.known.set(after.source, dims);
  if (!scalesChannels(ctx, applyViews(g, ctx, after.views, dims))) return undefined;
  const channels = ctx.value(sym("C"));
  if (channels === undefined) return undefined;

  const kind = classify(branches, gate);
  if (kind === undefined) return undefined;
  const nodes = [...branches.flatMap((b) => b.nodes), ...before.views, ...gate.nodes, ...after.views, mul];
  return { kind, x, output: mul.outputs[0], channels, branches, gate, nodes };
}

function classify(branches: Branch[], gate: GateMatch): ChannelGate["kind"] | undefined {
  if (branches.length > 1) {
    // CBAM: σ(Σ_p MLP(p(x))), one ReLU MLP shared by distinct pools.
    const kinds = branches.map((b) => b.pool.kind);
    const ok = gate.gate === "sigmoid" && new Set(kinds).size === kinds.length && !kinds.includes("avgmax") &&
      branches.every((b) => b.fcs.length === 2 && b.activation === "relu");
    return ok ? "CBAMChannel" : undefined;
  }
  const [b] = branches;
  if (b.pool.kind !== "avg" && b.pool.kind !== "max" && b.pool.kind !== "avgmax") return undefined;
  if (b.conv1d !== undefined) return b.pool.kind === "avg" ? "ECA" : undefined;
  if (b.fcs.length === 2) return "SE";
  if (b.fcs.length === 1 && b.fcs[0].inFeatures === b.fcs[0].outFeatures && b.pool.kind !== "max") return "EffectiveSE";
  return undefined;
}
