// The public conv2d kernel (kernels.conv2d): one convolution as a call of its own (call.ts), the
// constants in a ConvParams record, the stages of parts/conv-stages.ts. y must not alias x.

import { Call } from "../call";
import { convStagesPlan, convStagesRun } from "../parts/conv-stages";

export function f32_conv2d_nchw_plan(conv: usize, call: usize): void {
  const k = changetype<Call>(call);
  k.begin();
  convStagesPlan(conv, k, k.n, k.h, k.w, 0, 0);
}

export function f32_conv2d_nchw_run(conv: usize, call: usize, stage: i32, begin: i32, end: i32): void {
  const k = changetype<Call>(call);
  convStagesRun(conv, k, k.kind(stage), k.x, k.y, k.n, k.h, k.w, 0, begin, end);
}
