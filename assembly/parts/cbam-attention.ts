// CBAM (Woo et al., arXiv 1807.06521).
// Channel: ca = σ(Σ_p fc2(relu(fc1(pool_p(x))))) over the pools p (summed before the sigmoid,
// fc2's bias once per pool, as PyTorch); x1 = x·ca.
// Spatial: sa = σ(conv_k([maxC(x1), meanC(x1)]) + b) (the eval-mode BN folded into the 2→1
// conv at create), y = x1·sa.
// x is read three times (all pools of a plane while it is in cache; the channel statistics of
// x·ca, which is never written; the output pass) and y written once.

import { Call } from "../call";
import { Scaled, statsItems, stridedStats } from "../kernels/f32-cpool";
import { f32_dense } from "../kernels/f32-dense";
import { planeMeanMax, poolRow } from "../kernels/f32-gpool";
import { MulS, MulSAddRRelu, MulSThenQ, MulSThenQAddRRelu, RowsAreChannels, scaleRows } from "../kernels/f32-vscale";
import { f32_vrelu, f32_vsigmoid } from "../kernels/f32-vunary";
import { CONV_KINDS, CONV_SLOTS, convStagesPlan, convStagesRun } from "./conv-stages";
import { POOL_AVG, POOL_MAX } from "../../bindings/constants";

/**
 * CBAM's constants (bindings/blocks/cbam.ts): layout, C, R, fc1 [R, C] and bias, fc2 [C, R] and
 * bias (0 = none), the pools (1 to 4, POOL_* codes, summed in this order), the spatial conv's
 * record (0: no spatial branch) and whether the maps are [max, mean] (the official order).
 */
@unmanaged export class CBAMParams {
  layout: i32; c: i32; r: i32; w1: usize; b1: usize; w2: usize; b2: usize;
  pools: i32; pool0: i32; pool1: i32; pool2: i32; pool3: i32;
  conv: usize; maxFirst: i32;
}

@inline function poolCode(p: CBAMParams, i: i32): i32 {
  return i == 0 ? p.pool0 : i == 1 ? p.pool1 : i == 2 ? p.pool2 : p.pool3;
}

// Regions and stages, relative to the bases the host block gives (CBAM is also a part of CBAMBasicBlock).
const POOLED = 0, M = 1, HIDDEN = 2, CA = 3, MAPS = 4, SA = 5, CONV = 6;
/** Private words CBAM's plan takes. */
export const CBAM_SLOTS = CONV + CONV_SLOTS;
const POOL = 0, MLP = 1, STATS = 2, OUTPUT = 3, CONV_STAGES = 4;
/** Stage codes CBAM's plan takes. */
export const CBAM_KINDS = CONV_STAGES + CONV_KINDS;

/** Plans CBAM on [n, c, h, w] into the call's regions from private word `slot` and stage codes from `kindBase`. */
export function cbamPlan(p: CBAMParams, k: Call, n: i32, h: i32, w: i32, slot: i32, kindBase: i32): void {
  const hw = <u64>h * <u64>w, rows = <u64>p.pools * <u64>n;
  k.region(slot + POOLED, rows * <u64>p.c);
  k.region(slot + M, rows * <u64>p.c);
  k.region(slot + HIDDEN, rows * <u64>p.r);
  k.region(slot + CA, <u64>n * <u64>p.c);
  k.stage(kindBase + POOL, n * p.c);
  k.stage(kindBase + MLP, n);
  if (p.conv) {
    k.region(slot + MAPS, <u64>n * 2 * hw);
    k.region(slot + SA, <u64>n * hw);
    k.stage(kindBase + STATS, statsItems(n, h * w));
    // sa = σ(conv(maps) + b), the sigmoid the conv's epilogue
    convStagesPlan(p.conv, k, n, h, w, slot + CONV, kindBase + CONV_STAGES);
  }
  k.stage(kindBase + OUTPUT, n * p.c);
}

/**
 * Items [begin, end) of CBAM's stage `kind` (relative to its base) over x [n, c, h, w] into y; with
 * residual ≠ 0 (shaped as x) the output is relu(CBAM(x) + residual). y may alias x and residual.
 */
