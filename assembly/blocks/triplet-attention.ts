// Triplet attention (Misra et al., arXiv 2010.03045; landskape-ai/triplet-attention triplet_attention.py):
// three gates s_b = σ(bn(conv7×7([max, mean]))) of x pooled along one axis each, the BN folded into
// the 2 → 1 conv at create: s1[n, c, w] (pooled over H, conv on the C×W plane), s2[n, h, c] (over W,
// H×C plane), s3[n, h, w] (over C, H×W plane; absent with noSpatial);
// y = (1/3)·((x·s3 + x·s1) + x·s2), noSpatial: (1/2)·(x·s1 + x·s2), rounded as PyTorch.
// The official code pools permuted copies of x; here the maps are pooled from x where it is: every
// plane along both of its axes in one read (f32-rcpool-cw.ts) and, with the spatial branch, the
// channels of every pixel in a second (f32-cpool.ts); the output pass reads x once more, y is written once.
// NHWC reads x twice: bands of pixel rows give all three maps in one read (f32-triplet-pool-nhwc.ts: the
// cw maps from the bands' partials, combined in band order), the output pass scales pixel rows by s_cw
// transposed to [W][C] (a gate, not x), s_hc's row and s_hw's value.

import { LAYOUT_NHWC } from "../../bindings/constants";
import { Call } from "../call";
import { statsItems, stridedStatsAsIs } from "../kernels/f32-cpool";
import { planeRowColStats } from "../kernels/f32-rcpool-cw";
import { transposeImages, transposeItems } from "../kernels/f32-transpose";
import { TRIPLET_BAND, tripletBandPoolNhwc, tripletBands, tripletCombineNhwc, tripletPartialFloats, tripletPixelFloats } from "../kernels/f32-triplet-pool-nhwc";
import { storeLanes } from "../simd";
import { CONV_KINDS, CONV_SLOTS, convStagesPlan, convStagesRun } from "../parts/conv-stages";

/** The block's constants (bindings/blocks/triplet-attention.ts): layout, C, and the three convs' records (hw: 0 with noSpatial). */
@unmanaged class TripletParams { layout: i32; c: i32; cw: usize; hc: usize; hw: usize; }

// regions: the pooled maps [N, 2, ·, ·] (max, mean) and the gates of each branch, then the convs' own
// (NHWC: also the bands' partial cw statistics, their per-pixel scratch, s_cw transposed)
const MAPS_CW = 0, MAPS_HC = 1, MAPS_HW = 2, S_CW = 3, S_HC = 4, S_HW = 5, CONV_CW = 6, CONV_HC = CONV_CW + CONV_SLOTS, CONV_HW = CONV_HC + CONV_SLOTS;
const PARTS = CONV_HW + CONV_SLOTS, PIX = PARTS + 1, S_CWT = PARTS + 2;
// stages: the planes' pools, the channels' pools, the output pass, the convs'; NHWC: the bands' pools, the cw combine, s_cw's transposition
const PLANES = 0, CHANNELS = 1, OUTPUT = 2, CW_STAGES = 3, HC_STAGES = CW_STAGES + CONV_KINDS, HW_STAGES = HC_STAGES + CONV_KINDS;
const BANDS = HW_STAGES + CONV_KINDS, COMBINE = BANDS + 1, TRANSPOSE_CW = BANDS + 2;

export function triplet_attention_plan(params: usize, call: usize): void {
  const p = changetype<TripletParams>(params), k = changetype<Call>(call);
  const n = k.n, c = p.c, h = k.h, w = k.w, nn = <u64>n;
  const nhwc = p.layout == LAYOUT_NHWC;
  k.begin();
  k.region(MAPS_CW, nn * 2 * <u64>c * <u64>w);
  k.region(MAPS_HC, nn * 2 * <u64>h * <u64>c);
  k.region(S_CW, nn * <u64>c * <u64>w);
  k.region(S_HC, nn * <u64>h * <u64>c);
  if (p.hw) {
    k.region(MAPS_HW, nn * 2 * <u64>h * <u64>w);
    k.region(S_HW, nn * <u64>h * <u64>w);
  }
  if (nhwc) {
    const items = n * tripletBands(h);
    k.region(PARTS, <u64>items * <u64>tripletPartialFloats(c, w));
    k.region(PIX, <u64>items * <u64>tripletPixelFloats(w));
    k.region(S_CWT, nn * <u64>c * <u64>w);
    k.stage(BANDS, items);
    k.stage(COMBINE, n * w);
  } else {
    k.stage(PLANES, n * c);
    if (p.hw) k.stage(CHANNELS, statsItems(n, h * w));
  }
  convStagesPlan(p.cw, k, n, c, w, CONV_CW, CW_STAGES);
  if (nhwc) k.stage(TRANSPOSE_CW, transposeItems(n, w));
  convStagesPlan(p.hc, k, n, h, c, CONV_HC, HC_STAGES);
  if (p.hw) convStagesPlan(p.hw, k, n, h, w, CONV_HW, HW_STAGES);
  k.stage(OUTPUT, nhwc ? n * h * w : n * c);
}

