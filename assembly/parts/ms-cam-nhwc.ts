// MS-CAM, AFF and iAFF in NHWC (Dai et al., arXiv 2009.14082; YimianDai/open-aff
// aff_pytorch/aff_net/fusion.py): the stages of parts/ms-cam.ts for tensors [N][H·W][C], on the
// same record and global branch. A pixel's C channels are contiguous, so the local branch's 1×1
// convs are GEMMs with pixel rows as rows (f32-gemm-nhwc.ts): h = relu(v·W1ᵀ + b1) [rows][I],
// l = h·W2ᵀ + (b2 + G) [rows][C], then w = σ(l) in place.
//
// Stages: the global pool of v (items (image, chunk of POOL_CHUNK pixel rows): partial sums along
// the channels, f32-gpool-nhwc.ts; AFF and iAFF pool x + r, f32-gpool2-nhwc.ts); the global branch
// (one item per image: the partial rows combined in chunk order, then G); then the fused pass over
// items (image, tile of TILE pixel rows), strip by strip of STRIP rows: (AFF, iAFF: x + r into
// scratch) the two GEMMs into scratch [STRIP][I] and [STRIP][C], then the strip's output rows from
// x, r and w (f32-vscale.ts, w's rows as the per-row vectors). The strip's rows stay in cache
// between the GEMM that reads them and the output that reads them again: MS-CAM and AFF read x
// (and r) from memory twice (pool, pass) and write y once. iAFF as in NCHW: the first pass writes
// xi (and its per-strip channel sums, for GAP(xi)), the second reads xi, x and r: x and r are read
// three times, xi written and read once.

import { Call } from "../call";
import { gemmNhwc } from "../kernels/f32-gemm-nhwc";
import { meansOfTiles } from "../kernels/f32-gpool";
import { poolChunks, STAT_SUM, statChunkNhwc, statCombineNhwc, sumRowsNhwc } from "../kernels/f32-gpool-nhwc";
import { pairSumChunkNhwc } from "../kernels/f32-gpool2-nhwc";
import { f32_vsigmoid } from "../kernels/f32-vunary";
import { storeLanes } from "../simd";
import { FUSION_IAFF, FUSION_MSCAM, fusionStages, GB, GLOBAL, GLOBAL2, globalBranch, globalRegions, HIDDEN, mixRows, MSCAM, PASS, POOL, POOLED } from "./ms-cam";

/** Pixel rows per strip: the unit of the fused pass (its rows of v, h and w stay in L2). */
const STRIP = 32;
/** Pixel rows per work item of the fused pass. */
const TILE = 16 * STRIP;

// regions (POOLED, HIDDEN, GB: parts/ms-cam.ts's)
const PARTIAL = 3, STRIPS = 4, H = 5, L = 6, XI = 7, XI_SUMS = 8;

@inline function tilesOf(hw: i32): i32 { return (hw + TILE - 1) / TILE; }
@inline function stripsOf(hw: i32): i32 { return (hw + STRIP - 1) / STRIP; }

/** Plans `mode` (FUSION_*) on the call's [n, h, w, C], for the MS-CAM record `a` (iAFF's second has the same sizes). */
export function fusionPlanNhwc(a: MSCAM, k: Call, mode: i32): void {
  const n = k.n, hw = k.h * k.w, c = <u64>a.c, i = <u64>a.i;
  const items = n * tilesOf(hw);
  k.begin();
  globalRegions(k, n, c, i);
  k.region(PARTIAL, <u64>n * poolChunks(hw) * c);
  k.region(STRIPS, mode == FUSION_MSCAM ? 0 : <u64>items * STRIP * c);
  k.region(H, <u64>items * STRIP * i);
  k.region(L, <u64>items * STRIP * c);
  k.region(XI, mode == FUSION_IAFF ? <u64>n * <u64>hw * c : 0);
  k.region(XI_SUMS, mode == FUSION_IAFF ? <u64>n * stripsOf(hw) * c : 0);
  fusionStages(k, mode, n * poolChunks(hw), items);
}

/** Items [begin, end) of stage `stage` of `mode`; `second` is iAFF's second MS-CAM (else unused). */
export function fusionRunNhwc(a: MSCAM, second: MSCAM, k: Call, mode: i32, stage: i32, begin: i32, end: i32): void {
  const hw = k.h * k.w, c = a.c;
  const kind = k.kind(stage);
  if (kind == POOL) {
    const chunks = poolChunks(hw), imageBytes = <usize>hw * <usize>c << 2;
    for (let item = begin; item < end; item++) {
      const at = <usize>(item / chunks) * imageBytes, part = k.at(PARTIAL) + (<usize>(item * c) << 2);
      if (mode == FUSION_MSCAM) statChunkNhwc(STAT_SUM, k.x + at, c, hw, item % chunks, part, part);
      else pairSumChunkNhwc(k.x + at, k.residual + at, c, hw, item % chunks, part);
    }
  } else if (kind == GLOBAL) {
    const chunks = poolChunks(hw), rowBytes = <usize>c << 2;
    for (let img = begin; img < end; img++) {
      const pooled = k.at(POOLED) + <usize>img * rowBytes;
      statCombineNhwc(STAT_SUM, k.at(PARTIAL) + <usize>(img * chunks) * rowBytes, chunks, c, pooled);
      for (let ch = 0; ch < c; ch++) store<f32>(pooled + (<usize>ch << 2), load<f32>(pooled + (<usize>ch << 2)) / <f32>hw);
    }
    globalBranch(a, k.at(POOLED), k.at(HIDDEN), k.at(GB), begin, end);
  } else if (kind == PASS) {
    fusedPassNhwc(a, k, mode, mode == FUSION_MSCAM ? k.x : 0, mode == FUSION_IAFF ? k.at(XI) : k.y, mode == FUSION_IAFF, begin, end);
  } else if (kind == GLOBAL2) {
    meansOfTiles(k.at(XI_SUMS), c, hw, STRIP, k.at(POOLED), begin, end);
    globalBranch(second, k.at(POOLED), k.at(HIDDEN), k.at(GB), begin, end);
  } else {
    fusedPassNhwc(second, k, FUSION_IAFF, k.at(XI), k.y, false, begin, end);
  }
}

