// scSE (Roy et al., arXiv 1803.02579): y = combine(x·s[n, c], x·q[n, i]), combine 'add' (the
// articles, smp's SCSEModule) or 'max' (the authors' package); s the channel gate of
// channel-gate.ts, q the spatial gate of spatial-gate.ts. x is read from memory twice and y written once:
// - average pool: one pass over tiles of pixels takes each tile's squeeze (q) and its per-channel
//   sums; the sums give s; a second pass recalibrates with the stored q;
// - max and avgmax pools: a pooling pass gives s; the second pass takes the squeeze of each tile
//   and recalibrates it while it is in L2.

import { COMBINE_MAX, LAYOUT_NHWC, POOL_AVG } from "../../bindings/constants";
import { Call } from "../call";
import { paddedPixels, tilePixels } from "../kernels/f32-conv1x1";
import { meansOfTiles } from "../kernels/f32-gpool";
import { MaxMulSMulQ, MulSumSQ } from "../kernels/f32-vscale";
import { hsum, madd } from "../simd";
import { sumRowsNhwc } from "../kernels/f32-gpool-nhwc";
import { ChannelGate, gateCombineNhwc, gateExcite, gatePartialFloats, gatePool, gatePoolItemsNhwc, gatePoolNhwc } from "../parts/channel-gate";
import { gateTile, SpatialGate, spatialPass, spatialPassItems, spatialPassItemsNhwc, spatialPassNhwc, spatialRowsNhwc, squeezeRowsNhwc } from "../parts/spatial-gate";

/** scSE's constants (bindings/blocks/scse.ts): layout, the cSE and sSE branches' records, combine (COMBINE_ADD or COMBINE_MAX). */
@unmanaged class SCSEParams { layout: i32; cse: usize; sse: usize; combine: i32; }

const Q = 0, GATE = 1, HIDDEN = 2, PARTIAL = 3, SUMS = 4, MAXES = 5;
const STATS = 0, POOL = 1, EXCITE = 2, PASS = 3, RECALIBRATE = 4;

export function scse_plan(params: usize, call: usize): void {
  const p = changetype<SCSEParams>(params), k = changetype<Call>(call);
  const g = changetype<ChannelGate>(p.cse);
  const hw = k.h * k.w, nhwc = p.layout == LAYOUT_NHWC;
  const items = nhwc ? spatialPassItemsNhwc(k.n, hw, g.c) : spatialPassItems(k.n, hw, tilePixels(g.c));
  k.begin();
  k.region(Q, <u64>k.n * <u64>paddedPixels(hw));
  k.region(GATE, <u64>k.n * <u64>g.c);
  k.region(HIDDEN, <u64>k.n * <u64>g.r);
  if (g.pool == POOL_AVG) {
    k.region(PARTIAL, <u64>items * <u64>g.c);
    k.stage(STATS, items);
    k.stage(EXCITE, k.n);
    k.stage(RECALIBRATE, items);
  } else {
    if (nhwc) {
      k.region(SUMS, gatePartialFloats(g, k.n, hw));
      k.region(MAXES, gatePartialFloats(g, k.n, hw));
    }
    k.stage(POOL, nhwc ? gatePoolItemsNhwc(k.n, hw) : k.n * g.c);
    k.stage(EXCITE, k.n);
    k.stage(PASS, items);
  }
}

export function scse_run(params: usize, call: usize, stage: i32, begin: i32, end: i32): void {
  const p = changetype<SCSEParams>(params), k = changetype<Call>(call);
  const g = changetype<ChannelGate>(p.cse), sg = changetype<SpatialGate>(p.sse);
  const hw = k.h * k.w, nhwc = p.layout == LAYOUT_NHWC;
  const kind = k.kind(stage);
  if (kind == STATS) {
    if (nhwc) squeezeAndSumsNhwc(sg, k.x, hw, k.at(Q), k.at(PARTIAL), begin, end);
    else squeezeAndSums(sg, k.x, hw, k.at(Q), k.at(PARTIAL), begin, end);
  } else if (kind == POOL) {
    if (nhwc) gatePoolNhwc(g, k.x, hw, k.at(SUMS), k.at(MAXES), begin, end);
    else gatePool(g, k.x, hw, k.at(GATE), begin, end);
  } else if (kind == EXCITE) {
    if (g.pool == POOL_AVG) meansOfTiles(k.at(PARTIAL), g.c, hw, nhwc ? spatialRowsNhwc(g.c) : tilePixels(g.c), k.at(GATE), begin, end);
    else if (nhwc) gateCombineNhwc(g, k.at(SUMS), k.at(MAXES), hw, k.at(GATE), begin, end);
    gateExcite(g, k.at(GATE), k.at(HIDDEN), k.at(GATE), begin, end);
  } else {
    const squeeze = kind == PASS;
    if (nhwc) {
      if (p.combine == COMBINE_MAX) spatialPassNhwc<MaxMulSMulQ>(sg, k.x, k.y, hw, k.at(GATE), k.at(Q), begin, end, squeeze);
      else spatialPassNhwc<MulSumSQ>(sg, k.x, k.y, hw, k.at(GATE), k.at(Q), begin, end, squeeze);
    } else if (p.combine == COMBINE_MAX) spatialPass<MaxMulSMulQ>(sg, k.x, k.y, hw, k.at(GATE), k.at(Q), begin, end, squeeze);
    else spatialPass<MulSumSQ>(sg, k.x, k.y, hw, k.at(GATE), k.at(Q), begin, end, squeeze);
  }
}

