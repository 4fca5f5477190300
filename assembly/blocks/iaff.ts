// iAFF, iterative attentional feature fusion (Dai et al., arXiv 2009.14082; YimianDai/open-aff
// aff_pytorch/aff_net/fusion.py `iAFF`, MXNet model/fusion.py `ResGlobLocaforGlobLocaChaFuse`):
// w1 = σ(L(x + r) + G(x + r)), xi = x·w1 + r·(1 − w1), w2 = σ(L2(xi) + G'(xi)), y = x·w2 + r·(1 − w2),
// the stages of parts/ms-cam.ts. G' is global_att2 (MXNet, the paper) or global_att (the PyTorch
// forward): the bindings point the second record's global weights at one or the other.
// x and r are read from memory three times each, xi written and read once, y written once.

import { Call } from "../call";
import { FUSION_IAFF, fusionPlan, fusionRun, MSCAM } from "../parts/ms-cam";

/** iAFF's constants (bindings/blocks/iaff.ts): the layout and the records of its two MS-CAMs. */
@unmanaged class IAFFParams { layout: i32; att: usize; att2: usize; }

export function iaff_plan(params: usize, call: usize): void {
  fusionPlan(changetype<MSCAM>(changetype<IAFFParams>(params).att), changetype<Call>(call), FUSION_IAFF);
}

export function iaff_run(params: usize, call: usize, stage: i32, begin: i32, end: i32): void {
  const p = changetype<IAFFParams>(params);
  fusionRun(changetype<MSCAM>(p.att), changetype<MSCAM>(p.att2), changetype<Call>(call), FUSION_IAFF, stage, begin, end);
}
