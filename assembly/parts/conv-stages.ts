// A convolution (kernels/f32-conv2d.ts) as stages of a call: its tap table (one item), the
// packed copy of its input (one item per input plane; no stage items when it reads its input in
// place), the product (convComputeItems) and, only for a conv whose record asks for it, the exact
// pass (kernels/f32-conv2d-exact.ts: after the product, or in place of the three with
// CONV_EXACT_ALL). Used by every block with a convolution and by the public conv2d kernel. Takes
// two private words (the regions of the table and the packed copy) from `slot` and four stage
// codes from `kindBase`. A Winograd convolution (ConvParams.winograd, never on the exact pass)
// takes the same two regions, its transformed input and product, and three of the stage codes,
// the input transform, the product and the output transform (parts/winograd-stages.ts), then
// the plane sums' stage when its run is given a sums region.

import { CONV_EXACT_ALL, CONV_EXACT_NONE } from "../../bindings/constants";
import { Call } from "../call";
import { winogradRegionFloats, winogradRun, winogradStages } from "./winograd-stages";
import { ConvParams, convCompute, convComputeItems, convPack, convPackedFloats, convPackItems, convSumItems, convSums, convTable, convTableFloats } from "../kernels/f32-conv2d";
import { convExact, convExactItems } from "../kernels/f32-conv2d-exact";

const TABLE = 0, PACKED = 1;
/** Private words a convolution's stages take. */
export const CONV_SLOTS = 2;
const STAGE_TABLE = 0, STAGE_PACK = 1, STAGE_COMPUTE = 2, STAGE_EXACT = 3, STAGE_SUMS = 4;
/** Stage codes a convolution takes. */
export const CONV_KINDS = 5;

/** Plans the convolution `conv` of an input [n, cin, h, w]; `sums`: its run is given a sums region (the per-band plane sums of y). */
export function convStagesPlan(conv: usize, k: Call, n: i32, h: i32, w: i32, slot: i32, kindBase: i32, sums: bool = false): void {
  convRegions(conv, k, n, h, w, slot);
  convStages(conv, k, n, h, w, kindBase, sums);
}

/** Floats of region `r` (TABLE or PACKED) of conv's stages: its table or packed copy, or Winograd's transformed input or product. */
function regionFloats(conv: usize, n: i32, h: i32, w: i32, r: i32): u64 {
  if (changetype<ConvParams>(conv).winograd) return winogradRegionFloats(conv, n, h, w, r);
  return r == TABLE ? convTableFloats(conv) : convPackedFloats(conv, n, h, w);
}

/**
 * The regions alone, of `conv` and of the `count` convolutions of its geometry that run after it
 * on the same regions (their records contiguous from `also`): each region sized for the largest of
 * them, as one may be Winograd and another, on the exact pass, not.
 */
export function convRegions(conv: usize, k: Call, n: i32, h: i32, w: i32, slot: i32, also: usize = 0, count: i32 = 0): void {
  let table = regionFloats(conv, n, h, w, TABLE), packed = regionFloats(conv, n, h, w, PACKED);
  for (let i = 0; i < count; i++) {
    const other = also + <usize>i * offsetof<ConvParams>();
    table = max(table, regionFloats(other, n, h, w, TABLE));
    packed = max(packed, regionFloats(other, n, h, w, PACKED));
  }
  k.region(slot + TABLE, table);
  k.region(slot + PACKED, packed);
}

/** The stages alone, on regions planned by convRegions. */
export function convStages(conv: usize, k: Call, n: i32, h: i32, w: i32, kindBase: i32, sums: bool = false): void {
  const p = changetype<ConvParams>(conv);
  if (p.winograd) {
    winogradStages(conv, k, n, h, w, kindBase);
    if (sums) k.stage(kindBase + STAGE_SUMS, convSumItems(conv, n, h, w));
    return;
  }
  const exact = p.exact;
  if (exact != CONV_EXACT_ALL) {
    k.stage(kindBase + STAGE_TABLE, 1);
    k.stage(kindBase + STAGE_PACK, convPackItems(conv, n, h, w));
    k.stage(kindBase + STAGE_COMPUTE, convComputeItems(conv, n, h, w));
  }
  if (exact != CONV_EXACT_NONE) {
    k.stage(kindBase + STAGE_EXACT, convExactItems(conv, n, h, w));
    // the sums the compute stage took are of pixels the exact pass has since recomputed: again, of y as it is now
    if (sums) k.stage(kindBase + STAGE_SUMS, convSumItems(conv, n, h, w));
  }
}

/**
 * Items [begin, end) of the convolution's stage `kind` (relative to its base): y = conv(x); y must
 * not alias x. With `sums` ≠ 0 the compute stage also writes the per-band plane sums of y there
 * (f32-conv2d.ts convSumsFloats, convSumBands); after the exact pass or a Winograd convolution's
 * output transform, the sums stage takes them from y.
 */
export function convStagesRun(conv: usize, k: Call, kind: i32, x: usize, y: usize, n: i32, h: i32, w: i32, slot: i32, begin: i32, end: i32, sums: usize = 0): void {
  if (kind == STAGE_SUMS) convSums(conv, y, h, w, sums, begin, end);
  else if (changetype<ConvParams>(conv).winograd) winogradRun(conv, k, kind, x, y, h, w, slot, begin, end);
  else if (kind == STAGE_TABLE) convTable(conv, h, w, k.at(slot + TABLE));
  else if (kind == STAGE_PACK) convPack(conv, x, h, w, k.at(slot + PACKED), begin, end);
  else if (kind == STAGE_EXACT) convExact(conv, x, y, h, w, begin, end);
  else convCompute(conv, convPackItems(conv, n, h, w) ? k.at(slot + PACKED) : x, k.at(slot + TABLE), y, h, w, begin, end, sums);
}
