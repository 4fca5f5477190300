// Triplet attention (Misra et al., arXiv 2010.03045; landskape-ai/triplet-attention triplet_attention.py):
// three gates s_b = σ(bn(conv7×7([max, mean]))) of x pooled along one axis each, the BN folded into
// the 2 → 1 conv at create: s1[n, c, w] (pooled over H, conv on the C×W plane), s2[n, h, c] (over W,
// H×C plane), s3[n, h, w] (over C, H×W plane; absent with noSpatial);
// y = (1/3)·((x·s3 + x·s1) + x·s2), noSpatial: (1/2)·(x·s1 + x·s2), rounded as PyTorch.
// The official code pools permuted copies of x; here the maps are pooled from x where it is: every
// plane along both of its axes in one read (f32-rcpool-cw.ts) and, with the spatial branch, the
// channels of every pixel in a second (f32-cpool.ts); the output pass reads x once more, y is written once.

import { Call } from "../call";
import { statsItems, stridedStatsAsIs } from "../kernels/f32-cpool";
import { planeRowColStats } from "../kernels/f32-rcpool-cw";
import { storeLanes } from "../simd";
import { CONV_KINDS, CONV_SLOTS, convStagesPlan, convStagesRun } from "../parts/conv-stages";

/** The block's constants (bindings/blocks/triplet-attention.ts): layout, C, and the three convs' records (hw: 0 with noSpatial). */
@unmanaged class TripletParams { layout: i32; c: i32; cw: usize; hc: usize; hw: usize; }

// regions: the pooled maps [N, 2, ·, ·] (max, mean) and the gates of each branch, then the convs' own
const MAPS_CW = 0, MAPS_HC = 1, MAPS_HW = 2, S_CW = 3, S_HC = 4, S_HW = 5, CONV_CW = 6, CONV_HC = CONV_CW + CONV_SLOTS, CONV_HW = CONV_HC + CONV_SLOTS;
// stages: the planes' pools, the channels' pools, the output pass, the convs'
const PLANES = 0, CHANNELS = 1, OUTPUT = 2, CW_STAGES = 3, HC_STAGES = CW_STAGES + CONV_KINDS, HW_STAGES = HC_STAGES + CONV_KINDS;

export function triplet_attention_plan(params: usize, call: usize): void {
  const p = changetype<TripletParams>(params), k = changetype<Call>(call);
  const n = k.n, c = p.c, h = k.h, w = k.w, nn = <u64>n;
  k.begin();
  k.region(MAPS_CW, nn * 2 * <u64>c * <u64>w);
  k.region(MAPS_HC, nn * 2 * <u64>h * <u64>c);
  k.region(S_CW, nn * <u64>c * <u64>w);
  k.region(S_HC, nn * <u64>h * <u64>c);
  k.stage(PLANES, n * c);
  convStagesPlan(p.cw, k, n, c, w, CONV_CW, CW_STAGES);
  convStagesPlan(p.hc, k, n, h, c, CONV_HC, HC_STAGES);
  if (p.hw) {
    k.region(MAPS_HW, nn * 2 * <u64>h * <u64>w);
    k.region(S_HW, nn * <u64>h * <u64>w);
    k.stage(CHANNELS, statsItems(n, h * w));
    convStagesPlan(p.hw, k, n, h, w, CONV_HW, HW_STAGES);
  }
  k.stage(OUTPUT, n * c);
}

// The output's sums, in PyTorch's order: `1 / 3 * (self.hw(x) + out_cw + out_hc)`, `1 / 2 * (out_cw + out_hc)`.
@final class ThreeGates {
  @inline factor(): f32 { return <f32>(1.0 / 3.0); }
  @inline apply(v: v128, a: usize, b: v128, k: v128): v128 { return f32x4.add(f32x4.add(f32x4.mul(v, v128.load(a)), f32x4.mul(v, b)), f32x4.mul(v, k)); }
}
@final class TwoGates {
  @inline factor(): f32 { return 0.5; }
  @inline apply(v: v128, _a: usize, b: v128, k: v128): v128 { return f32x4.add(f32x4.mul(v, b), f32x4.mul(v, k)); }
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
      for (; o < full; o += 16) v128.store(yr + o, f32x4.mul(op.apply(v128.load(xr + o), a + o, v128.load(b + o), k), f));
      if (lanes) storeLanes(yr + o, f32x4.mul(op.apply(v128.load(xr + o), a + o, v128.load(b + o), k), f), lanes);
    }
  }
}

export function triplet_attention_run(params: usize, call: usize, stage: i32, begin: i32, end: i32): void {
  const p = changetype<TripletParams>(params), k = changetype<Call>(call);
  const n = k.n, c = p.c, h = k.h, w = k.w;
  const kind = k.kind(stage);
  if (kind == PLANES) {
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
