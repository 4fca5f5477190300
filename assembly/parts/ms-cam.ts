// MS-CAM, the multi-scale channel attention of attentional feature fusion (Dai et al., arXiv
// 2009.14082; YimianDai/open-aff aff_pytorch/aff_net/fusion.py `MS_CAM`, `AFF`, `iAFF`), shared by
// the MS-CAM, AFF and iAFF blocks: w(v) = σ(L(v) + G(v)) with the local branch
// L(v) = conv(relu(conv(v))) per pixel (1×1 C → I → C) and the global branch G the same on GAP(v),
// every batch norm folded into the conv before it at create (bindings/parts/ms-cam.ts).
//   MS-CAM  y = x·w(x)
//   AFF     y = 2·x·w + 2·r·(1 − w),  w = w(x + r)
//   iAFF    xi = x·w1 + r·(1 − w1), w1 = w(x + r);  y = x·w2 + r·(1 − w2), w2 = w'(xi)
//
// Stages: the table of the strips' row offsets (one item); the global pool of v (one item per plane); the
// global branch (one per image), whose output also carries the local branch's last bias; then the
// fused pass over items (image, tile of TILE pixels), strip by strip of STRIP pixels: the strip of
// v packed into scratch, its C rows contiguous (for AFF the sum x + r, which is never stored
// whole); h = relu(W1·v + b1) over the strip (f32-gemm-cw.ts); then for every 4 channels (or 1):
// l = W2·h + (b2 + G), w = σ(l), and the output rows of those channels from x, r and w
// (f32-vscale.ts). The strip's C rows (C·STRIP floats) stay in cache between the packing that
// reads them and the output that reads them again, so the pass reads its inputs from memory once
// and writes its output once. (Packing also keeps the conv's reads at one short stride, which the
// hardware prefetches well, where the tensor's rows are H·W·4 bytes apart.)
// MS-CAM and AFF: the pool and the fused pass read x (and r) from memory twice, y is written once.
// iAFF: the second stage needs GAP(xi) before any of its outputs, so xi is stored (scratch of x's
// size) by the first fused pass, which also sums it tile by tile; the second fused pass reads xi,
// x and r. x and r are read three times (pool, pass 1, pass 2), xi written and read once; storing
// xi instead of recomputing the first stage saves its 2·C·I multiply-adds per pixel, which cost
// far more than the C floats per pixel xi takes to write and read back.

import { Call } from "../call";
import { f32_dense } from "../kernels/f32-dense";
import { blockWidth } from "../kernels/f32-conv2d";
import { gemmRows, gemmTable } from "../kernels/f32-gemm-cw";
import { meansOfTiles, planeMean, planeMeanOfSum, planeSum } from "../kernels/f32-gpool";
import { MixQ, MixQ2, MulQ, RowsAreChannels, scaleRows } from "../kernels/f32-vscale";
import { f32_vrelu, f32_vsigmoid } from "../kernels/f32-vunary";

/**
 * One MS-CAM's constants (bindings/parts/ms-cam.ts): C, I, the local convs W1 [I, C] and W2 [C, I]
 * packed by f32_conv2d_pack with their biases, the global convs [I, C] and [C, I] row-major with
 * theirs (every batch norm folded in).
 */
@unmanaged export class MSCAM {
  c: i32; i: i32;
  local1: usize; local1Bias: usize; local2: usize; local2Bias: usize;
  global1: usize; global1Bias: usize; global2: usize; global2Bias: usize;
}

/** Which block the stages compute. */
export const FUSION_MSCAM = 0, FUSION_AFF = 1, FUSION_IAFF = 2;

/** Pixels per strip: the unit of the fused pass (its C rows, C·STRIP floats, stay in L2). */
const STRIP = 64;
/** Pixels per work item of the fused pass. */
const TILE = 8 * STRIP;

// regions
const POOLED = 0, HIDDEN = 1, GB = 2, TABLE = 3, STRIPS = 4, H = 5, L = 6, XI = 7, PARTIAL = 8;
// what the fused pass writes: x·w (MS-CAM), 2·x·w + 2·r·(1 − w) (AFF), x·w + r·(1 − w) (iAFF)
const OUT_MUL = 0, OUT_MIX2 = 1, OUT_MIX = 2;
// stages
const TABLES = 0, POOL = 1, GLOBAL = 2, PASS = 3, GLOBAL2 = 4, PASS2 = 5;

