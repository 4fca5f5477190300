// SimAM (Yang et al., "SimAM: A Simple, Parameter-Free Attention Module for CNNs", ICML 2021;
// ZjjConan/SimAM networks/attentions/simam_module.py): per plane, with n = H·W − 1,
//   d = (x − mean)², e = d / (4·(Σd/n + λ)) + 0.5, y = x·σ(e).
// The statistics pass reads x from memory once (chunks read twice from cache, accurate for large
// means): NCHW plane by plane (f32-gmoments), NHWC by chunks of pixel rows with the channels as
// vectors (f32-moments-nhwc, merged per image in a second stage); the output pass reads x once
// more and writes y once. H·W = 1 divides 0 by 0, as the official code does: NaN.

import { LAYOUT_NHWC } from "../../bindings/constants";
import { Call } from "../call";
import { planeMoments } from "../kernels/f32-gmoments";
import { POOL_CHUNK, poolChunks } from "../kernels/f32-gpool-nhwc";
import { momentsChunkNhwc, momentsCombineNhwc } from "../kernels/f32-moments-nhwc";
import { f32_vsimam_cw, simamRowsNhwc } from "../kernels/f32-vsimam";

/** SimAM's constants (bindings/blocks/simam.ts): the layout and λ. C is the call's (any C). */
@unmanaged class SimAMParams { layout: i32; lambda: f32; }

// regions: the mean and inv per plane [N, C]; NHWC: each chunk's partial rows (sums, deviations,
// squared deviations, f32-moments-nhwc) [N][chunks][C]
const MEAN = 0, INV = 1, SUMS = 2, DEVS = 3, SQS = 4;
// stages: the statistics (NCHW: per plane; NHWC: per chunk of pixels, then COMBINE per image), the output
// (NCHW: per plane; NHWC: per chunk of pixels)
const STATS = 0, OUTPUT = 1, COMBINE = 2;

export function simam_plan(params: usize, call: usize): void {
  const k = changetype<Call>(call);
  const planes = k.n * k.c;
  k.begin();
  k.region(MEAN, <u64>planes);
  k.region(INV, <u64>planes);
  if (changetype<SimAMParams>(params).layout == LAYOUT_NHWC) {
    const items = k.n * poolChunks(k.h * k.w);
    k.region(SUMS, <u64>items * <u64>k.c);
    k.region(DEVS, <u64>items * <u64>k.c);
    k.region(SQS, <u64>items * <u64>k.c);
    k.stage(STATS, items);
    k.stage(COMBINE, k.n);
    k.stage(OUTPUT, items);
  } else {
    k.stage(STATS, planes);
    k.stage(OUTPUT, planes);
  }
}

/** The NHWC stages: items [begin, end) of the chunks' statistics, their combination per image, or the output. */
function simamNhwc(k: Call, kind: i32, lambda: f64, begin: i32, end: i32): void {
  const c = k.c, hw = k.h * k.w, chunks = poolChunks(hw);
  const imageBytes = <usize>hw * <usize>c << 2, vecBytes = <usize>c << 2;
  for (let item = begin; item < end; item++) {
    if (kind == COMBINE) {
      // mean[c] and inv[c] = 1/(4·(M2/(H·W − 1) + λ)), in f64 and rounded once
      const part = <usize>item * <usize>chunks * vecBytes, mean = k.at(MEAN) + <usize>item * vecBytes, inv = k.at(INV) + <usize>item * vecBytes;
      for (let ch = 0; ch < c; ch++) {
        const v = momentsCombineNhwc(k.at(SUMS) + part, k.at(DEVS) + part, k.at(SQS) + part, c, hw, ch), at = <usize>ch << 2;
        store<f32>(mean + at, <f32>f64x2.extract_lane(v, 0));
        store<f32>(inv + at, <f32>(1 / (4 * (f64x2.extract_lane(v, 1) / <f64>(hw - 1) + lambda))));
      }
      continue;
    }
    const img = item / chunks, chunk = item % chunks;
    const x = k.x + <usize>img * imageBytes;
    if (kind == STATS) {
      const at = <usize>item * vecBytes;
      momentsChunkNhwc(x, c, hw, chunk, k.at(SUMS) + at, k.at(DEVS) + at, k.at(SQS) + at);
    } else {
      const r0 = chunk * POOL_CHUNK;
      simamRowsNhwc(x, c, k.at(MEAN) + <usize>img * vecBytes, k.at(INV) + <usize>img * vecBytes, k.y + <usize>img * imageBytes, r0, min(hw, r0 + POOL_CHUNK));
    }
  }
}

export function simam_run(params: usize, call: usize, stage: i32, begin: i32, end: i32): void {
  const p = changetype<SimAMParams>(params), k = changetype<Call>(call);
  const hw = k.h * k.w, planeBytes = <usize>hw << 2;
  const kind = k.kind(stage), lambda = <f64>p.lambda;
  if (p.layout == LAYOUT_NHWC) {
    simamNhwc(k, kind, lambda, begin, end);
  } else if (kind == STATS) {
    // mean[p] and inv[p] = 1/(4·(M2/(H·W − 1) + λ)), in f64 and rounded once
    const mean = k.at(MEAN), inv = k.at(INV);
    for (let i = begin; i < end; i++) {
      const v = planeMoments(k.x + <usize>i * planeBytes, hw);
      store<f32>(mean + (<usize>i << 2), <f32>f64x2.extract_lane(v, 0));
      store<f32>(inv + (<usize>i << 2), <f32>(1 / (4 * (f64x2.extract_lane(v, 1) / <f64>(hw - 1) + lambda))));
    }
  } else {
    f32_vsimam_cw(k.x, hw, k.at(MEAN), k.at(INV), k.y, begin, end);
  }
}
