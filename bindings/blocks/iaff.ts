// iAFF, iterative attentional feature fusion (Dai et al., arXiv 2009.14082; YimianDai/open-aff
// aff_pytorch/aff_net/fusion.py `iAFF`, MXNet model/fusion.py `ResGlobLocaforGlobLocaChaFuse`):
// w1 = σ(L(x + r) + G(x + r)), xi = x·w1 + r·(1 − w1), w2 = σ(L2(xi) + G'(xi)), y = x·w2 + r·(1 − w2)
// (assembly/blocks/iaff.ts). G' is global_att2 ('global_att2', the MXNet original and the paper) or
// global_att ('global_att', the PyTorch forward, which builds global_att2 and never uses it).

import { type BlockDef, blockFactory, FusionBlock, layoutCode } from "../block.js";
import { i32, record } from "../params.js";
import { foldMSCAM, MSCAM_OPTION_KEYS, type MSCAMConfig, type MSCAMOptions, msCamRecord, msCamWeights, parseMSCAM } from "../parts/ms-cam.js";
import { oneOf } from "../validate.js";
import type { Weights } from "../weights.js";

export const SECOND_GLOBALS = ["global_att2", "global_att"] as const;
export type SecondGlobal = (typeof SECOND_GLOBALS)[number];

export interface IAFFOptions extends MSCAMOptions {
  /** The second stage's global branch (default 'global_att2'). */
  secondGlobal?: SecondGlobal;
}

export type IAFFConfig = MSCAMConfig & { readonly secondGlobal: SecondGlobal };

const IAFF: BlockDef<IAFFOptions, IAFFConfig> = {
  name: "iAFF",
  optionKeys: [...MSCAM_OPTION_KEYS, "secondGlobal"],
  inputs: 2,
  parse: (o) => ({ ...parseMSCAM("iAFF", o), secondGlobal: oneOf("iAFF", "secondGlobal", o.secondGlobal, SECOND_GLOBALS, "global_att2") }),
  // global_att2.* are required in both modes: the official state_dict has them
  weights: (g) => [...msCamWeights(g, "local_att", "global_att"), ...msCamWeights(g, "local_att2", "global_att2")],
  prepare: (g, w) => {
    const weights: Weights = {};
    const convs = foldMSCAM(g, w, "local_att", "global_att", weights);
    // in 'global_att' mode global_att2 is checked and then left out of the module
    const second = foldMSCAM(g, w, "local_att2", g.secondGlobal, weights);
    return { weights, convs: [...convs, ...second] };
  },
  params: (g, pack) => [
    i32(layoutCode(g.layout)), record(msCamRecord(g, pack, "local_att", "global_att")), record(msCamRecord(g, pack, "local_att2", g.secondGlobal)),
  ],
  entry: (wasm) => ({ plan: wasm.iaff_plan, run: wasm.iaff_run }),
};

/**
 * An iterative attentional feature fusion block: `run(x, residual, dims[, out])`. Weights: MS-CAM's
 * (createMSCAM) under local_att.*, global_att.*, and again under local_att2.*, global_att2.*.
 */
export const createIAFF = blockFactory<IAFFOptions, IAFFConfig, FusionBlock<IAFFConfig>>(IAFF, FusionBlock);
