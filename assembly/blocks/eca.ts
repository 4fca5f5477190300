// ECA (Wang et al., arXiv 1910.03151; BangguWu/ECANet models/eca_module.py `eca_layer`; timm's
// EcaModule and, with circular padding, CecaModule): s = gate(conv1d_k(GAP(x))) across the
// channels, y = x·s[n, c]. x is read twice (the pool, the output pass), y written once.

import { Call } from "../call";
import { f32_conv1d } from "../kernels/f32-conv1d";
import { f32_vgate } from "../kernels/f32-vgate";
import { EXCITE, GATE, POOLED, pooledGatePlan, pooledGateRun } from "../parts/pooled-gate";
import { POOL_AVG } from "../../bindings/constants";

/** ECA's constants (bindings/blocks/eca.ts): layout, C, k, circular padding, the gate (GATE_*) and its alpha, beta, conv.weight [k]. */
@unmanaged class ECAParams { layout: i32; c: i32; k: i32; circular: i32; gate: i32; alpha: f32; beta: f32; w: usize; }

export function eca_plan(params: usize, call: usize): void {
  pooledGatePlan(changetype<Call>(call), changetype<ECAParams>(params).c);
}

export function eca_run(params: usize, call: usize, stage: i32, begin: i32, end: i32): void {
  const p = changetype<ECAParams>(params), k = changetype<Call>(call);
  const kind = k.kind(stage);
  if (kind != EXCITE) return pooledGateRun(k, kind, POOL_AVG, begin, end);
  // images [begin, end): z = conv1d(pooled) across the C channels, s = gate(z) in place
  const at = <usize>(begin * p.c) << 2, s = k.at(GATE) + at;
  f32_conv1d(k.at(POOLED) + at, end - begin, p.c, p.w, p.k, p.circular != 0, s);
  f32_vgate(s, (end - begin) * p.c, p.gate, p.alpha, p.beta, s);
}