export function cbamRun(p: CBAMParams, k: Call, kind: i32, x: usize, y: usize, residual: usize, n: i32, h: i32, w: i32, slot: i32, begin: i32, end: i32): void {
  const hw = h * w, c = p.c;
  const planes = n * c;
  const pooled = k.at(slot + POOLED), m = k.at(slot + M), hidden = k.at(slot + HIDDEN), ca = k.at(slot + CA);
  const planeBytes = <usize>hw << 2;
  if (kind == POOL) {
    // pooled[pool, n·C + c] = pool(x[n, c]): every pool of a plane while the plane is in cache;
    // the default pools, avg and max (in either order), in one read of the plane
    const avgMax = p.pools == 2 && ((p.pool0 == POOL_AVG && p.pool1 == POOL_MAX) || (p.pool0 == POOL_MAX && p.pool1 == POOL_AVG));
    const avgLane = p.pool0 == POOL_AVG ? 0 : 1;
    for (let i = begin; i < end; i++) {
      const plane = x + <usize>i * planeBytes;
      if (avgMax) {
        const v = planeMeanMax(plane, hw);
        store<f32>(pooled + (<usize>(avgLane * planes + i) << 2), f32x4.extract_lane(v, 0));
        store<f32>(pooled + (<usize>((1 - avgLane) * planes + i) << 2), f32x4.extract_lane(v, 1));
      } else {
        for (let q = 0; q < p.pools; q++) store<f32>(pooled + (<usize>(q * planes + i) << 2), poolRow(poolCode(p, q), plane, hw));
      }
    }
  } else if (kind == MLP) {
    // m[pool, n] = fc2(relu(fc1(pooled[pool, n]))); ca[n] = σ(m[0, n] + m[1, n] + …), in the order of the pools
    const rows = end - begin;
    for (let q = 0; q < p.pools; q++) {
      const at = q * planes + begin * c;
      const hid = hidden + (<usize>((q * n + begin) * p.r) << 2);
      f32_dense(pooled + (<usize>at << 2), rows, c, p.w1, p.b1, p.r, hid);
      f32_vrelu(hid, rows * p.r, hid);
      f32_dense(hid, rows, p.r, p.w2, p.b2, c, m + (<usize>at << 2));
    }
    for (let i = begin * c; i < end * c; i++) {
      let sum = load<f32>(m + (<usize>i << 2));
      for (let q = 1; q < p.pools; q++) sum += load<f32>(m + (<usize>(q * planes + i) << 2));
      store<f32>(ca + (<usize>i << 2), sum);
    }
    f32_vsigmoid(ca + (<usize>(begin * c) << 2), rows * c, ca + (<usize>(begin * c) << 2));
  } else if (kind == STATS) {
    // the maps [n][2][hw] of x·ca: maxC and meanC, in the order the conv's weights expect
    const maps = k.at(slot + MAPS);
    const maxAt = p.maxFirst ? maps : maps + planeBytes, meanAt = p.maxFirst ? maps + planeBytes : maps;
    stridedStats<Scaled>(x, c, hw, ca, maxAt, meanAt, planeBytes * 2, begin, end);
  } else if (kind >= CONV_STAGES) {
    convStagesRun(p.conv, k, kind - CONV_STAGES, k.at(slot + MAPS), k.at(slot + SA), n, h, w, slot + CONV, begin, end);
  } else {
    const sa = k.at(slot + SA);
    if (p.conv) {
      if (residual) scaleRows<MulSThenQAddRRelu, RowsAreChannels>(x, y, residual, planeBytes, hw, c, ca, sa, planeBytes, begin, end);
      else scaleRows<MulSThenQ, RowsAreChannels>(x, y, 0, planeBytes, hw, c, ca, sa, planeBytes, begin, end);
    } else {
      if (residual) scaleRows<MulSAddRRelu, RowsAreChannels>(x, y, residual, planeBytes, hw, 1, ca, 0, 0, begin, end);
      else scaleRows<MulS, RowsAreChannels>(x, y, 0, planeBytes, hw, 1, ca, 0, 0, begin, end);
    }
  }
}
