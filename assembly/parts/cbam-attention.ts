// CBAM (Woo et al., arXiv 1807.06521).
// Channel: ca = σ(Σ_p fc2(relu(fc1(pool_p(x))))) over the pools p (summed before the sigmoid,
// fc2's bias once per pool, as PyTorch); x1 = x·ca.
// Spatial: sa = σ(conv_k([maxC(x1), meanC(x1)]) + b) (the eval-mode BN folded into the 2→1
// conv at create), y = x1·sa.
// x is read three times (all pools of a plane while it is in cache; the channel statistics of
// x·ca, which is never written; the output pass) and y written once.

import { Call } from "../call";
import { rowMeanMax, Scaled, statsItems, stridedStats } from "../kernels/f32-cpool";
import { f32_dense } from "../kernels/f32-dense";
import { planeMeanMax, poolRow } from "../kernels/f32-gpool";
import { MulS, MulSAddRRelu, MulSThenQ, MulSThenQAddRRelu, RowsAreChannels, RowsArePixels, scaleRows } from "../kernels/f32-vscale";
import { f32_vrelu, f32_vsigmoid } from "../kernels/f32-vunary";
import { CONV_KINDS, CONV_SLOTS, convStagesPlan, convStagesRun } from "./conv-stages";
import { LAYOUT_NHWC, POOL_AVG, POOL_LP, POOL_LSE, POOL_MAX } from "../../bindings/constants";
import { poolChunks, STAT_MAX, STAT_SUM, STAT_SUMEXP, STAT_SUMSQ, statChunkNhwc, statCombineNhwc } from "../kernels/f32-gpool-nhwc";
import { spatialPassItemsNhwc, spatialRowsNhwc } from "./spatial-gate";

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
const POOLED = 0, M = 1, HIDDEN = 2, CA = 3, MAPS = 4, SA = 5, PARTIAL = 6, PARTIAL2 = 7, LSE_MAX = 8, CONV = 9;
/** Private words CBAM's plan takes. */
export const CBAM_SLOTS = CONV + CONV_SLOTS;
const POOL = 0, MLP = 1, STATS = 2, OUTPUT = 3, LSE_COMBINE = 4, LSE_POOL = 5, CONV_STAGES = 6;
/** Stage codes CBAM's plan takes. */
export const CBAM_KINDS = CONV_STAGES + CONV_KINDS;

/** Plans CBAM on [n, c, h, w] into the call's regions from private word `slot` and stage codes from `kindBase`. */
export function cbamPlan(p: CBAMParams, k: Call, n: i32, h: i32, w: i32, slot: i32, kindBase: i32): void {
  const hw = <u64>h * <u64>w, rows = <u64>p.pools * <u64>n;
  const nhwc = p.layout == LAYOUT_NHWC;
  k.region(slot + POOLED, rows * <u64>p.c);
  k.region(slot + M, rows * <u64>p.c);
  k.region(slot + HIDDEN, rows * <u64>p.r);
  k.region(slot + CA, <u64>n * <u64>p.c);
  if (nhwc) {
    // each pool's partial rows per chunk of pixels (f32-gpool-nhwc.ts); lse's Σ e^(x − max) after its max
    const partial = rows * <u64>poolChunks(h * w) * <u64>p.c;
    k.region(slot + PARTIAL, partial);
    k.region(slot + PARTIAL2, hasLse(p) ? partial : 0);
    k.region(slot + LSE_MAX, hasLse(p) ? <u64>n * <u64>p.c : 0);
    k.stage(kindBase + POOL, n * poolChunks(h * w));
    if (hasLse(p)) {
      k.stage(kindBase + LSE_COMBINE, n);
      k.stage(kindBase + LSE_POOL, n * poolChunks(h * w));
    }
  } else {
    k.stage(kindBase + POOL, n * p.c);
  }
  k.stage(kindBase + MLP, n);
  if (p.conv) {
    k.region(slot + MAPS, <u64>n * 2 * hw);
    k.region(slot + SA, <u64>n * hw);
    k.stage(kindBase + STATS, nhwc ? spatialPassItemsNhwc(n, h * w, p.c) : statsItems(n, h * w));
    // sa = σ(conv(maps) + b), the sigmoid the conv's epilogue
    convStagesPlan(p.conv, k, n, h, w, slot + CONV, kindBase + CONV_STAGES);
  }
  k.stage(kindBase + OUTPUT, nhwc ? n * h * w : n * p.c);
}

@inline function hasLse(p: CBAMParams): bool {
  for (let i = 0; i < p.pools; i++) if (poolCode(p, i) == POOL_LSE) return true;
  return false;
}

