// The spatial gate of sSE, shared by sSE and scSE (assembly/parts/spatial-gate.ts):
// q = gate(conv1x1_{C→1}(x)), a [N, 1, H, W] map.

import type { GateArgs } from "../gate.js";
import { f32, type Fields, i32 } from "../params.js";
import type { WeightPack, WeightSpec } from "../weights.js";

/** conv.weight [1, C] (or [1, C, 1, 1]) and conv.bias [1], under `prefix`. */
export function spatialGateWeights(channels: number, bias: boolean, prefix = ""): WeightSpec[] {
  const specs: WeightSpec[] = [{ key: `${prefix}conv.weight`, shape: [1, channels] }];
  if (bias) specs.push({ key: `${prefix}conv.bias`, shape: [1] });
  return specs;
}

/** The SpatialGate record, its weights under `prefix` in `pack`. */
export function spatialGateRecord(channels: number, gate: GateArgs, pack: WeightPack, prefix = ""): Fields {
  return [i32(channels), i32(pack.ptr(`${prefix}conv.weight`)), i32(pack.ptr(`${prefix}conv.bias`)), i32(gate.gate), f32(gate.alpha), f32(gate.beta)];
}
