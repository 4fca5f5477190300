// The frame of the blocks whose attention is one gate per channel computed from one global pool
// per channel, y = x·s[n, c] with s[n] = gate(excite(pool(x[n]))) (ECA, effective SE): the pool,
// the gate and the output pass (x read twice, y written once) around the block's excitation, in
// either layout: NCHW pools plane by plane, NHWC by chunks of pixel rows (parts/global-pool-nhwc.ts),
// combined per image before the excitation; the excitation works on [C] vectors in both.

import { LAYOUT_NHWC } from "../../bindings/constants";
import { Call } from "../call";
import { f32_gpool_cw } from "../kernels/f32-gpool";
import { f32_vgate } from "../kernels/f32-vgate";
import { scaleChannelNhwc } from "../kernels/f32-vmul-rows-nhwc";
import { MulS, RowsAreChannels, scaleRows } from "../kernels/f32-vscale";
import { globalPoolCombineNhwc, globalPoolNhwc, globalPoolPlanNhwc } from "./global-pool-nhwc";

/**
 * The first fields of such a block's constants (its @unmanaged class extends this one): layout,
 * C, the pool (POOL_*), the gate (GATE_*) and its alpha, beta.
 */
@unmanaged export class PooledGate { layout: i32; c: i32; pool: i32; gate: i32; alpha: f32; beta: f32; }

// regions: the pooled [N, C], the gate [N, C] (the excitation reads the first, writes the second),
// NHWC: the pool's partial sums and maxima [N][chunks][C]
const POOLED = 0, GATE = 1, SUMS = 2, MAXES = 3;
// stages: POOL (items N·C planes; NHWC N·chunks), NHWC: COMBINE (items N images), EXCITE (items N
// images), SCALE (items N·C planes; NHWC N·H·W pixel rows)
const POOL = 0, EXCITE = 1, SCALE = 2, COMBINE = 3;

/** Plans the stages on the call's [N, C, H, W] (or [N, H, W, C]). */
export function pooledGatePlan(p: PooledGate, k: Call): void {
  const hw = k.h * k.w;
  k.begin();
  k.region(POOLED, <u64>k.n * <u64>p.c);
  k.region(GATE, <u64>k.n * <u64>p.c);
  const nhwc = p.layout == LAYOUT_NHWC;
  if (nhwc) {
    globalPoolPlanNhwc(k, SUMS, MAXES, POOL, hw, p.c);
    k.stage(COMBINE, k.n);
  } else {
    k.stage(POOL, k.n * p.c);
  }
  k.stage(EXCITE, k.n);
  k.stage(SCALE, nhwc ? k.n * hw : k.n * p.c);
}

/** Whether `stage` is the one where the block computes z [N, C] of images [begin, end) from pooledRows into gateRows. */
@inline export function isExcite(k: Call, stage: i32): bool { return k.kind(stage) == EXCITE; }
/** The pooled values of image `n` on: rows of C floats. */
@inline export function pooledRows(p: PooledGate, k: Call, n: i32): usize { return k.at(POOLED) + (<usize>(n * p.c) << 2); }
/** Where the excitation of image `n` on goes (rows of C floats), gated in place after it. */
@inline export function gateRows(p: PooledGate, k: Call, n: i32): usize { return k.at(GATE) + (<usize>(n * p.c) << 2); }

/** Items [begin, end) of the frame's part of stage `stage`: the pool (and its combination), the gate of the block's z, or the output pass. */
export function pooledGateRun(p: PooledGate, k: Call, stage: i32, begin: i32, end: i32): void {
  const hw = k.h * k.w, planeBytes = <usize>hw << 2;
  const kind = k.kind(stage);
  const nhwc = p.layout == LAYOUT_NHWC;
  if (kind == POOL) {
    if (nhwc) globalPoolNhwc(p.pool, p.c, k.x, hw, k.at(SUMS), k.at(MAXES), begin, end);
    else f32_gpool_cw(k.x + <usize>begin * planeBytes, end - begin, hw, p.pool, k.at(POOLED) + (<usize>begin << 2));
  } else if (kind == COMBINE) {
    globalPoolCombineNhwc(p.pool, p.c, k.at(SUMS), k.at(MAXES), hw, k.at(POOLED), begin, end);
  } else if (kind == EXCITE) {
    f32_vgate(gateRows(p, k, begin), (end - begin) * p.c, p.gate, p.alpha, p.beta, gateRows(p, k, begin));
  } else if (nhwc) {
    scaleChannelNhwc(k.x, hw, p.c, k.at(GATE), k.y, begin, end);
  } else {
    scaleRows<MulS, RowsAreChannels>(k.x, k.y, 0, planeBytes, hw, 1, k.at(GATE), 0, 0, begin, end);
  }
}
