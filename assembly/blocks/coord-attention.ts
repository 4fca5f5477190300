// Coordinate attention (Hou et al., arXiv 2103.02907; Andrew-Qibin/CoordAttention coordatt.py
// `CoordAtt`): t = cat(mean_W x, mean_H x) ([N, C, H + W]), t = h_swish(bn1(conv1(t))) (1×1
// C → mip, bn1 folded into conv1 at create, or applied after it where folding is not exact),
// a_h = gate(conv_h(t[:, :, :H])) ([N, C, H]), a_w = gate(conv_w(t[:, :, H:])) ([N, C, W]),
// y = (x·a_w)·a_h in PyTorch's order. h_swish is the official x·(relu6(x + 3)/6).
// x is read twice (the directional pools; the output pass over image rows) and y written once, in
// either layout: NCHW pools plane by plane (the column pass re-reads each plane from cache), NHWC
// by blocks of channels over the pixel rows (f32-dirpool-nhwc), which gives t as rows of C channels
// directly; its gates come out as [H][C] and [W][C] rows, the output pass's vectors.

import { LAYOUT_NHWC } from "../../bindings/constants";
import { Call } from "../call";
import { f32_dense } from "../kernels/f32-dense";
import { f32_dirpool_cw } from "../kernels/f32-dirpool";
import { f32_vgate } from "../kernels/f32-vgate";
import { dirPoolNhwc, dirpoolBlocks } from "../kernels/f32-dirpool-nhwc";
import { scaleRowColNhwc } from "../kernels/f32-vmul-rows-nhwc";
import { f32_vaffineRows, f32_vhswish } from "../kernels/f32-vunary";
import { MulQThenS, RowsAreChannels, scaleRows } from "../kernels/f32-vscale";

/**
 * Coordinate attention's constants (bindings/blocks/coord-attention.ts): layout, C, mip, conv1
 * [mip, C] and its bias [mip] (bn1 folded in), conv_h [C, mip] and its bias [C], conv_w [C, mip]
 * and its bias [C] (0 = none), the gate and its alpha, beta, and bn1's scale and shift [mip] where
 * it is not folded (0 = folded).
 */
@unmanaged class CoordAttentionParams {
  layout: i32; c: i32; mip: i32; w1: usize; b1: usize; wh: usize; bh: usize; ww: usize; bw: usize;
  gate: i32; alpha: f32; beta: f32; s1: usize; t1: usize;
}

// regions: the pools [N, C, H + W] (NCHW only), as rows of C channels [N, H + W, C], the hidden
// [N, H + W, mip], a_h [N, C, H] and a_w [N, C, W] (NHWC: [N, H, C] and [N, W, C])
const POOLED = 0, POOLED_T = 1, HIDDEN = 2, AH = 3, AW = 4;
const POOL = 0, MLP = 1, OUTPUT = 2;

export function coord_attention_plan(params: usize, call: usize): void {
  const p = changetype<CoordAttentionParams>(params), k = changetype<Call>(call);
  const nhwc = p.layout == LAYOUT_NHWC;
  const planes = <u64>k.n * <u64>p.c, l = <u64>k.h + <u64>k.w;
  k.begin();
  if (!nhwc) k.region(POOLED, planes * l);
  k.region(POOLED_T, planes * l);
  k.region(HIDDEN, <u64>k.n * l * <u64>p.mip);
  k.region(AH, planes * <u64>k.h);
  k.region(AW, planes * <u64>k.w);
  // NHWC: the pools by (image, block of channels), the output by image rows
  k.stage(POOL, nhwc ? k.n * dirpoolBlocks(p.c) : k.n * p.c);
  k.stage(MLP, k.n);
  k.stage(OUTPUT, nhwc ? k.n * k.h : k.n * p.c * k.h);
}

/** g[c, ·] = gate(z[c, ·] + bias[c]) over the c rows of len floats of one image, in place (bias 0 = none). */
function biasGate(p: CoordAttentionParams, z: usize, len: i32, bias: usize): void {
  if (bias) {
    for (let c = 0; c < p.c; c++) {
      const b = load<f32>(bias + (<usize>c << 2)), row = z + (<usize>(c * len) << 2);
      for (let i = 0; i < len; i++) store<f32>(row + (<usize>i << 2), load<f32>(row + (<usize>i << 2)) + b);
    }
  }
  f32_vgate(z, p.c * len, p.gate, p.alpha, p.beta, z);
}

