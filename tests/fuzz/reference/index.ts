// Every block's float64 reference by its golden folder (tests/golden/<folder>, the registry's `folder`).

import { aff } from "./aff.js";
import { bam } from "./bam.js";
import { cbam } from "./cbam.js";
import { cbamBasicblock } from "./cbam-basicblock.js";
import { coordAttention } from "./coord-attention.js";
import { cse } from "./cse.js";
import { eca } from "./eca.js";
import { effectiveSe } from "./effective-se.js";
import { gatherExcite } from "./gather-excite.js";
import { globalContext } from "./global-context.js";
import { gsop } from "./gsop.js";
import { iaff } from "./iaff.js";
import { mscam } from "./mscam.js";
import { scse } from "./scse.js";
import { se } from "./se.js";
import { seResblock } from "./se-resblock.js";
import { shuffleAttention } from "./shuffle-attention.js";
import { simam } from "./simam.js";
import { sk } from "./sk.js";
import { splitAttention } from "./split-attention.js";
import { sse } from "./sse.js";
import type { ReferenceFn } from "./tensor.js";
import { tripletAttention } from "./triplet-attention.js";

export const REFERENCES: Readonly<Record<string, ReferenceFn>> = {
  se, cse, sse, scse, cbam, bam, se_resblock: seResblock, cbam_basicblock: cbamBasicblock,
  eca, coord_attention: coordAttention, sk, split_attention: splitAttention, gsop, mscam, aff, iaff,
  shuffle_attention: shuffleAttention, simam, global_context: globalContext, gather_excite: gatherExcite,
  triplet_attention: tripletAttention, effective_se: effectiveSe,
};
