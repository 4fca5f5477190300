// AFF, attentional feature fusion (Dai et al., arXiv 2009.14082; YimianDai/open-aff
// aff_pytorch/aff_net/fusion.py `AFF`): w = σ(L(x + r) + G(x + r)), y = 2·x·w + 2·r·(1 − w), the
// stages of parts/ms-cam.ts. x + r is never stored: the pool sums it plane by plane and the fused
// pass strip by strip. x and r are read from memory twice each, y written once.

import { Call } from "../call";
import { FUSION_AFF, fusionPlan, fusionRun, MSCAM } from "../parts/ms-cam";

/** AFF's constants (bindings/blocks/aff.ts): the layout and the attention's record. */
@unmanaged class AFFParams { layout: i32; att: usize; }

export function aff_plan(params: usize, call: usize): void {
  fusionPlan(changetype<MSCAM>(changetype<AFFParams>(params).att), changetype<Call>(call), FUSION_AFF);
}

export function aff_run(params: usize, call: usize, stage: i32, begin: i32, end: i32): void {
  const att = changetype<MSCAM>(changetype<AFFParams>(params).att);
  fusionRun(att, att, changetype<Call>(call), FUSION_AFF, stage, begin, end);
}