@inline function tilesOf(hw: i32): i32 { return (hw + TILE - 1) / TILE; }

/** Plans `mode` (FUSION_*) on the call's [n, C, h, w], for the MS-CAM record `a` (iAFF's stages have the same sizes). */
export function fusionPlan(a: MSCAM, k: Call, mode: i32): void {
  const n = k.n, hw = k.h * k.w, c = <u64>a.c, i = <u64>a.i;
  const items = n * tilesOf(hw);
  k.begin();
  k.region(POOLED, <u64>n * c);
  k.region(HIDDEN, <u64>n * i);
  k.region(GB, <u64>n * c);
  k.region(TABLE, c > i ? c : i); // row r of a strip (v's or h's) at r·STRIP floats
  k.region(STRIPS, <u64>items * c * STRIP);
  k.region(H, <u64>items * i * STRIP);
  k.region(L, <u64>items * 4 * STRIP);
  k.region(XI, mode == FUSION_IAFF ? <u64>n * c * <u64>hw : 0);
  k.region(PARTIAL, mode == FUSION_IAFF ? <u64>items * c : 0);
  k.stage(TABLES, 1);
  k.stage(POOL, n * a.c);
  k.stage(GLOBAL, n);
  k.stage(PASS, items);
  if (mode == FUSION_IAFF) {
    k.stage(GLOBAL2, n);
    k.stage(PASS2, items);
  }
}

/** Items [begin, end) of stage `stage` of `mode`; `second` is iAFF's second MS-CAM (else unused). */
export function fusionRun(a: MSCAM, second: MSCAM, k: Call, mode: i32, stage: i32, begin: i32, end: i32): void {
  const hw = k.h * k.w, planeBytes = <usize>hw << 2;
  const kind = k.kind(stage);
  if (kind == TABLES) {
    gemmTable(k.at(TABLE), max(a.c, a.i), STRIP << 2);
  } else if (kind == POOL) {
    const pooled = k.at(POOLED), x = k.x, r = k.residual;
    for (let p = begin; p < end; p++) {
      const at = <usize>p * planeBytes;
      store<f32>(pooled + (<usize>p << 2), mode == FUSION_MSCAM ? planeMean(x + at, hw) : planeMeanOfSum(x + at, r + at, hw));
    }
  } else if (kind == GLOBAL) {
    globalBranch(a, k.at(POOLED), k.at(HIDDEN), k.at(GB), begin, end);
  } else if (kind == PASS) {
    if (mode == FUSION_MSCAM) fusedPass(a, k, OUT_MUL, k.x, k.y, 0, begin, end);
    else if (mode == FUSION_AFF) fusedPass(a, k, OUT_MIX2, 0, k.y, 0, begin, end);
    else fusedPass(a, k, OUT_MIX, 0, k.at(XI), k.at(PARTIAL), begin, end);
  } else if (kind == GLOBAL2) {
    meansOfTiles(k.at(PARTIAL), a.c, hw, TILE, k.at(POOLED), begin, end);
    globalBranch(second, k.at(POOLED), k.at(HIDDEN), k.at(GB), begin, end);
  } else {
    fusedPass(second, k, OUT_MIX, k.at(XI), k.y, 0, begin, end);
  }
}

/** Images [begin, end): gb[n] = G(pooled[n]) + the local branch's last bias, hidden [N, I] its scratch. */
function globalBranch(a: MSCAM, pooled: usize, hidden: usize, gb: usize, begin: i32, end: i32): void {
  const rows = end - begin, c = a.c;
  const h = hidden + (<usize>(begin * a.i) << 2), g = gb + (<usize>(begin * c) << 2);
  f32_dense(pooled + (<usize>(begin * c) << 2), rows, c, a.global1, a.global1Bias, a.i, h);
  f32_vrelu(h, rows * a.i, h);
  f32_dense(h, rows, a.i, a.global2, a.global2Bias, c, g);
  for (let j = 0; j < rows * c; j++) {
    const at = g + (<usize>j << 2);
    store<f32>(at, load<f32>(at) + load<f32>(a.local2Bias + (<usize>(j % c) << 2)));
  }
}

