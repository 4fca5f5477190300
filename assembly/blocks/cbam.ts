// CBAM (Woo et al., arXiv 1807.06521): the channel and spatial attention of parts/cbam-attention.ts
// on its own. x is read three times and y written once.

import { Call } from "../call";
import { cbamPlan, cbamRun, CBAMParams } from "../parts/cbam-attention";

export function cbam_plan(params: usize, call: usize): void {
  const k = changetype<Call>(call);
  k.begin();
  cbamPlan(changetype<CBAMParams>(params), k, k.n, k.h, k.w, 0, 0);
}

export function cbam_run(params: usize, call: usize, stage: i32, begin: i32, end: i32): void {
  const k = changetype<Call>(call);
  cbamRun(changetype<CBAMParams>(params), k, k.kind(stage), k.x, k.y, 0, k.n, k.h, k.w, 0, begin, end);
}