// The output's sums, in PyTorch's order: `1 / 3 * (self.hw(x) + out_cw + out_hc)`, `1 / 2 * (out_cw + out_hc)`.
@final class ThreeGates {
  @inline factor(): f32 { return <f32>(1.0 / 3.0); }
  @inline usesA(): bool { return true; }
  @inline apply(v: v128, a: v128, b: v128, k: v128): v128 { return f32x4.add(f32x4.add(f32x4.mul(v, a), f32x4.mul(v, b)), f32x4.mul(v, k)); }
}
@final class TwoGates {
  @inline factor(): f32 { return 0.5; }
  @inline usesA(): bool { return false; }
  @inline apply(v: v128, _a: v128, b: v128, k: v128): v128 { return f32x4.add(f32x4.mul(v, b), f32x4.mul(v, k)); }
}

/**
 * Planes [begin, end) (n·C + c) of y = Op(x, a = s_hw[n, h, :], b = s_cw[n, c, :], k = s_hc[n, h, c])·factor,
 * row by row (a is not read by TwoGates).
 */
function output<Op>(x: usize, y: usize, c: i32, h: i32, w: i32, sHw: usize, sCw: usize, sHc: usize, begin: i32, end: i32): void {
  const op = changetype<Op>(0);
  const rowBytes = <usize>w << 2, full = <usize>(w & ~3) << 2, lanes = w & 3;
  const f = f32x4.splat(op.factor());
  for (let plane = begin; plane < end; plane++) {
    const img = plane / c, ch = plane % c;
    const b = sCw + <usize>plane * rowBytes;
    let xr = x + <usize>plane * <usize>h * rowBytes, yr = y + <usize>plane * <usize>h * rowBytes;
    let a = sHw + <usize>img * <usize>h * rowBytes, kk = sHc + (<usize>(img * h * c + ch) << 2);
    for (let i = 0; i < h; i++, xr += rowBytes, yr += rowBytes, a += rowBytes, kk += <usize>c << 2) {
      const k = v128.load32_splat(kk);
      let o: usize = 0;
      for (; o < full; o += 16) v128.store(yr + o, f32x4.mul(op.apply(v128.load(xr + o), op.usesA() ? v128.load(a + o) : k, v128.load(b + o), k), f));
      if (lanes) storeLanes(yr + o, f32x4.mul(op.apply(v128.load(xr + o), op.usesA() ? v128.load(a + o) : k, v128.load(b + o), k), f), lanes);
    }
  }
}

/**
 * Pixel rows [begin, end) (n·H·W + h·W + w) of the NHWC y = Op(x, a = s_hw[n, h, w], b = s_cwᵀ[n, w, :],
 * k = s_hc[n, h, :])·factor (sCwT the cw gates transposed to [N][W][C]; a is not read by TwoGates).
 */
function outputNhwc<Op>(x: usize, y: usize, c: i32, h: i32, w: i32, sHw: usize, sCwT: usize, sHc: usize, begin: i32, end: i32): void {
  const op = changetype<Op>(0);
  const pixelBytes = <usize>c << 2, full = <usize>(c & ~3) << 2, lanes = c & 3;
  const f = f32x4.splat(op.factor());
  // the pixel's row (n·H + h) and column (n·W + w) of the gates, advanced with it (no division per pixel)
  let row = begin / w, j = begin % w, col = begin / (h * w) * w + j;
  for (let px = begin; px < end; px++) {
    const xr = x + <usize>px * pixelBytes, yr = y + <usize>px * pixelBytes;
    const b = sCwT + <usize>col * pixelBytes, kk = sHc + <usize>row * pixelBytes;
    const a = op.usesA() ? v128.load32_splat(sHw + (<usize>px << 2)) : f;
    let o: usize = 0;
    for (; o < full; o += 16) v128.store(yr + o, f32x4.mul(op.apply(v128.load(xr + o), a, v128.load(b + o), v128.load(kk + o)), f));
    if (lanes) storeLanes(yr + o, f32x4.mul(op.apply(v128.load(xr + o), a, v128.load(b + o), v128.load(kk + o)), f), lanes);
    col++;
    if (++j == w) {
      j = 0;
      row++;
      // the next row starts the columns of its image again (or those of the next image)
      if (row % h) col -= w;
    }
  }
}