/** The statistic pool `code` accumulates first in NHWC (lse: its max). */
@inline function firstStat(code: i32): i32 {
  return code == POOL_AVG ? STAT_SUM : code == POOL_LP ? STAT_SUMSQ : STAT_MAX;
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
  if (p.layout == LAYOUT_NHWC) {
    cbamRunNhwc(p, k, kind, x, y, n, h, w, slot, begin, end);
    return;
  }
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
    cbamMlp(p, n, pooled, hidden, m, ca, begin, end);
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

/** Images [begin, end): m[pool, n] = fc2(relu(fc1(pooled[pool, n]))); ca[n] = σ(m[0, n] + m[1, n] + …), in the order of the pools. */
function cbamMlp(p: CBAMParams, n: i32, pooled: usize, hidden: usize, m: usize, ca: usize, begin: i32, end: i32): void {
  const c = p.c, planes = n * c, rows = end - begin;
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
}

/** cbamRun in NHWC: x [n][hw][c] (the maps and sa stay [n][2][hw], [n][hw]: the conv's NCHW input and output). */
function cbamRunNhwc(p: CBAMParams, k: Call, kind: i32, x: usize, y: usize, n: i32, h: i32, w: i32, slot: i32, begin: i32, end: i32): void {
  const hw = h * w, c = p.c, chunks = poolChunks(hw);
  const rowBytes = <usize>c << 2, imageBytes = <usize>hw * rowBytes, planeBytes = <usize>hw << 2;
  const partial = k.at(slot + PARTIAL), partial2 = k.at(slot + PARTIAL2), lseMax = k.at(slot + LSE_MAX);
  // partial rows of pool q: [q][n][chunk][c], poolBytes apart
  const poolBytes = <usize>n * <usize>chunks * rowBytes;
  const pooled = k.at(slot + POOLED), ca = k.at(slot + CA);
  if (kind == POOL) {
    for (let item = begin; item < end; item++) {
      const img = item / chunks, chunk = item % chunks;
      for (let q = 0; q < p.pools; q++) {
        statChunkNhwc(firstStat(poolCode(p, q)), x + <usize>img * imageBytes, c, hw, chunk, 0, partial + <usize>q * poolBytes + <usize>item * rowBytes);
      }
    }
  } else if (kind == LSE_COMBINE || kind == LSE_POOL) {
    // log-sum-exp's second pass, Σ e^(x − max) with the image's combined max
    let lse = 0;
    while (poolCode(p, lse) != POOL_LSE) lse++;
    for (let item = begin; item < end; item++) {
      if (kind == LSE_COMBINE) {
        statCombineNhwc(STAT_MAX, partial + <usize>lse * poolBytes + <usize>item * <usize>chunks * rowBytes, chunks, c, lseMax + <usize>item * rowBytes);
      } else {
        const img = item / chunks;
        statChunkNhwc(STAT_SUMEXP, x + <usize>img * imageBytes, c, hw, item % chunks, lseMax + <usize>img * rowBytes, partial2 + <usize>item * rowBytes);
      }
    }
  } else if (kind == MLP) {
    // each pool's value from its partial rows, into pooled[pool, n·C + c] as NCHW's, then the MLP
    for (let img = begin; img < end; img++) {
      for (let q = 0; q < p.pools; q++) {
        const code = poolCode(p, q);
        const out = pooled + (<usize>(q * n + img) * rowBytes);
        const from = <usize>img * <usize>chunks * rowBytes;
        if (code == POOL_LSE) statCombineNhwc(STAT_SUM, partial2 + from, chunks, c, out);
        else statCombineNhwc(firstStat(code), partial + <usize>q * poolBytes + from, chunks, c, out);
        for (let ch = 0; ch < c; ch++) {
          const at = out + (<usize>ch << 2);
          const v = load<f32>(at);
          if (code == POOL_AVG) store<f32>(at, v / <f32>hw);
          else if (code == POOL_LP) store<f32>(at, Mathf.sqrt(v));
          else if (code == POOL_LSE) {
            const mx = load<f32>(lseMax + <usize>img * rowBytes + (<usize>ch << 2));
            store<f32>(at, Mathf.abs(mx) == Infinity ? mx : Mathf.log(v) + mx);
          }
        }
      }
    }
    cbamMlp(p, n, pooled, k.at(slot + HIDDEN), k.at(slot + M), ca, begin, end);
  } else if (kind == STATS) {
    // the maps [n][2][hw] of x·ca, one pixel row at a time: its mean and max over the channels
    const maps = k.at(slot + MAPS);
    const tile = spatialRowsNhwc(c), tiles = (hw + tile - 1) / tile;
    for (let item = begin; item < end; item++) {
      const img = item / tiles, p0 = (item % tiles) * tile, p1 = min(hw, p0 + tile);
      const image = maps + <usize>img * 2 * planeBytes;
      const maxAt = p.maxFirst ? image : image + planeBytes, meanAt = p.maxFirst ? image + planeBytes : image;
      for (let px = p0; px < p1; px++) {
        const v = rowMeanMax<Scaled>(x + <usize>img * imageBytes + <usize>px * rowBytes, c, ca + <usize>img * rowBytes);
        store<f32>(meanAt + (<usize>px << 2), f32x4.extract_lane(v, 0));
        store<f32>(maxAt + (<usize>px << 2), f32x4.extract_lane(v, 1));
      }
    }
  } else if (kind >= CONV_STAGES) {
    convStagesRun(p.conv, k, kind - CONV_STAGES, k.at(slot + MAPS), k.at(slot + SA), n, h, w, slot + CONV, begin, end);
  } else if (p.conv) {
    scaleRows<MulSThenQ, RowsArePixels>(x, y, 0, rowBytes, c, hw, k.at(slot + SA), ca, rowBytes, begin, end);
  } else {
    scaleRows<MulS, RowsArePixels>(x, y, 0, rowBytes, c, hw, 0, ca, rowBytes, begin, end);
  }
}
