// MS-CAM (SPEC §3): y = x·σ(L_local_att(x) + G_global_att(x)).

import { affInner, fusionWeight } from "./aff-branches.js";
import { fromInput, mul, result, type ReferenceFn } from "./tensor.js";

export const mscam: ReferenceFn = (o, w, x, dims) => {
  const t = fromInput(x, dims);
  return result(mul(t, fusionWeight(t, w, "local_att", "global_att", affInner(t.c, o))));
};
