// The ResNet BasicBlock with CBAM of the CBAM article (Woo et al., arXiv 1807.06521):
// out = bn2(conv2(relu(bn1(conv1(x))))), out = CBAM(out), y = relu(out + downsample(x)),
// conv1 3×3 with stride s, conv2 3×3, downsample a 1×1 conv with stride s + bn (or the
// identity). Every bn is folded into its conv; relu(bn1(·)) is conv1's epilogue; the residual
// add and the last ReLU are fused into CBAM's output pass. NHWC through parts/layout-adapter.ts.

import { LAYOUT_NHWC } from "../../bindings/constants";
import { Call } from "../call";
import { convOutSize } from "../kernels/f32-conv2d";
import { CBAM_KINDS, CBAM_SLOTS, cbamPlan, cbamRun, CBAMParams } from "../parts/cbam-attention";
import { CONV_KINDS, CONV_SLOTS, convStagesPlan, convStagesRun } from "../parts/conv-stages";
import { ADAPTER_KINDS, ADAPTER_SLOTS, adapterIn, adapterOut, adapterRun, adapterX, adapterY } from "../parts/layout-adapter";

/**
 * The block's constants (bindings/blocks/cbam-basicblock.ts): layout, the input's channels, the
 * stride, the ConvParams of conv1, conv2 and the downsample (0: the identity), CBAM's record.
 */
@unmanaged class BasicBlockParams { layout: i32; cin: i32; stride: i32; conv1: usize; conv2: usize; ds: usize; cbam: usize; }

const T1 = 0, T2 = 1, CONV1 = 2, CONV2 = CONV1 + CONV_SLOTS, DS = CONV2 + CONV_SLOTS, ADAPTER = DS + CONV_SLOTS, CBAM = ADAPTER + ADAPTER_SLOTS;
const ADAPT = 0, CONV1_STAGES = ADAPT + ADAPTER_KINDS, CONV2_STAGES = CONV1_STAGES + CONV_KINDS, DS_STAGES = CONV2_STAGES + CONV_KINDS, CBAM_STAGES = DS_STAGES + CONV_KINDS;

export function cbam_basicblock_plan(params: usize, call: usize): void {
  const p = changetype<BasicBlockParams>(params), k = changetype<Call>(call);
  const cb = changetype<CBAMParams>(p.cbam);
  const n = k.n, h = k.h, w = k.w;
  const oh = convOutSize(h, 3, p.stride, 1, 1), ow = convOutSize(w, 3, p.stride, 1, 1);
  const out = <u64>n * <u64>cb.c * <u64>oh * <u64>ow;
  const nhwc = p.layout == LAYOUT_NHWC;
  k.begin();
  adapterIn(nhwc, k, p.cin, cb.c, oh, ow, ADAPTER, ADAPT);
  k.region(T1, out);
  k.region(T2, out);
  convStagesPlan(p.conv1, k, n, h, w, CONV1, CONV1_STAGES);
  convStagesPlan(p.conv2, k, n, oh, ow, CONV2, CONV2_STAGES);
  if (p.ds) convStagesPlan(p.ds, k, n, h, w, DS, DS_STAGES);
  cbamPlan(cb, k, n, oh, ow, CBAM, CBAM_STAGES);
  adapterOut(nhwc, k, cb.c, oh, ow, ADAPT);
}

export function cbam_basicblock_run(params: usize, call: usize, stage: i32, begin: i32, end: i32): void {
  const p = changetype<BasicBlockParams>(params), k = changetype<Call>(call);
  const cb = changetype<CBAMParams>(p.cbam);
  const n = k.n, h = k.h, w = k.w;
  const oh = convOutSize(h, 3, p.stride, 1, 1), ow = convOutSize(w, 3, p.stride, 1, 1);
  const kind = k.kind(stage);
  const nhwc = p.layout == LAYOUT_NHWC, x = adapterX(nhwc, k, ADAPTER), y = adapterY(nhwc, k, ADAPTER);
  if (kind >= CBAM_STAGES) {
    // y = relu(CBAM(t2) + residual), the residual the downsample's output (in y) or x
    cbamRun(cb, k, kind - CBAM_STAGES, k.at(T2), y, p.ds ? y : x, n, oh, ow, CBAM, begin, end);
  } else if (kind >= DS_STAGES) {
    convStagesRun(p.ds, k, kind - DS_STAGES, x, y, n, h, w, DS, begin, end);
  } else if (kind >= CONV2_STAGES) {
    convStagesRun(p.conv2, k, kind - CONV2_STAGES, k.at(T1), k.at(T2), n, oh, ow, CONV2, begin, end);
  } else if (kind >= CONV1_STAGES) {
    convStagesRun(p.conv1, k, kind - CONV1_STAGES, x, k.at(T1), n, h, w, CONV1, begin, end);
  } else {
    adapterRun(k, kind - ADAPT, p.cin, cb.c, oh, ow, ADAPTER, begin, end);
  }
}
