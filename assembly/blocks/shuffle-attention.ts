// Shuffle attention (Zhang & Yang, arXiv 2102.00240; wofmanaf/SA-Net models/sa_resnet.py `sa_layer`).
// With P = C/(2·groups), group g holds channels g·2P … g·2P + 2P − 1; for j < P its channel j is
// the channel branch x·σ(cweight_j·GAP(x) + cbias_j) and its channel P + j the spatial branch
// x·σ(sweight_j·gn(x) + sbias_j), gn the per-channel GroupNorm(P, P) over H·W (biased variance, eps
// 1e-5, affine gn.weight_j, gn.bias_j); then channel_shuffle with 2 groups, y[:, 2q + i] = z[:, i·C/2 + q].
//
// NCHW: one stage, one item per output plane: the item takes its source plane's statistics (the
// mean, and for the spatial branch the variance, f32-gmoments.ts) and writes the output plane from
// it while it is in cache. The shuffle is only which plane an item reads: x is read from memory
// once (plus the statistics' re-reads of a plane from cache), y written once, no copy of the tensor.
// NHWC: the statistics per channel over H·W as vectors along C (f32-moments-nhwc.ts: items
// (image, chunk of pixel rows)), combined per image into a gate table; then the output pass over
// pixel rows, the shuffle inside each row (f32-vshuffle-nhwc.ts): x read from memory twice, y once.
// y must not alias x (an output channel is another channel's input): the bindings say so.
// A channel whose variance overflows float32 is NaN, as PyTorch's CPU GroupNorm gives it at
// |x| ≈ 3e38 (gnRstd).

import { LAYOUT_NHWC } from "../../bindings/constants";
import { Call } from "../call";
import { planeMean } from "../kernels/f32-gpool";
import { planeMoments } from "../kernels/f32-gmoments";
import { poolChunks, STAT_SUM, statCombineNhwc } from "../kernels/f32-gpool-nhwc";
import { momentsChunkNhwc, momentsCombineNhwc } from "../kernels/f32-moments-nhwc";
import { f32_vscale_channel_cw } from "../kernels/f32-vscale";
import { f32_vshuffle_gate_nhwc, SHUFFLE_TABLE_ROWS } from "../kernels/f32-vshuffle-nhwc";
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

// regions: NCHW the channel branch's σ of each plane; NHWC the partial rows of the moments, the
// sums, means and variances [N][C], the gate tables [N][SHUFFLE_TABLE_ROWS][C]
const GATE = 0, SUMS = 1, DEVS = 2, SQS = 3, SUM = 4, MEAN = 5, VARIANCE = 6, TABLES = 7;
// stages: NCHW one; NHWC three
const PLANES = 0, STATS = 1, COMBINE = 2, ROWS = 3;

export function shuffle_attention_plan(params: usize, call: usize): void {
  const p = changetype<ShuffleAttentionParams>(params), k = changetype<Call>(call);
  const n = k.n, c = <u64>p.c, hw = k.h * k.w;
  k.begin();
  if (p.layout == LAYOUT_NHWC) {
    const partial = <u64>n * poolChunks(hw) * c;
    k.region(SUMS, partial);
    k.region(DEVS, partial);
    k.region(SQS, partial);
    k.region(SUM, <u64>n * c);
    k.region(MEAN, <u64>n * c);
    k.region(VARIANCE, <u64>n * c);
    k.region(TABLES, <u64>n * SHUFFLE_TABLE_ROWS * c);
    k.stage(STATS, n * poolChunks(hw));
    k.stage(COMBINE, n);
    k.stage(ROWS, n * hw);
  } else {
    k.region(GATE, <u64>n * c);
    k.stage(PLANES, n * p.c);
  }
}

@inline function param(at: usize, j: i32): f32 { return load<f32>(at + (<usize>j << 2)); }
@inline function sigmoid(z: f32): f32 { return f32x4.extract_lane(vsigmoid(f32x4.splat(z)), 0); }

/**
 * GroupNorm's 1/√(var + eps), NaN where the variance overflowed float32: PyTorch's CPU GroupNorm
 * (ATen's vectorised Welford moments, torch 1.13 with 8 lanes) gives a NaN channel for values near
 * ±3e38, where merging its lanes multiplies an overflowed δ² by a zero count. It gives rstd = 0
 * instead where such values lie only in its scalar tail (the last H·W mod 8 pixels, H·W ≥ 8) or
 * are too small for δ² of the lanes' means to overflow (|x| ≈ 2e19): a dependence on PyTorch's
 * vector width, not followed here (tests/golden poison_x: values at ±3e38 outside the tail).
 */
@inline function gnRstd(variance: f32): f32 {
  return variance == Infinity ? NaN : <f32>1 / Mathf.sqrt(variance + GN_EPS);
}

