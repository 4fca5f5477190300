// GSoP, global second-order pooling in channel mode (Gao et al., arXiv 1811.12006;
// ZilinGao/Global-Second-order-Pooling-Convolutional-Networks torchvision/models/resnet.py
// Bottleneck.chan_att, MPNCOV/python/MPNCOV.py CovpoolLayer):
// t = relu(conv_for_DR(relu(x))) (1×1, C → d, the stride, bn_for_DR folded) as [d][M];
// Σ = (1/M)·(t − μ)(t − μ)ᵀ, the biased covariance, [d][d]; r[4i + j] = W'[4i + j]·Σ[i] + b'
// (row_conv_group with row_bn folded); y = x·σ(fc_adapt_channels(r)).
// The official X·Î·Xᵀ (Î = I/M − 1/M²) centres t implicitly; here t is centred first, then
// multiplied by its transpose (f32-gemm.ts: 4×8 tiles on t's panels, those on and above the
// diagonal, mirrored), which keeps the digits that a one-pass formula loses when a channel's
// mean is large beside its spread.
// x is read twice (the conv's pack applies the leading ReLU; the output pass), y written once.
// NHWC: the conv reads an NCHW copy of x (parts/layout-adapter.ts's way in), the output pass scales
// x's pixel rows in place of the adapter's way out (y is x times a per-channel gate).

import { LAYOUT_NHWC } from "../../bindings/constants";
import { Call } from "../call";
import { ConvParams, convOutSize } from "../kernels/f32-conv2d";
import { f32_dense, f32_dense_grouped } from "../kernels/f32-dense";
import { f32_gemm_pack_nt, f32_syrk_mirror, f32_syrk_nt, gemmPackedFloats, syrkTiles } from "../kernels/f32-gemm";
import { planeSum } from "../kernels/f32-gpool";
import { f32_vscale_channel_cw, MulS, RowsArePixels, scaleRows } from "../kernels/f32-vscale";
import { f32_vsigmoid } from "../kernels/f32-vunary";
import { CONV_SLOTS, convStagesPlan, convStagesRun } from "../parts/conv-stages";
import { ADAPTER_KINDS, adapterIn, adapterRun, adapterX } from "../parts/layout-adapter";
import { storeLanes } from "../simd";

/**
 * GSoP's constants (bindings/blocks/gsop.ts): layout, C, d, the stride, conv_for_DR's ConvParams,
 * the row convolution [4d, d] with row_bn folded and its bias (or, where row_bn does not fold
 * exactly, the row convolution as given and row_bn's scale and shift per row of Σ, else 0),
 * fc_adapt_channels [C, 4d] and its bias.
 */
@unmanaged class GSoPParams {
  layout: i32; c: i32; d: i32; stride: i32; conv: usize; rowW: usize; rowB: usize; rowScale: usize; rowShift: usize; fcW: usize; fcB: usize;
}

// regions: t [n][d][M], t's panels [n][…], Σ [n][d][d], r [n][4d], s [n][C], the conv's two, the adapter's two
const T = 0, PANELS = 1, COV = 2, ROWS = 3, S = 4, CONV = 5, ADAPTER = CONV + CONV_SLOTS;
// stages: the adapter's, the conv's, then the centring, the panels, Σ's tiles, its mirror, the excitation, the output
const CENTRE = 0, PACK = 1, PRODUCT = 2, MIRROR = 3, EXCITE = 4, OUTPUT = 5, ADAPT = 6, CONV_STAGES = ADAPT + ADAPTER_KINDS;

/** M = H'·W', the positions of t. */
@inline function positions(p: GSoPParams, h: i32, w: i32): i32 {
  return convOutSize(h, 1, p.stride, 1, 0) * convOutSize(w, 1, p.stride, 1, 0);
}

/** Panels of 8 rows of t (f32_gemm_pack_nt's). */
@inline function panels(d: i32): i32 { return (d + 7) / 8; }

/** Rows [begin, end) of t [rows][m]: t_i −= mean(t_i). */
function centreRows(t: usize, m: i32, begin: i32, end: i32): void {
  const full = <usize>(m & ~3) << 2, lanes = m & 3;
  for (let i = begin; i < end; i++) {
    const row = t + (<usize>i * <usize>m << 2);
    const mu = f32x4.splat(planeSum(row, m) / <f32>m);
    let o: usize = 0;
    for (; o < full; o += 16) v128.store(row + o, f32x4.sub(v128.load(row + o), mu));
    if (lanes) storeLanes(row + o, f32x4.sub(v128.load(row + o), mu), lanes);
  }
}

