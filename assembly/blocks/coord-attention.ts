// Coordinate attention (Hou et al., arXiv 2103.02907; Andrew-Qibin/CoordAttention coordatt.py
// `CoordAtt`): t = cat(mean_W x, mean_H x) ([N, C, H + W]), t = h_swish(bn1(conv1(t))) (1×1
// C → mip, bn1 folded into conv1 at create), a_h = gate(conv_h(t[:, :, :H])) ([N, C, H]),
// a_w = gate(conv_w(t[:, :, H:])) ([N, C, W]), y = (x·a_w)·a_h in PyTorch's order.
// x is read twice (the directional pools, whose column pass re-reads each plane from cache; the
// output pass over image rows) and y written once.

import { Call } from "../call";
import { f32_dense } from "../kernels/f32-dense";
import { f32_dirpool_cw } from "../kernels/f32-dirpool";
import { f32_vgate } from "../kernels/f32-vgate";
import { f32_vhardswish } from "../kernels/f32-vunary";
import { MulQThenS, RowsAreChannels, scaleRows } from "../kernels/f32-vscale";

/**
 * Coordinate attention's constants (bindings/blocks/coord-attention.ts): layout, C, mip, conv1
 * [mip, C] and its bias [mip] (bn1 folded in), conv_h [C, mip] and its bias [C], conv_w [C, mip]
 * and its bias [C] (0 = none), the gate and its alpha, beta.
 */
@unmanaged class CoordAttentionParams {
  layout: i32; c: i32; mip: i32; w1: usize; b1: usize; wh: usize; bh: usize; ww: usize; bw: usize;
  gate: i32; alpha: f32; beta: f32;
}

// regions: the pools [N, C, H + W], transposed [N, H + W, C], the hidden [N, H + W, mip], a_h [N, C, H], a_w [N, C, W]
const POOLED = 0, POOLED_T = 1, HIDDEN = 2, AH = 3, AW = 4;
const POOL = 0, MLP = 1, OUTPUT = 2;

export function coord_attention_plan(params: usize, call: usize): void {
  const p = changetype<CoordAttentionParams>(params), k = changetype<Call>(call);
  const planes = <u64>k.n * <u64>p.c, l = <u64>k.h + <u64>k.w;
  k.begin();
  k.region(POOLED, planes * l);
  k.region(POOLED_T, planes * l);
  k.region(HIDDEN, <u64>k.n * l * <u64>p.mip);
  k.region(AH, planes * <u64>k.h);
  k.region(AW, planes * <u64>k.w);
  k.stage(POOL, k.n * p.c);
  k.stage(MLP, k.n);
  k.stage(OUTPUT, k.n * p.c * k.h);
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

export function coord_attention_run(params: usize, call: usize, stage: i32, begin: i32, end: i32): void {
  const p = changetype<CoordAttentionParams>(params), k = changetype<Call>(call);
  const c = p.c, h = k.h, w = k.w, l = h + w, mip = p.mip;
  const rowBytes = <usize>w << 2;
  const kind = k.kind(stage);
  if (kind == POOL) {
    f32_dirpool_cw(k.x + <usize>begin * <usize>h * rowBytes, end - begin, h, w, k.at(POOLED) + (<usize>(begin * l) << 2));
  } else if (kind == MLP) {
    for (let n = begin; n < end; n++) {
      const pooled = k.at(POOLED) + (<usize>(n * c * l) << 2), t = k.at(POOLED_T) + (<usize>(n * l * c) << 2);
      const hidden = k.at(HIDDEN) + (<usize>(n * l * mip) << 2);
      const ah = k.at(AH) + (<usize>(n * c * h) << 2), aw = k.at(AW) + (<usize>(n * c * w) << 2);
      // the positions as rows of C channels, then u = h_swish(conv1'(t)) [H + W, mip]
      for (let i = 0; i < l; i++) {
        for (let ch = 0; ch < c; ch++) store<f32>(t + (<usize>(i * c + ch) << 2), load<f32>(pooled + (<usize>(ch * l + i) << 2)));
      }
      f32_dense(t, l, c, p.w1, p.b1, mip, hidden);
      f32_vhardswish(hidden, l * mip, hidden);
      // a_h[c, i] = Σ_m conv_h[c, m]·u[i, m] (the conv's weight rows as the dense's input rows,
      // so that a_h comes out channel-major, as the output pass reads it), then its bias and the gate
      f32_dense(p.wh, c, mip, hidden, 0, h, ah);
      biasGate(p, ah, h, p.bh);
      f32_dense(p.ww, c, mip, hidden + (<usize>(h * mip) << 2), 0, w, aw);
      biasGate(p, aw, w, p.bw);
    }
  } else {
    // rows of W floats, one per (n, c, h): (x·a_w[n, c, ·])·a_h[n, c, h]
    scaleRows<MulQThenS, RowsAreChannels>(k.x, k.y, 0, rowBytes, w, h, k.at(AH), k.at(AW), rowBytes, begin, end);
  }
}