export function shuffle_attention_run(params: usize, call: usize, stage: i32, begin: i32, end: i32): void {
  const p = changetype<ShuffleAttentionParams>(params), k = changetype<Call>(call);
  if (p.layout == LAYOUT_NHWC) {
    runNhwc(p, k, k.kind(stage), begin, end);
    return;
  }
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
      const a = gnRstd(variance) * param(p.gnWeight, s);
      spatialGate(xs, yo, hw, a, -a * mean + param(p.gnBias, s), param(p.sweight, s), param(p.sbias, s));
    }
  }
}

/** Items [begin, end) of NHWC stage `kind` on x [N][hw][C]. */
function runNhwc(p: ShuffleAttentionParams, k: Call, kind: i32, begin: i32, end: i32): void {
  const c = p.c, hw = k.h * k.w, chunks = poolChunks(hw);
  const rowBytes = <usize>c << 2, imageBytes = <usize>hw * rowBytes;
  if (kind == STATS) {
    for (let item = begin; item < end; item++) {
      const at = <usize>item * rowBytes;
      momentsChunkNhwc(k.x + <usize>(item / chunks) * imageBytes, c, hw, item % chunks, k.at(SUMS) + at, k.at(DEVS) + at, k.at(SQS) + at);
    }
  } else if (kind == COMBINE) {
    for (let img = begin; img < end; img++) {
      const part = <usize>(img * chunks) * rowBytes, mean = k.at(MEAN) + <usize>img * rowBytes, variance = k.at(VARIANCE) + <usize>img * rowBytes;
      // GroupNorm's mean and biased variance M2 / (H·W), in f64 and rounded once
      for (let ch = 0; ch < c; ch++) {
        const v = momentsCombineNhwc(k.at(SUMS) + part, k.at(DEVS) + part, k.at(SQS) + part, c, hw, ch), at = <usize>ch << 2;
        store<f32>(mean + at, <f32>f64x2.extract_lane(v, 0));
        store<f32>(variance + at, <f32>(f64x2.extract_lane(v, 1) / <f64>hw));
      }
      // the channel branch's GAP from the plain sums in chunk order (the moments' mean is GroupNorm's)
      const sum = k.at(SUM) + <usize>img * rowBytes;
      statCombineNhwc(STAT_SUM, k.at(SUMS) + part, chunks, c, sum);
      gateTable(p, sum, mean, variance, hw, k.at(TABLES) + <usize>img * SHUFFLE_TABLE_ROWS * rowBytes);
    }
  } else {
    // rows of one image at a time, each image with its table
    for (let row = begin; row < end;) {
      const img = row / hw, last = min(end, (img + 1) * hw);
      f32_vshuffle_gate_nhwc(k.x, c, k.at(TABLES) + <usize>img * SHUFFLE_TABLE_ROWS * rowBytes, k.y, row, last, p.p == 2 && (c >> 1) % 4 == 0);
      row = last;
    }
  }
}

/**
 * One image's gate table (f32-vshuffle-nhwc.ts: rows a, b, sw, sb, g, mask [C]) from its channel
 * sums Σx, GroupNorm means and variances [C]: channel j < P of a group gets the channel branch's
 * g = σ(cweight_j·GAP + cbias_j), channel P + s the spatial branch's GroupNorm affine
 * gn(x) = x·a + b (a = rstd·weight_s, b = −a·mean + bias_s, as ATen's) and sweight_s, sbias_s.
 */
function gateTable(p: ShuffleAttentionParams, sum: usize, mean: usize, variance: usize, hw: i32, table: usize): void {
  const c = p.c, group = 2 * p.p, rowBytes = <usize>c << 2;
  for (let ch = 0; ch < c; ch++) {
    const j = ch % group, at = <usize>ch << 2, t = table + at;
    let a: f32 = 0, b: f32 = 0, sw: f32 = 0, sb: f32 = 0, g: f32 = 0;
    if (j < p.p) {
      g = sigmoid(param(p.cweight, j) * (load<f32>(sum + at) / <f32>hw) + param(p.cbias, j));
    } else {
      const s = j - p.p;
      a = gnRstd(load<f32>(variance + at)) * param(p.gnWeight, s);
      b = -a * load<f32>(mean + at) + param(p.gnBias, s);
      sw = param(p.sweight, s);
      sb = param(p.sbias, s);
    }
    store<f32>(t, a);
    store<f32>(t + rowBytes, b);
    store<f32>(t + rowBytes * 2, sw);
    store<f32>(t + rowBytes * 3, sb);
    store<f32>(t + rowBytes * 4, g);
    store<i32>(t + rowBytes * 5, j < p.p ? 0 : -1);
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