/** u [l, mip] = h_swish(bn1(conv1(t))) for the l positions t [l, C] of one image. */
function hidden(p: CoordAttentionParams, t: usize, l: i32, u: usize): void {
  f32_dense(t, l, p.c, p.w1, p.b1, p.mip, u);
  if (p.s1) f32_vaffineRows(u, l, p.mip, p.s1, p.t1);
  f32_vhswish(u, l * p.mip, u);
}

export function coord_attention_run(params: usize, call: usize, stage: i32, begin: i32, end: i32): void {
  const p = changetype<CoordAttentionParams>(params), k = changetype<Call>(call);
  const c = p.c, h = k.h, w = k.w, l = h + w, mip = p.mip;
  const rowBytes = <usize>w << 2;
  const kind = k.kind(stage);
  if (p.layout == LAYOUT_NHWC) {
    if (kind == POOL) {
      dirPoolNhwc(k.x, h, w, c, k.at(POOLED_T), begin, end);
    } else if (kind == MLP) {
      for (let n = begin; n < end; n++) {
        const u = k.at(HIDDEN) + (<usize>(n * l * mip) << 2);
        const ah = k.at(AH) + (<usize>(n * h * c) << 2), aw = k.at(AW) + (<usize>(n * w * c) << 2);
        hidden(p, k.at(POOLED_T) + (<usize>(n * l * c) << 2), l, u);
        // a_h [H, C] = gate(conv_h(u[:H])), a_w [W, C] = gate(conv_w(u[H:])): rows of C channels
        f32_dense(u, h, mip, p.wh, p.bh, c, ah);
        f32_vgate(ah, h * c, p.gate, p.alpha, p.beta, ah);
        f32_dense(u + (<usize>(h * mip) << 2), w, mip, p.ww, p.bw, c, aw);
        f32_vgate(aw, w * c, p.gate, p.alpha, p.beta, aw);
      }
    } else {
      scaleRowColNhwc(k.x, h, w, c, k.at(AH), k.at(AW), k.y, begin, end);
    }
    return;
  }
  if (kind == POOL) {
    f32_dirpool_cw(k.x + <usize>begin * <usize>h * rowBytes, end - begin, h, w, k.at(POOLED) + (<usize>(begin * l) << 2));
  } else if (kind == MLP) {
    for (let n = begin; n < end; n++) {
      const pooled = k.at(POOLED) + (<usize>(n * c * l) << 2), t = k.at(POOLED_T) + (<usize>(n * l * c) << 2);
      const u = k.at(HIDDEN) + (<usize>(n * l * mip) << 2);
      const ah = k.at(AH) + (<usize>(n * c * h) << 2), aw = k.at(AW) + (<usize>(n * c * w) << 2);
      // the positions as rows of C channels, then u = h_swish(bn1(conv1(t))) [H + W, mip]
      for (let i = 0; i < l; i++) {
        for (let ch = 0; ch < c; ch++) store<f32>(t + (<usize>(i * c + ch) << 2), load<f32>(pooled + (<usize>(ch * l + i) << 2)));
      }
      hidden(p, t, l, u);
      // a_h[c, i] = Σ_m conv_h[c, m]·u[i, m] (the conv's weight rows as the dense's input rows,
      // so that a_h comes out channel-major, as the output pass reads it), then its bias and the gate
      f32_dense(p.wh, c, mip, u, 0, h, ah);
      biasGate(p, ah, h, p.bh);
      f32_dense(p.ww, c, mip, u + (<usize>(h * mip) << 2), 0, w, aw);
      biasGate(p, aw, w, p.bw);
    }
  } else {
    // rows of W floats, one per (n, c, h): (x·a_w[n, c, ·])·a_h[n, c, h]
    scaleRows<MulQThenS, RowsAreChannels>(k.x, k.y, 0, rowBytes, w, h, k.at(AH), k.at(AW), rowBytes, begin, end);
  }
}
