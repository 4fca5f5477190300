// The channel excitation shared by SE, cSE, scSE's cSE branch and the SE residual block
// (assembly/parts/channel-gate.ts computes it): s = gate(fc2(act(fc1(pool(x))))).

import { ACT_HARDSWISH, ACT_NONE, ACT_RELU, ACT_SILU, POOL_AVG, POOL_AVGMAX, POOL_MAX } from "../constants.js";
import { type GateArgs, type GateOptions, GATE_OPTION_KEYS, parseGate } from "../gate.js";
import { f32, type Fields, i32 } from "../params.js";
import { bool, oneOf, positiveInt, reducedChannels } from "../validate.js";
import type { WeightPack, WeightSpec } from "../weights.js";

export const ACTIVATIONS = { none: ACT_NONE, relu: ACT_RELU, silu: ACT_SILU, hardswish: ACT_HARDSWISH } as const;
export const SE_POOLS = { avg: POOL_AVG, max: POOL_MAX, avgmax: POOL_AVGMAX } as const;
export type Activation = keyof typeof ACTIVATIONS;
export type Pool = keyof typeof SE_POOLS;

export interface ChannelGateOptions extends GateOptions {
  /** Channel count C of the input. */
  channels: number;
  /** R = max(1, floor(C / reduction)) (default 16). */
  reduction?: number;
  /** R given outright (as timm's rounded widths); overrides `reduction`. */
  reducedChannels?: number;
  /** Whether fc1 and fc2 have biases (default true). */
  bias?: boolean;
  /** The activation between fc1 and fc2 (default 'relu'). */
  activation?: Activation;
  /** The squeeze: global 'avg' (default), 'max', or 'avgmax' = 0.5·avg + 0.5·max. */
  pool?: Pool;
}

export const CHANNEL_GATE_OPTION_KEYS = ["channels", "reduction", "reducedChannels", "bias", "activation", "pool", ...GATE_OPTION_KEYS] as const;

export interface ChannelGate {
  readonly channels: number;
  readonly reduced: number;
  readonly bias: boolean;
  readonly activation: Activation;
  readonly pool: Pool;
  readonly gate: GateArgs;
}

export function parseChannelGate(block: string, o: ChannelGateOptions): ChannelGate {
  const channels = positiveInt(block, "channels", o.channels);
  return {
    channels,
    reduced: reducedChannels(block, channels, o.reduction, o.reducedChannels, 16),
    bias: bool(block, "bias", o.bias, true),
    activation: oneOf(block, "activation", o.activation, Object.keys(ACTIVATIONS) as Activation[], "relu"),
    pool: oneOf(block, "pool", o.pool, Object.keys(SE_POOLS) as Pool[], "avg"),
    gate: parseGate(block, o),
  };
}

/** fc1 [R, C], fc1 bias [R], fc2 [C, R], fc2 bias [C], under `prefix`. */
export function channelGateWeights(g: ChannelGate, prefix = ""): WeightSpec[] {
  const specs: WeightSpec[] = [{ key: `${prefix}fc1.weight`, shape: [g.reduced, g.channels] }];
  if (g.bias) specs.push({ key: `${prefix}fc1.bias`, shape: [g.reduced] });
  specs.push({ key: `${prefix}fc2.weight`, shape: [g.channels, g.reduced] });
  if (g.bias) specs.push({ key: `${prefix}fc2.bias`, shape: [g.channels] });
  return specs;
}

/** The ChannelGate record (assembly/parts/channel-gate.ts), its weights under `prefix` in `pack`. */
export function channelGateRecord(g: ChannelGate, pack: WeightPack, prefix = ""): Fields {
  const p = (key: string) => i32(pack.ptr(`${prefix}${key}`));
  return [
    i32(g.channels), i32(g.reduced), i32(ACTIVATIONS[g.activation]), i32(g.gate.gate), f32(g.gate.alpha), f32(g.gate.beta), i32(SE_POOLS[g.pool]),
    p("fc1.weight"), p("fc1.bias"), p("fc2.weight"), p("fc2.bias"),
  ];
}
