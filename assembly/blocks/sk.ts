// SK, selective kernel convolution (Li et al., arXiv 1903.06586; implus/SKNet
// models/sknet50.prototxt, ResearchingDexter/SKNet_pytorch SKNet.py SKConv):
// u_i = relu(conv_i(x_i)) for each path i (bn_i folded into conv_i), s = GAP(Σ_i u_i),
// a = fc2(relu(fc1(s))) read [N, paths, C] (bn folded into fc1), softmax over the paths,
// y = Σ_i a_i·u_i.
// Each path's convolution writes u_i once and, from the same items, the sums of the rows it
// wrote (so the pool reads no tensor); the output pass reads every u_i once and writes y once.
// x is read by each path's pack (with splitInput each path reads its own slice). NHWC goes through
// parts/layout-adapter.ts (the block's cost is its convolutions): one transposition in, one out.

import { LAYOUT_NHWC } from "../../bindings/constants";
import { Call } from "../call";
import { convSumBands, convSumsFloats, ConvParams } from "../kernels/f32-conv2d";
import { f32_dense } from "../kernels/f32-dense";
import { f32_vmulsum_cw } from "../kernels/f32-vmulsum";
import { f32_vsoftmax_rows } from "../kernels/f32-vsoftmax";
import { f32_vaffineRows, f32_vrelu } from "../kernels/f32-vunary";
import { CONV_SLOTS, convStagesPlan, convStagesRun } from "../parts/conv-stages";
import { ADAPTER_KINDS, adapterIn, adapterOut, adapterRun, adapterX, adapterY } from "../parts/layout-adapter";

/**
 * SK's constants (bindings/blocks/sk.ts): layout, C, the paths, the input channels of each path
 * when they are slices of x (0: every path reads all of x), the stride, d, fc1 [d, C] with its bn
 * folded and its bias (or, where the bn does not fold exactly, fc1 as given and the bn's scale s1
 * and shift t1, else 0), fc2 [paths·C, d], the paths' ConvParams records (back to back).
 */
@unmanaged class SKParams {
  layout: i32; c: i32; paths: i32; slice: i32; stride: i32; d: i32; w1: usize; b1: usize; s1: usize; t1: usize; w2: usize; convs: usize;
}

// regions: U [paths][n][C][oh·ow], the pooled s [n][C], hidden [n][d], a [n][paths][C]; per path its
// sums and its conv's two; then the adapter's two
const U = 0, POOLED = 1, HIDDEN = 2, A = 3, PATHS = 4, PATH_SLOTS = 1 + CONV_SLOTS;
// stages: the excitation, the output, the adapter's, then each path's conv (its index above 8 bits)
const EXCITE = 0, OUTPUT = 1, ADAPT = 2, PATH_STAGES = ADAPT + ADAPTER_KINDS;

@inline function pathConv(p: SKParams, i: i32): usize { return p.convs + <usize>i * offsetof<ConvParams>(); }
/** The adapter's first region slot, past the paths'. */
@inline function adapterSlot(p: SKParams): i32 { return PATHS + p.paths * PATH_SLOTS; }
/** The channels of x (each path's conv reads channels of an image of this many). */
@inline function inChannels(p: SKParams): i32 { return changetype<ConvParams>(p.convs).xChannels; }

export function sk_plan(params: usize, call: usize): void {
  const p = changetype<SKParams>(params), k = changetype<Call>(call);
  const n = k.n, h = k.h, w = k.w;
  const oh = (h - 1) / p.stride + 1, ow = (w - 1) / p.stride + 1, m = <u64>oh * <u64>ow;
  const nhwc = p.layout == LAYOUT_NHWC;
  k.begin();
  adapterIn(nhwc, k, inChannels(p), p.c, oh, ow, adapterSlot(p), ADAPT);
  k.region(U, <u64>p.paths * <u64>n * <u64>p.c * m);
  k.region(POOLED, <u64>n * <u64>p.c);
  k.region(HIDDEN, <u64>n * <u64>p.d);
  k.region(A, <u64>n * <u64>p.paths * <u64>p.c);
  for (let i = 0; i < p.paths; i++) {
    const slot = PATHS + i * PATH_SLOTS;
    k.region(slot, convSumsFloats(pathConv(p, i), n, h, w));
    convStagesPlan(pathConv(p, i), k, n, h, w, slot + 1, PATH_STAGES | (i << 8), true);
  }
  k.stage(EXCITE, n);
  k.stage(OUTPUT, n * p.c);
  adapterOut(nhwc, k, p.c, oh, ow, ADAPT);
}

export function sk_run(params: usize, call: usize, stage: i32, begin: i32, end: i32): void {
  const p = changetype<SKParams>(params), k = changetype<Call>(call);
  const n = k.n, h = k.h, w = k.w, c = p.c, paths = p.paths;
  const oh = (h - 1) / p.stride + 1, ow = (w - 1) / p.stride + 1, m = oh * ow;
  const nhwc = p.layout == LAYOUT_NHWC, x = adapterX(nhwc, k, adapterSlot(p)), y = adapterY(nhwc, k, adapterSlot(p));
  const branchFloats = <usize>n * <usize>c * <usize>m;
  const kind = k.kind(stage), code = kind & 255;
  if (code >= PATH_STAGES) {
    // path i: u_i = relu(conv_i(x_i)) into U, with the sums of its rows
    const i = kind >> 8, slot = PATHS + i * PATH_SLOTS;
    const xi = x + (<usize>(i * p.slice) * <usize>(h * w) << 2);
    convStagesRun(pathConv(p, i), k, code - PATH_STAGES, xi, k.at(U) + (<usize>i * branchFloats << 2), n, h, w, slot + 1, begin, end, k.at(slot));
  } else if (code >= ADAPT) {
    adapterRun(k, code - ADAPT, inChannels(p), c, oh, ow, adapterSlot(p), begin, end);
  } else if (code == EXCITE) {
    for (let img = begin; img < end; img++) {
      const s = k.at(POOLED) + (<usize>(img * c) << 2), z = k.at(HIDDEN) + (<usize>(img * p.d) << 2), a = k.at(A) + (<usize>(img * paths * c) << 2);
      // s = GAP(Σ_i u_i): the paths' plane sums, added path by path
      for (let i = 0; i < paths; i++) convSumBands(pathConv(p, i), k.at(PATHS + i * PATH_SLOTS), h, w, img, 0, c, s, i > 0);
      for (let j = 0; j < c; j++) store<f32>(s + (<usize>j << 2), load<f32>(s + (<usize>j << 2)) / <f32>m);
      f32_dense(s, 1, c, p.w1, p.b1, p.d, z);
      if (p.s1) f32_vaffineRows(z, 1, p.d, p.s1, p.t1);
      f32_vrelu(z, p.d, z);
      f32_dense(z, 1, p.d, p.w2, 0, paths * c, a);
      f32_vsoftmax_rows(a, c, paths, c, a, c);
    }
  } else {
    // y = Σ_i a_i·u_i over planes [begin, end), image by image
    for (let i = begin; i < end; ) {
      const img = i / c, ch = i % c, count = min(end - i, c - ch);
      const plane = <usize>i * <usize>m << 2;
      f32_vmulsum_cw(k.at(U) + plane, <i32>branchFloats, paths, k.at(A) + (<usize>(img * paths * c + ch) << 2), c, m, y + plane, count);
      i += count;
    }
  }
}
