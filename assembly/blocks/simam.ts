// SimAM (Yang et al., "SimAM: A Simple, Parameter-Free Attention Module for CNNs", ICML 2021;
// ZjjConan/SimAM networks/attentions/simam_module.py): per plane, with n = H·W − 1,
//   d = (x − mean)², e = d / (4·(Σd/n + λ)) + 0.5, y = x·σ(e).
// The statistics pass reads each plane from memory once (f32-gmoments: chunks read twice from L1,
// accurate for large means); the output pass reads x once more and writes y once. H·W = 1 divides
// 0 by 0, as the official code does: NaN.

import { Call } from "../call";
import { planeMoments } from "../kernels/f32-gmoments";
import { f32_vsimam_cw } from "../kernels/f32-vsimam";

/** SimAM's constants (bindings/blocks/simam.ts): the layout and λ. C is the call's (any C). */
@unmanaged class SimAMParams { layout: i32; lambda: f32; }

// regions and stages
const MEAN = 0, INV = 1;
const STATS = 0, OUTPUT = 1;

export function simam_plan(_params: usize, call: usize): void {
  const k = changetype<Call>(call);
  const planes = k.n * k.c;
  k.begin();
  k.region(MEAN, <u64>planes);
  k.region(INV, <u64>planes);
  k.stage(STATS, planes);
  k.stage(OUTPUT, planes);
}

export function simam_run(params: usize, call: usize, stage: i32, begin: i32, end: i32): void {
  const k = changetype<Call>(call);
  const hw = k.h * k.w, planeBytes = <usize>hw << 2;
  if (k.kind(stage) == STATS) {
    // mean[p] and inv[p] = 1/(4·(M2/(H·W − 1) + λ)), in f64 and rounded once
    const lambda = <f64>changetype<SimAMParams>(params).lambda;
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
