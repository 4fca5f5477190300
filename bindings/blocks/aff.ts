// AFF, attentional feature fusion (Dai et al., arXiv 2009.14082; YimianDai/open-aff
// aff_pytorch/aff_net/fusion.py `AFF`): w = σ(L(x + r) + G(x + r)), y = 2·x·w + 2·r·(1 − w)
// (assembly/blocks/aff.ts). Two inputs of one shape: run(x, residual, dims[, out]).

import { blockFactory, FusionBlock } from "../block.js";
import { type MSCAMConfig, type MSCAMOptions, singleMSCAMDef } from "../parts/ms-cam.js";

export type AFFOptions = MSCAMOptions;

/** An attentional feature fusion block: `run(x, residual, dims[, out])`. Weights: MS-CAM's (createMSCAM). */
export const createAFF = blockFactory<AFFOptions, MSCAMConfig, FusionBlock<MSCAMConfig>>(singleMSCAMDef("AFF", 2, (wasm) => ({ plan: wasm.aff_plan, run: wasm.aff_run })), FusionBlock);