/**
 * Items [begin, end) (image, tile) of the fused pass of MS-CAM `a` on the conv input v = src (a
 * tensor shaped as x; 0: v = x + r, summed strip by strip into scratch): `out` = x·w (MS-CAM),
 * 2·x·w + 2·r·(1 − w) (AFF) or x·w + r·(1 − w) (iAFF), and with `sums` each strip's channel sums
 * of what it wrote (XI_SUMS [N][strips][C], iAFF's GAP(xi)). `out` may alias x or r: a strip's
 * inputs are read (by the first GEMM) before any of its outputs is written, each output element
 * after its own inputs.
 */
function fusedPassNhwc(a: MSCAM, k: Call, mode: i32, src: usize, out: usize, sums: bool, begin: i32, end: i32): void {
  const c = a.c, inner = a.i, hw = k.h * k.w, tiles = tilesOf(hw);
  const x = k.x, r = k.residual;
  const rowBytes = <usize>c << 2, hRowBytes = <usize>inner << 2;
  const post1 = a.local1Scale != 0, post2 = a.local2Scale != 0;
  for (let item = begin; item < end; item++) {
    const img = item / tiles, t0 = (item % tiles) * TILE, t1 = min(hw, t0 + TILE);
    const strip = k.at(STRIPS) + <usize>item * STRIP * rowBytes;
    const h = k.at(H) + <usize>item * STRIP * hRowBytes;
    const l = k.at(L) + <usize>item * STRIP * rowBytes;
    const gb = k.at(GB) + <usize>img * rowBytes;
    for (let p = t0; p < t1; p += STRIP) {
      const rows = min(STRIP, t1 - p);
      const off = (<usize>img * <usize>hw + <usize>p) * rowBytes;
      let v = src + off;
      if (!src) {
        addRows(x + off, r + off, <usize>rows * rowBytes, strip);
        v = strip;
      }
      // a batch norm kept apart (a.local*Scale ≠ 0) applies after the conv's sum and bias
      gemmNhwc(v, rowBytes, rows, c, a.local1, a.local1Bias, !post1, h, hRowBytes, inner);
      if (post1) rowsAffine(h, rows, inner, a.local1Scale, a.local1Shift, 0, true);
      gemmNhwc(h, hRowBytes, rows, inner, a.local2, post2 ? a.local2Bias : gb, false, l, rowBytes, c);
      if (post2) rowsAffine(l, rows, c, a.local2Scale, a.local2Shift, gb, false);
      f32_vsigmoid(l, rows * c, l);
      // output rows of C channels, each with its own row of w
      mixRows(mode, x + off, out + off, r + off, rowBytes, c, l, rowBytes, rows);
      if (sums) sumRowsNhwc(out + off, c, 0, rows, k.at(XI_SUMS) + <usize>(img * stripsOf(hw) + p / STRIP) * rowBytes);
    }
  }
}

/** s[i] = a[i] + b[i] over `bytes` (a multiple of 4) bytes; a and b over-read by at most 12 bytes. */
function addRows(a: usize, b: usize, bytes: usize, s: usize): void {
  const full = bytes & ~15;
  let o: usize = 0;
  for (; o < full; o += 16) v128.store(s + o, f32x4.add(v128.load(a + o), v128.load(b + o)));
  if (o < bytes) storeLanes(s + o, f32x4.add(v128.load(a + o), v128.load(b + o)), <i32>(bytes - o) >> 2);
}

/**
 * v[p, o] = v[p, o]·scale[o] + shift[o] (+ add[o] where add ≠ 0), then a ReLU when `relu`, for
 * `rows` contiguous rows of `cols`: a batch norm that was not folded into the conv before it, then
 * what PyTorch does next (the ReLU, or the sum with the global branch).
 */
function rowsAffine(v: usize, rows: i32, cols: i32, scale: usize, shift: usize, add: usize, relu: bool): void {
  for (let p = 0; p < rows; p++) {
    for (let o = 0; o < cols; o++, v += 4) {
      const at = <usize>o << 2;
      let u = load<f32>(v) * load<f32>(scale + at) + load<f32>(shift + at);
      if (add) u += load<f32>(add + at);
      store<f32>(v, relu ? Mathf.max(u, 0) : u);
    }
  }
}
