// MS-CAM (Dai et al., arXiv 2009.14082; YimianDai/open-aff aff_pytorch/aff_net/fusion.py `MS_CAM`):
// y = x·σ(L(x) + G(x)) (assembly/blocks/mscam.ts).

import { Block, blockFactory } from "../block.js";
import { type MSCAMConfig, type MSCAMOptions, singleMSCAMDef } from "../parts/ms-cam.js";

export type { MSCAMOptions } from "../parts/ms-cam.js";

/**
 * A multi-scale channel attention module. Weights (I = ⌊C / reduction⌋): local_att.0.{weight [I, C, 1, 1], bias},
 * local_att.1.* (BN [I]), local_att.3.{weight [C, I, 1, 1], bias}, local_att.4.* (BN [C]), and the same
 * under global_att.{1, 2, 4, 5}.
 */
export const createMSCAM = blockFactory<MSCAMOptions, MSCAMConfig, Block<MSCAMConfig>>(singleMSCAMDef("MS-CAM", 1, (wasm) => ({ plan: wasm.mscam_plan, run: wasm.mscam_run })));
