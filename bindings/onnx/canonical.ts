// Matched subgraphs as excite blocks: the options of createX and the weights under its
// canonical state_dict keys (README "The blocks", SPEC §2–3).

import type { FullyConnected, GateMatch } from "./layers.js";
import type { ChannelGate } from "./match-channel.js";
import type { BatchNorm, CBAMSpatial, SpatialSE } from "./match-spatial.js";
import { floats } from "./tensor.js";

export type BlockName = "SE" | "EffectiveSE" | "ECA" | "sSE" | "scSE" | "CBAM";

export interface Converted {
  block: BlockName;
  options: Record<string, unknown>;
  weights: Record<string, Float32Array>;
}

/** An FC's weight as [O, I] and its bias (zeros when it has none), Gemm's alpha and beta applied. */
function fcWeights(fc: FullyConnected, role: string): { weight: Float32Array; bias: Float32Array } {
  const w = floats(fc.weight, `${role}.weight`), o = fc.outFeatures, i = fc.inFeatures;
  let weight = w;
  if (fc.transposed) {
    weight = new Float32Array(o * i);
    for (let r = 0; r < i; r++) for (let c = 0; c < o; c++) weight[c * i + r] = w[r * o + c];
  }
  if (fc.alpha !== 1) weight = weight.map((v) => v * fc.alpha);
  let bias = fc.bias === undefined ? new Float32Array(o) : floats(fc.bias, `${role}.bias`);
  if (bias.length === 1 && o > 1) bias = new Float32Array(o).fill(bias[0]);
  if (fc.beta !== 1) bias = bias.map((v) => v * fc.beta);
  return { weight, bias };
}

function gateOptions(gate: GateMatch): Record<string, unknown> {
  return gate.gate === "sigmoid" ? { gate: "sigmoid" } : { gate: "hardsigmoid", hardSigmoid: { alpha: gate.alpha, beta: gate.beta } };
}

/** SE's options and weights (under `prefix`); a bias missing on one FC is zeros when the other has one. */
function seParts(m: ChannelGate, prefix: string, forceBias = false): Converted {
  const [b] = m.branches, [fc1, fc2] = b.fcs;
  const bias = forceBias || fc1.bias !== undefined || fc2.bias !== undefined;
  const w1 = fcWeights(fc1, `${prefix}fc1`), w2 = fcWeights(fc2, `${prefix}fc2`);
  const weights: Record<string, Float32Array> = { [`${prefix}fc1.weight`]: w1.weight, [`${prefix}fc2.weight`]: w2.weight };
  if (bias) Object.assign(weights, { [`${prefix}fc1.bias`]: w1.bias, [`${prefix}fc2.bias`]: w2.bias });
  return {
    block: "SE",
    options: { channels: m.channels, reducedChannels: fc1.outFeatures, bias, activation: b.activation, ...gateOptions(m.gate), pool: b.pool.kind },
    weights,
  };
}

/** The block of a channel gate; undefined for a CBAM channel attention whose pools' MLPs differ. */
export function convertChannelGate(m: ChannelGate): Converted | undefined {
  const [b] = m.branches;
  switch (m.kind) {
    case "SE":
      return seParts(m, "");
    case "EffectiveSE": {
      const { weight, bias } = fcWeights(b.fcs[0], "fc");
      return { block: "EffectiveSE", options: { channels: m.channels, addMaxpool: b.pool.kind === "avgmax", ...gateOptions(m.gate) }, weights: { "fc.weight": weight, "fc.bias": bias } };
    }
    case "ECA":
      return {
        block: "ECA",
        options: { channels: m.channels, kernelSize: b.conv1d!.kernel, padding: "zeros", ...gateOptions(m.gate) },
        weights: { "conv.weight": floats(b.conv1d!.weight, "conv.weight") },
      };
    case "CBAMChannel":
      return convertCBAM(m);
  }
}

export function convertSSE(m: SpatialSE, prefix = "", forceBias = false): Converted {
  const { weight, bias } = fcWeights(m.conv, `${prefix}conv`);
  const hasBias = forceBias || m.conv.bias !== undefined;
  const weights: Record<string, Float32Array> = { [`${prefix}conv.weight`]: weight };
  if (hasBias) weights[`${prefix}conv.bias`] = bias;
  return { block: "sSE", options: { channels: m.channels, bias: hasBias, ...gateOptions(m.gate) }, weights };
}

