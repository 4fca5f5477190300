// ECA (Wang et al., arXiv 1910.03151; BangguWu/ECANet models/eca_module.py `eca_layer`; timm's
// EcaModule and, with circular padding, CecaModule): s = gate(conv1d_k(GAP(x))) across the
// channels, y = x·s[n, c]. x is read twice (the pool, the output pass), y written once.

import { Call } from "../call";
import { f32_conv1d } from "../kernels/f32-conv1d";
import { gateRows, isExcite, PooledGate, pooledGatePlan, pooledGateRun, pooledRows } from "../parts/pooled-gate";

/** ECA's constants (bindings/blocks/eca.ts): the frame's (pool POOL_AVG), then k, circular padding, conv.weight [k]. */
@unmanaged class ECAParams extends PooledGate { k: i32; circular: i32; w: usize; }

export function eca_plan(params: usize, call: usize): void {
  pooledGatePlan(changetype<ECAParams>(params), changetype<Call>(call));
}

export function eca_run(params: usize, call: usize, stage: i32, begin: i32, end: i32): void {
  const p = changetype<ECAParams>(params), k = changetype<Call>(call);
  // z = conv1d(pooled) across the C channels of images [begin, end), which the frame then gates
  if (isExcite(k, stage)) f32_conv1d(pooledRows(p, k, begin), end - begin, p.c, p.w, p.k, p.circular != 0, gateRows(p, k, begin));
  pooledGateRun(p, k, stage, begin, end);
}
