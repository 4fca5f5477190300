// Effective SE (Lee & Park, arXiv 1911.06667; youngwanLEE/vovnet-detectron2 vovnet/vovnet.py
// `eSEModule`; timm's EffectiveSEModule): y = x·gate(fc(pool(x))), one 1×1 conv C → C with bias,
// pool GAP or (timm's add_maxpool) 0.5·GAP + 0.5·GMP. x is read twice (the pool, the output
// pass), y written once.

import { Call } from "../call";
import { f32_dense } from "../kernels/f32-dense";
import { gateRows, isExcite, PooledGate, pooledGatePlan, pooledGateRun, pooledRows } from "../parts/pooled-gate";

/** eSE's constants (bindings/blocks/effective-se.ts): the frame's (pool POOL_AVG or POOL_AVGMAX), then fc [C, C] and its bias [C]. */
@unmanaged class EffectiveSEParams extends PooledGate { w: usize; b: usize; }

export function effective_se_plan(params: usize, call: usize): void {
  pooledGatePlan(changetype<EffectiveSEParams>(params), changetype<Call>(call));
}

export function effective_se_run(params: usize, call: usize, stage: i32, begin: i32, end: i32): void {
  const p = changetype<EffectiveSEParams>(params), k = changetype<Call>(call);
  // z = fc(pooled) of images [begin, end), which the frame then gates
  if (isExcite(k, stage)) f32_dense(pooledRows(p, k, begin), end - begin, p.c, p.w, p.b, p.c, gateRows(p, k, begin));
  pooledGateRun(p, k, stage, begin, end);
}
