// Effective SE (Lee & Park, arXiv 1911.06667; youngwanLEE/vovnet-detectron2 vovnet/vovnet.py
// `eSEModule`; timm's EffectiveSEModule): y = x·gate(fc(pool(x))), one 1×1 conv C → C with bias,
// pool GAP or (timm's add_maxpool) 0.5·GAP + 0.5·GMP. x is read twice (the pool, the output
// pass), y written once.

import { Call } from "../call";
import { f32_dense } from "../kernels/f32-dense";
import { f32_vgate } from "../kernels/f32-vgate";
import { EXCITE, GATE, POOLED, pooledGatePlan, pooledGateRun } from "../parts/pooled-gate";

/** eSE's constants (bindings/blocks/effective-se.ts): layout, C, the pool (POOL_AVG or POOL_AVGMAX), the gate and its alpha, beta, fc [C, C] and its bias [C]. */
@unmanaged class EffectiveSEParams { layout: i32; c: i32; pool: i32; gate: i32; alpha: f32; beta: f32; w: usize; b: usize; }

export function effective_se_plan(params: usize, call: usize): void {
  pooledGatePlan(changetype<Call>(call), changetype<EffectiveSEParams>(params).c);
}

export function effective_se_run(params: usize, call: usize, stage: i32, begin: i32, end: i32): void {
  const p = changetype<EffectiveSEParams>(params), k = changetype<Call>(call);
  const kind = k.kind(stage);
  if (kind != EXCITE) return pooledGateRun(k, kind, p.pool, begin, end);
  // images [begin, end): s = gate(fc(pooled))
  const at = <usize>(begin * p.c) << 2, s = k.at(GATE) + at;
  f32_dense(k.at(POOLED) + at, end - begin, p.c, p.w, p.b, p.c, s);
  f32_vgate(s, (end - begin) * p.c, p.gate, p.alpha, p.beta, s);
}
