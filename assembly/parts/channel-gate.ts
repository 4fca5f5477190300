// The channel excitation of SE / cSE (Hu et al., arXiv 1709.01507), shared by SE, cSE, scSE's cSE
// branch and the SE residual block: s[n, c] = gate(fc2(act(fc1(pool(x)))))[n, c].
// Not a block of its own: its record is embedded (by pointer) in theirs, and they call its stages.

import { f32_dense } from "../kernels/f32-dense";
import { poolRow } from "../kernels/f32-gpool";
import { f32_vactivation, f32_vgate } from "../kernels/f32-vgate";
import { globalPoolCombineNhwc, globalPoolItemsNhwc, globalPoolNhwc, globalPoolPartialFloats } from "./global-pool-nhwc";

/**
 * The constants of a channel gate (bindings/blocks/channel-gate.ts writes them, field for field):
 * C, R, the activation (ACT_*), the gate (GATE_*) and its hard-sigmoid alpha, beta, the pool
 * (POOL_AVG, POOL_MAX or POOL_AVGMAX), fc1 [R, C] and its bias, fc2 [C, R] and its bias (0 = none).
 */
@unmanaged export class ChannelGate {
  c: i32; r: i32; act: i32; gate: i32; alpha: f32; beta: f32; pool: i32;
  w1: usize; b1: usize; w2: usize; b2: usize;
}

/** Planes [begin, end) (index n·C + c) of pooled[n, c] = pool(x[n, c]) over hw floats. */
export function gatePool(g: ChannelGate, x: usize, hw: i32, pooled: usize, begin: i32, end: i32): void {
  const bytes = <usize>hw << 2;
  for (let i = begin; i < end; i++) store<f32>(pooled + (<usize>i << 2), poolRow(g.pool, x + <usize>i * bytes, hw));
}

/**
 * Images [begin, end) of s[n, C] = gate(fc2(act(fc1(pooled[n, C])))), hidden [N, R] their scratch
 * (pooled and s may be the same region).
 */
export function gateExcite(g: ChannelGate, pooled: usize, hidden: usize, s: usize, begin: i32, end: i32): void {
  const rows = end - begin;
  const c = g.c, r = g.r;
  const p = pooled + (<usize>(begin * c) << 2), h = hidden + (<usize>(begin * r) << 2), y = s + (<usize>(begin * c) << 2);
  f32_dense(p, rows, c, g.w1, g.b1, r, h);
  f32_vactivation(h, rows * r, g.act, h);
  f32_dense(h, rows, r, g.w2, g.b2, c, y);
  f32_vgate(y, rows * c, g.gate, g.alpha, g.beta, y);
}

// ---- NHWC: the pool by chunks of pixels, combined per image (parts/global-pool-nhwc.ts) ----

/** Floats of the partial rows of one statistic of the pool: [N][chunks][C]. */
@inline export function gatePartialFloats(g: ChannelGate, n: i32, hw: i32): u64 {
  return globalPoolPartialFloats(n, hw, g.c);
}

/** Work items of the NHWC pool: (image, chunk of pixels). */
@inline export function gatePoolItemsNhwc(n: i32, hw: i32): i32 {
  return globalPoolItemsNhwc(n, hw);
}

/** Items [begin, end) of gatePoolItemsNhwc over x [N][hw][C]: the partial rows (globalPoolNhwc). */
export function gatePoolNhwc(g: ChannelGate, x: usize, hw: i32, sums: usize, maxes: usize, begin: i32, end: i32): void {
  globalPoolNhwc(g.pool, g.c, x, hw, sums, maxes, begin, end);
}

/** Images [begin, end): pooled[n] [C] from the partial rows of gatePoolNhwc. */
export function gateCombineNhwc(g: ChannelGate, sums: usize, maxes: usize, hw: i32, pooled: usize, begin: i32, end: i32): void {
  globalPoolCombineNhwc(g.pool, g.c, sums, maxes, hw, pooled, begin, end);
}