/**
 * Items [begin, end) of (image, tile): one read of the tile's pixels of every channel gives
 * q = gate(bias + Σ_c w[c]·x[c, i]) (into q [N][paddedPixels(hw)]) and partial[item, c] = Σ_i x[c, i].
 * Four planes at a time, as conv1x1Tile.
 */
function squeezeAndSums(g: SpatialGate, x: usize, hw: i32, q: usize, partial: usize, begin: i32, end: i32): void {
  const c = g.c;
  const planeBytes = <usize>hw << 2;
  const tile = tilePixels(c);
  const tiles = (hw + tile - 1) / tile;
  for (let item = begin; item < end; item++) {
    const img = item / tiles, t = (item % tiles) * tile;
    const tw = min(tile, hw - t);
    const qt = q + <usize>img * (<usize>paddedPixels(hw) << 2) + (<usize>t << 2);
    const full = <usize>(tw & ~3) << 2;
    const bytes = <usize>(tw + 3 & ~3) << 2;
    // The lanes of the last vector that belong to the tile; the others must not reach the sums.
    const tail = i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(tw & 3));
    memory.fill(qt, 0, bytes);
    let xc = x + <usize>img * <usize>c * planeBytes + (<usize>t << 2), wc = g.w, pc = partial + (<usize>(item * c) << 2), ch = 0;
    for (; ch + 4 <= c; ch += 4, wc += 16, pc += 16, xc += planeBytes << 2) {
      const w0 = v128.load32_splat(wc), w1 = v128.load32_splat(wc, 4), w2 = v128.load32_splat(wc, 8), w3 = v128.load32_splat(wc, 12);
      const x1 = xc + planeBytes, x2 = x1 + planeBytes, x3 = x2 + planeBytes;
      let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0;
      let o: usize = 0;
      for (; o < full; o += 16) {
        const v0 = v128.load(xc + o), v1 = v128.load(x1 + o), v2 = v128.load(x2 + o), v3 = v128.load(x3 + o);
        v128.store(qt + o, madd(w3, v3, madd(w2, v2, madd(w1, v1, madd(w0, v0, v128.load(qt + o))))));
        s0 = f32x4.add(s0, v0); s1 = f32x4.add(s1, v1); s2 = f32x4.add(s2, v2); s3 = f32x4.add(s3, v3);
      }
      if (o < bytes) {
        const v0 = v128.load(xc + o), v1 = v128.load(x1 + o), v2 = v128.load(x2 + o), v3 = v128.load(x3 + o);
        v128.store(qt + o, madd(w3, v3, madd(w2, v2, madd(w1, v1, madd(w0, v0, v128.load(qt + o))))));
        s0 = f32x4.add(s0, v128.and(v0, tail)); s1 = f32x4.add(s1, v128.and(v1, tail));
        s2 = f32x4.add(s2, v128.and(v2, tail)); s3 = f32x4.add(s3, v128.and(v3, tail));
      }
      store<f32>(pc, hsum(s0));
      store<f32>(pc, hsum(s1), 4);
      store<f32>(pc, hsum(s2), 8);
      store<f32>(pc, hsum(s3), 12);
    }
    for (; ch < c; ch++, wc += 4, pc += 4, xc += planeBytes) {
      const w0 = v128.load32_splat(wc);
      let s0 = f32x4.splat(0);
      let o: usize = 0;
      for (; o < full; o += 16) {
        const v0 = v128.load(xc + o);
        v128.store(qt + o, madd(w0, v0, v128.load(qt + o)));
        s0 = f32x4.add(s0, v0);
      }
      if (o < bytes) {
        const v0 = v128.load(xc + o);
        v128.store(qt + o, madd(w0, v0, v128.load(qt + o)));
        s0 = f32x4.add(s0, v128.and(v0, tail));
      }
      store<f32>(pc, hsum(s0));
    }
    gateTile(g, qt, tw);
  }
}

/**
 * NHWC items [begin, end) of (image, tile of pixel rows): the tile's squeeze into q [N·hw] and its
 * rows' sum into partial[item] [C] (the rows read once; the sum's sweep finds them in cache).
 */
function squeezeAndSumsNhwc(g: SpatialGate, x: usize, hw: i32, q: usize, partial: usize, begin: i32, end: i32): void {
  const tile = spatialRowsNhwc(g.c), tiles = (hw + tile - 1) / tile;
  for (let item = begin; item < end; item++) {
    const img = item / tiles;
    const r0 = img * hw + (item % tiles) * tile, r1 = min(img * hw + hw, r0 + tile);
    squeezeRowsNhwc(g, x, q, r0, r1);
    sumRowsNhwc(x, g.c, r0, r1, partial + (<usize>(item * g.c) << 2));
  }
}