const sameGate = (a: GateMatch, b: GateMatch) =>
  a.gate === b.gate && (a.gate === "sigmoid" || (b.gate === "hardsigmoid" && a.alpha === b.alpha && a.beta === b.beta));

/** scSE from its cSE (an SE) and sSE branches, or undefined when one set of options cannot describe both. */
export function convertSCSE(cse: ChannelGate, sse: SpatialSE, combine: "add" | "max"): Converted | undefined {
  if (cse.kind !== "SE" || !sameGate(cse.gate, sse.gate)) return undefined;
  const [fc1, fc2] = cse.branches[0].fcs;
  const bias = fc1.bias !== undefined || fc2.bias !== undefined || sse.conv.bias !== undefined;
  const c = seParts(cse, "cse.", bias), s = convertSSE(sse, "sse.", bias);
  return { block: "scSE", options: { ...c.options, combine }, weights: { ...c.weights, ...s.weights } };
}

const sameValues = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

/** CBAM from its channel attention and, when given, its spatial attention; undefined when the pools' MLPs differ. */
export function convertCBAM(channel: ChannelGate, spatial?: CBAMSpatial): Converted | undefined {
  if (channel.kind === "CBAMChannel" || channel.kind === "SE") {
    const cbam = channelPart(channel);
    if (cbam === undefined) return undefined;
    if (spatial === undefined) return { block: "CBAM", options: { ...cbam.options, spatial: false }, weights: cbam.weights };
    return withSpatial(cbam, spatial);
  }
  return undefined;
}

function channelPart(m: ChannelGate): Converted | undefined {
  const fcs = m.branches.map((b) => [fcWeights(b.fcs[0], "channel.fc1"), fcWeights(b.fcs[1], "channel.fc2")]);
  const [first] = fcs;
  const shared = fcs.every(([a, b]) => sameValues(a.weight, first[0].weight) && sameValues(a.bias, first[0].bias) &&
    sameValues(b.weight, first[1].weight) && sameValues(b.bias, first[1].bias));
  const okBranches = m.branches.every((b) => b.activation === "relu" && b.fcs.length === 2 && b.pool.kind !== "avgmax");
  if (!shared || !okBranches || m.gate.gate !== "sigmoid") return undefined;
  const [fc1, fc2] = m.branches[0].fcs;
  const bias = fc1.bias !== undefined || fc2.bias !== undefined;
  const weights: Record<string, Float32Array> = { "channel.fc1.weight": first[0].weight, "channel.fc2.weight": first[1].weight };
  if (bias) Object.assign(weights, { "channel.fc1.bias": first[0].bias, "channel.fc2.bias": first[1].bias });
  return { block: "CBAM", options: { channels: m.channels, reducedChannels: fc1.outFeatures, bias, pools: m.branches.map((b) => b.pool.kind) }, weights };
}

const EXCITE_BN_EPS = 1e-5;

/** The spatial batch norm's parameters for excite's eps; a conv bias (a norm the exporter folded) becomes its shift. */
function spatialNorm(s: CBAMSpatial): Record<string, Float32Array> | undefined {
  if (s.bn === undefined && s.bias === undefined) return undefined;
  const one = (v: number) => Float32Array.of(v);
  const convBias = s.bias === undefined ? 0 : floats(s.bias, "spatial.conv.bias")[0];
  if (s.bn === undefined) return { "spatial.bn.weight": one(1), "spatial.bn.bias": one(convBias), "spatial.bn.running_mean": one(0), "spatial.bn.running_var": one(1 - EXCITE_BN_EPS) };
  const v = (t: BatchNorm["scale"], key: string) => floats(t, `spatial.bn.${key}`)[0];
  // bn(conv + b) = bn'(conv) with the mean shifted by b; the variance absorbs the model's own eps.
  return {
    "spatial.bn.weight": one(v(s.bn.scale, "weight")), "spatial.bn.bias": one(v(s.bn.bias, "bias")),
    "spatial.bn.running_mean": one(v(s.bn.mean, "running_mean") - convBias),
    "spatial.bn.running_var": one(v(s.bn.variance, "running_var") + s.bn.epsilon - EXCITE_BN_EPS),
  };
}

function withSpatial(c: Converted, s: CBAMSpatial): Converted {
  const norm = spatialNorm(s);
  return {
    block: "CBAM",
    options: { ...c.options, spatialKernel: s.kernel, spatialOrder: s.order, spatialNorm: norm !== undefined },
    weights: { ...c.weights, "spatial.conv.weight": floats(s.weight, "spatial.conv.weight"), ...norm },
  };
}