/**
 * Items [begin, end) (image, tile) of the fused pass of MS-CAM `a` on the conv input v = src (a
 * tensor shaped as x; 0: v = x + r, summed strip by strip): `out` = op(x, r, w) (OUT_*), and when
 * `partial` ≠ 0 the sums of what each item wrote, per channel, into partial [items, C] (iAFF's GAP(xi)). `out` may alias x or r: a strip's inputs are read (by the
 * first conv) before any of its outputs is written, and each output row only reads its own row.
 */
function fusedPass(a: MSCAM, k: Call, op: i32, src: usize, out: usize, partial: usize, begin: i32, end: i32): void {
  const c = a.c, inner = a.i, hw = k.h * k.w, tiles = tilesOf(hw);
  const x = k.x, r = k.residual;
  const planeBytes = <usize>hw << 2, stripBytes: usize = STRIP << 2;
  for (let item = begin; item < end; item++) {
    const img = item / tiles, t0 = (item % tiles) * TILE, t1 = min(hw, t0 + TILE);
    const h = k.at(H) + <usize>item * <usize>inner * stripBytes;
    const l = k.at(L) + <usize>item * 4 * stripBytes;
    const strip = k.at(STRIPS) + <usize>item * <usize>c * stripBytes;
    const part = partial + (<usize>(item * c) << 2);
    const gb = k.at(GB) + (<usize>(img * c) << 2);
    if (partial) memory.fill(part, 0, <usize>c << 2);
    for (let p = t0; p < t1; p += STRIP) {
      const pixels = min(STRIP, t1 - p);
      const off = <usize>img * <usize>c * planeBytes + (<usize>p << 2);
      // the strip of v, packed: its c rows contiguous (read at one stride by the conv, prefetched well)
      packRows(src ? src + off : x + off, src ? 0 : r + off, planeBytes, c, pixels, strip);
      gemmRows(a.local1, a.local1Bias, true, c, k.at(TABLE), strip, h, stripBytes, pixels, inner, 0, inner);
      for (let co = 0; co < c;) {
        const rows = blockWidth(co, c);
        gemmRows(a.local2, gb, false, inner, k.at(TABLE), h, l, stripBytes, pixels, c, co, co + rows);
        for (let j = 0; j < rows; j++) f32_vsigmoid(l + <usize>j * stripBytes, pixels, l + <usize>j * stripBytes);
        const at = off + <usize>co * planeBytes;
        if (op == OUT_MUL) scaleRows<MulQ, RowsAreChannels>(x + at, out + at, 0, planeBytes, pixels, 1, 0, l, stripBytes, 0, rows);
        else if (op == OUT_MIX2) scaleRows<MixQ2, RowsAreChannels>(x + at, out + at, r + at, planeBytes, pixels, 1, 0, l, stripBytes, 0, rows);
        else scaleRows<MixQ, RowsAreChannels>(x + at, out + at, r + at, planeBytes, pixels, 1, 0, l, stripBytes, 0, rows);
        if (partial) {
          for (let j = 0; j < rows; j++) {
            const pc = part + (<usize>(co + j) << 2);
            store<f32>(pc, load<f32>(pc) + planeSum(out + at + <usize>j * planeBytes, pixels));
          }
        }
        co += rows;
      }
    }
  }
}

/**
 * strip[i, p] = a[i, p] (+ b[i, p] when b ≠ 0) for the c rows (planeBytes apart) of a strip of
 * `pixels`, in whole vectors (the strip's rows are STRIP floats; a and b are over-read by at most 12 bytes).
 */
function packRows(a: usize, b: usize, planeBytes: usize, c: i32, pixels: i32, strip: usize): void {
  const bytes = <usize>(pixels + 3 & ~3) << 2;
  if (b == 0) {
    for (let i = 0; i < c; i++, a += planeBytes, strip += STRIP << 2) memory.copy(strip, a, bytes);
    return;
  }
  for (let i = 0; i < c; i++, a += planeBytes, b += planeBytes, strip += STRIP << 2) {
    for (let o: usize = 0; o < bytes; o += 16) v128.store(strip + o, f32x4.add(v128.load(a + o), v128.load(b + o)));
  }
}