/** Σ[i, k] = Σ[i, k]·scale[i] + shift[i] in place, for the d rows of Σ [d][d] (row_bn kept apart, as PyTorch applies it). */
function rowAffine(cov: usize, d: i32, scale: usize, shift: usize): void {
  const full = <usize>(d & ~3) << 2, lanes = d & 3;
  for (let i = 0; i < d; i++) {
    const row = cov + (<usize>i * <usize>d << 2);
    const s = v128.load32_splat(scale + (<usize>i << 2)), h = v128.load32_splat(shift + (<usize>i << 2));
    let o: usize = 0;
    for (; o < full; o += 16) v128.store(row + o, f32x4.add(f32x4.mul(v128.load(row + o), s), h));
    if (lanes) storeLanes(row + o, f32x4.add(f32x4.mul(v128.load(row + o), s), h), lanes);
  }
}

export function gsop_plan(params: usize, call: usize): void {
  const p = changetype<GSoPParams>(params), k = changetype<Call>(call);
  const n = k.n, h = k.h, w = k.w, d = p.d, m = positions(p, h, w);
  k.begin();
  // the NCHW copy of x only: the output pass writes the NHWC y itself (an NCHW y of 0 floats)
  adapterIn(p.layout == LAYOUT_NHWC, k, p.c, 0, h, w, ADAPTER, ADAPT);
  k.region(T, <u64>n * <u64>d * <u64>m);
  k.region(PANELS, <u64>n * gemmPackedFloats(d, m));
  k.region(COV, <u64>n * <u64>d * <u64>d);
  k.region(ROWS, <u64>n * 4 * <u64>d);
  k.region(S, <u64>n * <u64>p.c);
  convStagesPlan(p.conv, k, n, h, w, CONV, CONV_STAGES);
  k.stage(CENTRE, n * d);
  k.stage(PACK, n * panels(d));
  k.stage(PRODUCT, n * syrkTiles(d));
  k.stage(MIRROR, n * d);
  k.stage(EXCITE, n);
  k.stage(OUTPUT, p.layout == LAYOUT_NHWC ? n * h * w : n * p.c);
}

export function gsop_run(params: usize, call: usize, stage: i32, begin: i32, end: i32): void {
  const p = changetype<GSoPParams>(params), k = changetype<Call>(call);
  const n = k.n, h = k.h, w = k.w, d = p.d, m = positions(p, h, w);
  const tBytes = <usize>d * <usize>m << 2, panelBytes = <usize>gemmPackedFloats(d, m) << 2, covBytes = <usize>(d * d) << 2;
  const kind = k.kind(stage), nhwc = p.layout == LAYOUT_NHWC;
  if (kind == CENTRE) {
    centreRows(k.at(T), m, begin, end);
  } else if (kind == PACK || kind == PRODUCT || kind == MIRROR) {
    // items per image: panels, tiles of Σ, rows of Σ
    const per = kind == PACK ? panels(d) : kind == PRODUCT ? syrkTiles(d) : d;
    for (let i = begin; i < end; ) {
      const img = i / per, first = i % per, last = min(per, first + end - i);
      const t = k.at(T) + <usize>img * tBytes, packed = k.at(PANELS) + <usize>img * panelBytes, cov = k.at(COV) + <usize>img * covBytes;
      if (kind == PACK) f32_gemm_pack_nt(t, d, m, packed, first, last);
      else if (kind == PRODUCT) f32_syrk_nt(packed, d, m, <f32>1 / <f32>m, cov, first, last);
      else f32_syrk_mirror(cov, d, first, last);
      i += last - first;
    }
  } else if (kind == EXCITE) {
    for (let img = begin; img < end; img++) {
      const r = k.at(ROWS) + (<usize>(img * 4 * d) << 2), s = k.at(S) + (<usize>(img * p.c) << 2);
      const cov = k.at(COV) + <usize>img * covBytes;
      if (p.rowScale) rowAffine(cov, d, p.rowScale, p.rowShift);
      // the row convolution: group i maps row i of Σ to r[4i .. 4i + 3]
      f32_dense_grouped(cov, d, d, p.rowW, p.rowB, 4, r);
      f32_dense(r, 1, 4 * d, p.fcW, p.fcB, p.c, s);
      f32_vsigmoid(s, p.c, s);
    }
  } else if (kind == OUTPUT) {
    if (nhwc) scaleRows<MulS, RowsArePixels>(k.x, k.y, 0, <usize>p.c << 2, p.c, h * w, 0, k.at(S), <usize>p.c << 2, begin, end);
    else f32_vscale_channel_cw(k.x, h * w, k.at(S), k.y, begin, end);
  } else if (kind >= CONV_STAGES) {
    convStagesRun(p.conv, k, kind - CONV_STAGES, adapterX(nhwc, k, ADAPTER), k.at(T), n, h, w, CONV, begin, end);
  } else {
    adapterRun(k, kind - ADAPT, p.c, 0, h, w, ADAPTER, begin, end);
  }
}