export function triplet_attention_run(params: usize, call: usize, stage: i32, begin: i32, end: i32): void {
  const p = changetype<TripletParams>(params), k = changetype<Call>(call);
  const n = k.n, c = p.c, h = k.h, w = k.w;
  const kind = k.kind(stage), nhwc = p.layout == LAYOUT_NHWC;
  if (kind == BANDS) {
    // item (image, band of TRIPLET_BAND rows): its rows' hc and hw maps, its partial cw statistics
    const bands = tripletBands(h), imageBytes = <usize>(h * w * c) << 2;
    const hcImage = <usize>(2 * h * c) << 2, hwImage = <usize>(2 * h * w) << 2;
    const partBytes = <usize>tripletPartialFloats(c, w) << 2, pixBytes = <usize>tripletPixelFloats(w) << 2;
    for (let item = begin; item < end; item++) {
      const img = item / bands, h0 = item % bands * TRIPLET_BAND;
      const hc = k.at(MAPS_HC) + <usize>img * hcImage, hw = p.hw ? k.at(MAPS_HW) + <usize>img * hwImage : 0;
      tripletBandPoolNhwc(k.x + <usize>img * imageBytes, c, w, h0, min(h, h0 + TRIPLET_BAND),
        hc, hc + (hcImage >> 1), hw, hw + (hwImage >> 1), p.hw != 0, k.at(PARTS) + <usize>item * partBytes, k.at(PIX) + <usize>item * pixBytes);
    }
  } else if (kind == COMBINE) {
    // item (image, column w): the cw maps' column w from the image's bands
    const imageBytes = <usize>(h * w * c) << 2, cwImage = <usize>(2 * c * w) << 2;
    const partsBytes = <usize>(tripletBands(h) * tripletPartialFloats(c, w)) << 2;
    for (let item = begin; item < end; item++) {
      const img = item / w, cw = k.at(MAPS_CW) + <usize>img * cwImage;
      tripletCombineNhwc(k.x + <usize>img * imageBytes, c, h, w, item % w, k.at(PARTS) + <usize>img * partsBytes, cw, cw + (cwImage >> 1));
    }
  } else if (kind == TRANSPOSE_CW) {
    transposeImages(k.at(S_CW), c, w, k.at(S_CWT), begin, end);
  } else if (kind == PLANES) {
    // plane (n, c): its max and mean over H into row c of the cw maps [n][2][C][W], over W into column c of the hc maps [n][2][H][C]
    const planeBytes = <usize>(h * w) << 2, colBytes = <usize>w << 2;
    const cwImage = <usize>(2 * c * w) << 2, hcImage = <usize>(2 * h * c) << 2, hcHalf = <usize>(h * c) << 2;
    for (let i = begin; i < end; i++) {
      const img = i / c, ch = i % c;
      const cw = k.at(MAPS_CW) + <usize>img * cwImage + <usize>ch * colBytes;
      const hc = k.at(MAPS_HC) + <usize>img * hcImage + (<usize>ch << 2);
      planeRowColStats(k.x + <usize>i * planeBytes, h, w, cw, cw + <usize>c * colBytes, hc, hc + hcHalf, <usize>c << 2);
    }
  } else if (kind == CHANNELS) {
    // the hw maps [n][2][H][W]: max and mean over the channels of each pixel
    const maps = k.at(MAPS_HW), mapBytes = <usize>(h * w) << 2;
    stridedStatsAsIs(k.x, c, h * w, maps, maps + mapBytes, mapBytes << 1, begin, end);
  } else if (kind == OUTPUT && nhwc) {
    if (p.hw) outputNhwc<ThreeGates>(k.x, k.y, c, h, w, k.at(S_HW), k.at(S_CWT), k.at(S_HC), begin, end);
    else outputNhwc<TwoGates>(k.x, k.y, c, h, w, 0, k.at(S_CWT), k.at(S_HC), begin, end);
  } else if (kind == OUTPUT) {
    if (p.hw) output<ThreeGates>(k.x, k.y, c, h, w, k.at(S_HW), k.at(S_CW), k.at(S_HC), begin, end);
    else output<TwoGates>(k.x, k.y, c, h, w, 0, k.at(S_CW), k.at(S_HC), begin, end);
  } else if (kind >= HW_STAGES) {
    convStagesRun(p.hw, k, kind - HW_STAGES, k.at(MAPS_HW), k.at(S_HW), n, h, w, CONV_HW, begin, end);
  } else if (kind >= HC_STAGES) {
    convStagesRun(p.hc, k, kind - HC_STAGES, k.at(MAPS_HC), k.at(S_HC), n, h, c, CONV_HC, begin, end);
  } else {
    convStagesRun(p.cw, k, kind - CW_STAGES, k.at(MAPS_CW), k.at(S_CW), n, c, w, CONV_CW, begin, end);
  }
}
