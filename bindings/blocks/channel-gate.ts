// Options and weights of the channel excitation shared by SE, cSE and scSE's cSE branch
// (assembly/blocks/channel-gate.ts computes it).

import { ACTIVATION, type Activation, POOL, type Pool } from "../abi.js";
import { type GateArgs, type GateOptions, GATE_OPTION_KEYS, parseGate } from "../gate.js";
import { bool, oneOf, positiveInt, reducedChannels } from "../validate.js";
import type { WeightPack, WeightSpec } from "../weights.js";

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
  readonly activation: number;
  readonly pool: number;
  readonly gate: GateArgs;
}

export function parseChannelGate(block: string, o: ChannelGateOptions): ChannelGate {
  const channels = positiveInt(block, "channels", o.channels);
  return {
    channels,
    reduced: reducedChannels(block, channels, o.reduction, o.reducedChannels, 16),
    bias: bool(block, "bias", o.bias, true),
    activation: ACTIVATION[oneOf(block, "activation", o.activation, Object.keys(ACTIVATION) as Activation[], "relu")],
    pool: POOL[oneOf(block, "pool", o.pool, Object.keys(POOL) as Pool[], "avg")],
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

/** The module's (r, w1, b1, w2, b2) arguments. */
export function channelGateArgs(g: ChannelGate, pack: WeightPack, prefix = ""): [number, number, number, number, number] {
  return [g.reduced, pack.ptr(`${prefix}fc1.weight`), pack.ptr(`${prefix}fc1.bias`), pack.ptr(`${prefix}fc2.weight`), pack.ptr(`${prefix}fc2.bias`)];
}
