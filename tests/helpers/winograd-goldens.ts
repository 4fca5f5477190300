// The goldens a block run with Winograd on every 3×3 convolution that fits (the policy "always")
// must match: all but the poison_* ones (NaN, ±Inf and ±3e38 placed in x or a weight, PyTorch's
// exact pattern of non-finite outputs: the transforms spread a non-finite input over whole tiles
// and may overflow near 3e38, README), except the poisons that put a conv on the exact pass (a
// NaN or ±Inf conv weight, a non-finite batch norm scale folded into a conv), which is never
// Winograd while the other convs are.

import { goldenCases } from "./golden.js";

/** The registry folders of the blocks with a 3×3 convolution Winograd can take (CBAM's 3×3 spatial gate, SK's 3×3 paths with one group, split attention with radix 1 and one group). */
export const WINOGRAD_BLOCKS = ["cbam", "bam", "se_resblock", "cbam_basicblock", "sk", "split_attention"];

const EXACT_PASS_POISON = /^poison_(.*_)?(weight_corner_(nan|inf)|conv\d_weight_nan|bn2_weight_(nan|inf)|dilated_bn_\d_weight_inf)\.safetensors$/;

/** The poison goldens of `folder` that put a conv on the exact pass. */
export const exactPassPoisons = (folder: string): string[] => goldenCases(folder).filter((f) => EXACT_PASS_POISON.test(f));

/** The goldens of `folder` that are not poison_*. */
export const finiteGoldens = (folder: string): string[] => goldenCases(folder).filter((f) => !f.startsWith("poison"));
