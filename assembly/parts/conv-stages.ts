// A convolution (kernels/f32-conv2d.ts) as three stages of a call: its tap table (one item), the
// packed copy of its input (one item per input plane; no stage items when it reads its input in
// place) and the product (convComputeItems). Used by every block with a convolution and by the
// public conv2d kernel. Takes two private words (the regions of the table and the packed copy)
// from `slot` and three stage codes from `kindBase`. A Winograd convolution (ConvParams.winograd)
// has the same count of each: its transformed input and product, and the input transform, the
// product and the output transform (parts/winograd-stages.ts).

import { Call } from "../call";
import { winogradRegions, winogradRun, winogradStages } from "./winograd-stages";
import { ConvParams, convCompute, convComputeItems, convPack, convPackedFloats, convPackItems, convTable, convTableFloats } from "../kernels/f32-conv2d";

const TABLE = 0, PACKED = 1;
/** Private words a convolution's stages take. */
export const CONV_SLOTS = 2;
const STAGE_TABLE = 0, STAGE_PACK = 1, STAGE_COMPUTE = 2;
/** Stage codes a convolution takes. */
export const CONV_KINDS = 3;

/** Plans the convolution `conv` of an input [n, cin, h, w]. */
export function convStagesPlan(conv: usize, k: Call, n: i32, h: i32, w: i32, slot: i32, kindBase: i32): void {
  convRegions(conv, k, n, h, w, slot);
  convStages(conv, k, n, h, w, kindBase);
}

/** The regions alone (convolutions of one geometry in sequence may share them). */
export function convRegions(conv: usize, k: Call, n: i32, h: i32, w: i32, slot: i32): void {
  if (changetype<ConvParams>(conv).winograd) return winogradRegions(conv, k, n, h, w, slot);
  k.region(slot + TABLE, convTableFloats(conv));
  k.region(slot + PACKED, convPackedFloats(conv, n, h, w));
}

/** The stages alone, on regions planned by convRegions. */
export function convStages(conv: usize, k: Call, n: i32, h: i32, w: i32, kindBase: i32): void {
  if (changetype<ConvParams>(conv).winograd) return winogradStages(conv, k, n, h, w, kindBase);
  k.stage(kindBase + STAGE_TABLE, 1);
  k.stage(kindBase + STAGE_PACK, convPackItems(conv, n, h, w));
  k.stage(kindBase + STAGE_COMPUTE, convComputeItems(conv, n, h, w));
}

/** Items [begin, end) of the convolution's stage `kind` (relative to its base): y = conv(x); y must not alias x. */
export function convStagesRun(conv: usize, k: Call, kind: i32, x: usize, y: usize, n: i32, h: i32, w: i32, slot: i32, begin: i32, end: i32): void {
  if (changetype<ConvParams>(conv).winograd) return winogradRun(conv, k, kind, x, y, h, w, slot, begin, end);
  if (kind == STAGE_TABLE) convTable(conv, h, w, k.at(slot + TABLE));
  else if (kind == STAGE_PACK) convPack(conv, x, h, w, k.at(slot + PACKED), begin, end);
  else convCompute(conv, convPackItems(conv, n, h, w) ? k.at(slot + PACKED) : x, k.at(slot + TABLE), y, h, w, begin, end);
}
