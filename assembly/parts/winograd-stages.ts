// A Winograd convolution (kernels/f32-conv3x3-winograd.ts) as the three stages of a call that
// parts/conv-stages.ts gives every convolution: the input transform, the product and the output
// transform, with two regions (the transformed input V and the product M) in the convolution's
// two private words.

import { Call } from "../call";
import { winogradInput, winogradInputFloats, winogradInputItems, winogradOutput, winogradOutputItems, winogradProductFloats } from "../kernels/f32-conv3x3-winograd";
import { winogradProduct, winogradProductItems } from "../kernels/f32-winograd-gemm";

const V = 0, M = 1;
const STAGE_INPUT = 0, STAGE_PRODUCT = 1, STAGE_OUTPUT = 2;

/** Floats of region `r` (V or M) for n images [cin, h, w]. */
export function winogradRegionFloats(conv: usize, n: i32, h: i32, w: i32, r: i32): u64 {
  return r == V ? winogradInputFloats(conv, n, h, w) : winogradProductFloats(conv, n, h, w);
}

export function winogradStages(conv: usize, k: Call, n: i32, h: i32, w: i32, kindBase: i32): void {
  k.stage(kindBase + STAGE_INPUT, winogradInputItems(conv, n, h, w));
  k.stage(kindBase + STAGE_PRODUCT, winogradProductItems(conv, n, h, w));
  k.stage(kindBase + STAGE_OUTPUT, winogradOutputItems(conv, n, h, w));
}

export function winogradRun(conv: usize, k: Call, kind: i32, x: usize, y: usize, h: i32, w: i32, slot: i32, begin: i32, end: i32): void {
  if (kind == STAGE_INPUT) winogradInput(conv, x, h, w, k.at(slot + V), begin, end);
  else if (kind == STAGE_PRODUCT) winogradProduct(conv, k.at(slot + V), k.at(slot + M), h, w, begin, end);
  else winogradOutput(conv, k.at(slot + M), x, h, w, y, begin, end);
}
