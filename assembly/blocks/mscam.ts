// MS-CAM (Dai et al., arXiv 2009.14082; YimianDai/open-aff aff_pytorch/aff_net/fusion.py `MS_CAM`):
// y = x·σ(L(x) + G(x)), the stages of parts/ms-cam.ts. x is read from memory twice (the global
// pool, the fused pass), y written once.

import { Call } from "../call";
import { FUSION_MSCAM, fusionPlan, fusionRun, MSCAM } from "../parts/ms-cam";

/** MS-CAM's constants (bindings/blocks/mscam.ts): the layout and the attention's record. */
@unmanaged class MSCAMParams { layout: i32; att: usize; }

export function mscam_plan(params: usize, call: usize): void {
  fusionPlan(changetype<MSCAM>(changetype<MSCAMParams>(params).att), changetype<Call>(call), FUSION_MSCAM);
}

export function mscam_run(params: usize, call: usize, stage: i32, begin: i32, end: i32): void {
  const att = changetype<MSCAM>(changetype<MSCAMParams>(params).att);
  fusionRun(att, att, changetype<Call>(call), FUSION_MSCAM, stage, begin, end);
}
