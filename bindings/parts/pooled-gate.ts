// The constants that ECA and effective SE share (assembly/parts/pooled-gate.ts): one gate per
// channel from one global pool per channel.

import type { GateArgs } from "../gate.js";
import { f32, type Fields, i32 } from "../params.js";

/** The PooledGate fields (the first of the block's record): layout code, C, the pool (POOL_*), the gate. */
export function pooledGateRecord(layout: number, channels: number, pool: number, gate: GateArgs): Fields {
  return [i32(layout), i32(channels), i32(pool), i32(gate.gate), f32(gate.alpha), f32(gate.beta)];
}
