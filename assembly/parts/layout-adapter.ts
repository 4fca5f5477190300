// NHWC through NCHW stages, for the convolution-bound blocks (BAM, the residual blocks): their
// convolutions want channel planes, and their cost is the convolutions', so an NHWC input is
// transposed into an NCHW copy first (kernels/f32-transpose.ts) and the NCHW output transposed
// into the NHWC y last. In NCHW the adapter is nothing: no regions, no stages, x and y as given.

import { Call } from "../call";
import { transposeImages, transposeItems } from "../kernels/f32-transpose";

const XT = 0, YT = 1;
/** Private words the adapter takes. */
export const ADAPTER_SLOTS = 2;
const IN = 0, OUT = 1;
/** Stage codes the adapter takes. */
export const ADAPTER_KINDS = 2;

/** Plans the way in (call it first): the NCHW copies of x [n, c, h, w] and of y [n, oc, oh, ow], and the transposition of x. */
export function adapterIn(nhwc: bool, k: Call, c: i32, oc: i32, oh: i32, ow: i32, slot: i32, kindBase: i32): void {
  if (!nhwc) return;
  k.region(slot + XT, <u64>k.n * <u64>c * <u64>k.h * <u64>k.w);
  k.region(slot + YT, <u64>k.n * <u64>oc * <u64>oh * <u64>ow);
  k.stage(kindBase + IN, transposeItems(k.n, c));
}

/** Plans the way out (call it last): the transposition of the NCHW y into the NHWC one. */
export function adapterOut(nhwc: bool, k: Call, oc: i32, oh: i32, ow: i32, kindBase: i32): void {
  if (nhwc) k.stage(kindBase + OUT, transposeItems(k.n, oh * ow));
}

/** The x the NCHW stages read: the NCHW copy in NHWC, else x itself. */
@inline export function adapterX(nhwc: bool, k: Call, slot: i32): usize {
  return nhwc ? k.at(slot + XT) : k.x;
}

/** The y the NCHW stages write. */
@inline export function adapterY(nhwc: bool, k: Call, slot: i32): usize {
  return nhwc ? k.at(slot + YT) : k.y;
}

/** Items [begin, end) of the adapter's stage `kind` (relative to its base). */
export function adapterRun(k: Call, kind: i32, c: i32, oc: i32, oh: i32, ow: i32, slot: i32, begin: i32, end: i32): void {
  // x [n][hw][c] → [n][c][hw]; y [n][oc][ohw] → [n][ohw][oc]
  if (kind == IN) transposeImages(k.x, k.h * k.w, c, k.at(slot + XT), begin, end);
  else transposeImages(k.at(slot + YT), oc, oh * ow, k.y, begin, end);
}
