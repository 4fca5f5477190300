// Shuffle attention (Zhang & Yang, arXiv 2102.00240; wofmanaf/SA-Net models/sa_resnet.py `sa_layer`).
// With P = C/(2·groups), group g holds channels g·2P … g·2P + 2P − 1; for j < P its channel j is
// the channel branch x·σ(cweight_j·GAP(x) + cbias_j) and its channel P + j the spatial branch
// x·σ(sweight_j·gn(x) + sbias_j), gn the per-channel GroupNorm(P, P) over H·W (biased variance, eps
// 1e-5, affine gn.weight_j, gn.bias_j); then channel_shuffle with 2 groups, y[:, 2q + i] = z[:, i·C/2 + q].
//
// One stage, one item per output plane: the item takes its source plane's statistics (the mean, and
// for the spatial branch the variance, f32-gmoments-cw.ts) and writes the output plane from it
// while it is in cache. The shuffle is only which plane an item reads: x is read from memory once
// (plus the statistics' re-reads of a plane from cache), y written once, no copy of the tensor.
// y must not alias x (an output plane is another plane's input): the bindings say so.

import { Call } from "../call";
import { planeMean } from "../kernels/f32-gpool";
import { planeMoments } from "../kernels/f32-gmoments";
import { f32_vscale_channel_cw } from "../kernels/f32-vscale";
import { storeLanes } from "../simd";
import { vsigmoid } from "../vmath";

/**
 * Shuffle attention's constants (bindings/blocks/shuffle-attention.ts): the layout, C, P, and the
 * parameters [P] of the channel branch (cweight, cbias), the spatial branch (sweight, sbias) and gn.
 */
@unmanaged class ShuffleAttentionParams {
  layout: i32; c: i32; p: i32;
  cweight: usize; cbias: usize; sweight: usize; sbias: usize; gnWeight: usize; gnBias: usize;
}

/** GroupNorm's eps (sa_resnet.py's nn.GroupNorm default). */
const GN_EPS: f32 = 1e-5;

const GATE = 0;
const PLANES = 0;

export function shuffle_attention_plan(params: usize, call: usize): void {
  const p = changetype<ShuffleAttentionParams>(params), k = changetype<Call>(call);
  k.begin();
  k.region(GATE, <u64>k.n * <u64>p.c); // the channel branch's σ of each plane
  k.stage(PLANES, k.n * p.c);
}

@inline function param(at: usize, j: i32): f32 { return load<f32>(at + (<usize>j << 2)); }
@inline function sigmoid(z: f32): f32 { return f32x4.extract_lane(vsigmoid(f32x4.splat(z)), 0); }

export function shuffle_attention_run(params: usize, call: usize, _stage: i32, begin: i32, end: i32): void {
  const p = changetype<ShuffleAttentionParams>(params), k = changetype<Call>(call);
  const c = p.c, half = c >> 1, group = 2 * p.p, hw = k.h * k.w;
  const planeBytes = <usize>hw << 2;
  const gate = k.at(GATE);
  for (let o = begin; o < end; o++) {
    const img = o / c, oc = o % c;
    const sc = (oc & 1) * half + (oc >> 1); // channel_shuffle(·, 2): output channel 2q + i is z's i·C/2 + q
    const j = sc % group;
    const xs = k.x + <usize>(img * c + sc) * planeBytes, yo = k.y + <usize>o * planeBytes;
    if (j < p.p) {
      store<f32>(gate + (<usize>o << 2), sigmoid(param(p.cweight, j) * planeMean(xs, hw) + param(p.cbias, j)));
      f32_vscale_channel_cw(xs, hw, gate + (<usize>o << 2), yo, 0, 1);
    } else {
      const s = j - p.p;
      // the biased variance M2 / (H·W), as GroupNorm's
      const m = planeMoments(xs, hw);
      const mean = <f32>f64x2.extract_lane(m, 0), variance = <f32>(f64x2.extract_lane(m, 1) / <f64>hw);
      // ATen's GroupNorm: gn(x) = x·a + b, a = rstd·weight, b = −a·mean + bias, rstd = 1/√(var + eps)
      const a = <f32>1 / Mathf.sqrt(variance + GN_EPS) * param(p.gnWeight, s);
      spatialGate(xs, yo, hw, a, -a * mean + param(p.gnBias, s), param(p.sweight, s), param(p.sbias, s));
    }
  }
}

/** y = x·σ(sw·(x·a + b) + sb) over the hw floats of one plane, in PyTorch's order of rounding. */
function spatialGate(x: usize, y: usize, hw: i32, a: f32, b: f32, sw: f32, sb: f32): void {
  const va = f32x4.splat(a), vb = f32x4.splat(b), vsw = f32x4.splat(sw), vsb = f32x4.splat(sb);
  const full = <usize>(hw & ~3) << 2;
  let o: usize = 0;
  for (; o < full; o += 16) {
    const v = v128.load(x + o);
    v128.store(y + o, f32x4.mul(v, vsigmoid(f32x4.add(f32x4.mul(vsw, f32x4.add(f32x4.mul(v, va), vb)), vsb))));
  }
  if (hw & 3) {
    const v = v128.load(x + o);
    storeLanes(y + o, f32x4.mul(v, vsigmoid(f32x4.add(f32x4.mul(vsw, f32x4.add(f32x4.mul(v, va), vb)), vsb))), hw & 3);
  }
}
