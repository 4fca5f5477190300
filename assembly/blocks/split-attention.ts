// Split attention (Zhang et al., arXiv 2004.08955; zhanghang1989/ResNeSt
// resnest/torch/models/splat.py SplAtConv2d, rSoftMax): u = relu(conv(x)) (groups G·R,
// R·C channels, bn0 folded), u_r = u[:, r·C:(r+1)·C], s = GAP(Σ_r u_r),
// a = fc2(relu(fc1(s))) (grouped 1×1, groups G; bn1 folded into fc1); R > 1: softmax over r of
// a viewed [N, G, R, C/G], att_r[g·C/G + j] = softmax(a)[g, r, j]; R = 1: att = σ(a);
// y = Σ_r att_r·u_r.
// The convolution writes u once and, from the same items, the sums of the rows it wrote (so the
// pool reads no tensor); the output pass reads u once and writes y once. x is read by the
// convolution alone (its pack, or in place). NHWC goes through parts/layout-adapter.ts (the
// block's cost is its convolution): one transposition in, one out.

import { LAYOUT_NHWC } from "../../bindings/constants";
import { Call } from "../call";
import { convSumBands, convSumsFloats, ConvParams, convOutSize } from "../kernels/f32-conv2d";
import { f32_dense_grouped } from "../kernels/f32-dense";
import { f32_vmulsum_cw } from "../kernels/f32-vmulsum";
import { f32_vsoftmax_rows } from "../kernels/f32-vsoftmax";
import { f32_vaffineRows, f32_vrelu, f32_vsigmoid } from "../kernels/f32-vunary";
import { CONV_SLOTS, convStagesPlan, convStagesRun } from "../parts/conv-stages";
import { ADAPTER_KINDS, adapterIn, adapterOut, adapterRun, adapterX, adapterY } from "../parts/layout-adapter";

/**
 * Split attention's constants (bindings/blocks/split-attention.ts): layout, C, R, G, I, fc1
 * [I, C/G] with bn1 folded and its bias (or, where bn1 does not fold exactly, fc1 as given and
 * bn1's scale s1 and shift t1, else 0), fc2 [R·C, I/G] and its bias, the conv's ConvParams.
 */
@unmanaged class SplitAttentionParams {
  layout: i32; c: i32; radix: i32; groups: i32; inter: i32; w1: usize; b1: usize; s1: usize; t1: usize; w2: usize; b2: usize; conv: usize;
}

// regions: u [n][R·C][oh·ow], the conv's plane sums, s [n][C], z [n][I], a [n][R·C], att [n][R][C], the conv's two, the adapter's two
const U = 0, SUMS = 1, POOLED = 2, HIDDEN = 3, A = 4, ATT = 5, CONV = 6, ADAPTER = CONV + CONV_SLOTS;
// stages: the excitation, the output, the adapter's, the conv's
const EXCITE = 0, OUTPUT = 1, ADAPT = 2, CONV_STAGES = ADAPT + ADAPTER_KINDS;

@inline function outHeight(p: SplitAttentionParams, h: i32): i32 {
  const c = changetype<ConvParams>(p.conv);
  return convOutSize(h, c.kh, c.sh, c.dh, c.ph);
}

@inline function outWidth(p: SplitAttentionParams, w: i32): i32 {
  const c = changetype<ConvParams>(p.conv);
  return convOutSize(w, c.kw, c.sw, c.dw, c.pw);
}

export function split_attention_plan(params: usize, call: usize): void {
  const p = changetype<SplitAttentionParams>(params), k = changetype<Call>(call);
  const n = k.n, h = k.h, w = k.w, rc = <u64>p.radix * <u64>p.c;
  const oh = outHeight(p, h), ow = outWidth(p, w), nhwc = p.layout == LAYOUT_NHWC;
  k.begin();
  adapterIn(nhwc, k, changetype<ConvParams>(p.conv).xChannels, p.c, oh, ow, ADAPTER, ADAPT);
  k.region(U, <u64>n * rc * <u64>oh * <u64>ow);
  k.region(SUMS, convSumsFloats(p.conv, n, h, w));
  k.region(POOLED, <u64>n * <u64>p.c);
  k.region(HIDDEN, <u64>n * <u64>p.inter);
  k.region(A, <u64>n * rc);
  k.region(ATT, <u64>n * rc);
  convStagesPlan(p.conv, k, n, h, w, CONV, CONV_STAGES, true);
  k.stage(EXCITE, n);
  k.stage(OUTPUT, n * p.c);
  adapterOut(nhwc, k, p.c, oh, ow, ADAPT);
}

export function split_attention_run(params: usize, call: usize, stage: i32, begin: i32, end: i32): void {
  const p = changetype<SplitAttentionParams>(params), k = changetype<Call>(call);
  const n = k.n, h = k.h, w = k.w, c = p.c, radix = p.radix, g = p.groups;
  const oh = outHeight(p, h), ow = outWidth(p, w), m = oh * ow, rc = radix * c;
  const nhwc = p.layout == LAYOUT_NHWC, x = adapterX(nhwc, k, ADAPTER), y = adapterY(nhwc, k, ADAPTER);
  const kind = k.kind(stage);
  if (kind == EXCITE) {
    const cg = c / g;
    for (let img = begin; img < end; img++) {
      const s = k.at(POOLED) + (<usize>(img * c) << 2), z = k.at(HIDDEN) + (<usize>(img * p.inter) << 2);
      const a = k.at(A) + (<usize>(img * rc) << 2), att = k.at(ATT) + (<usize>(img * rc) << 2);
      // s = GAP(Σ_r u_r): the conv's plane sums of split r added split by split
      for (let r = 0; r < radix; r++) convSumBands(p.conv, k.at(SUMS), h, w, img, r * c, c, s, r > 0);
      for (let j = 0; j < c; j++) store<f32>(s + (<usize>j << 2), load<f32>(s + (<usize>j << 2)) / <f32>m);
      f32_dense_grouped(s, g, cg, p.w1, p.b1, p.inter / g, z);
      if (p.s1) f32_vaffineRows(z, 1, p.inter, p.s1, p.t1);
      f32_vrelu(z, p.inter, z);
      f32_dense_grouped(z, g, p.inter / g, p.w2, p.b2, radix * cg, a);
      if (radix == 1) {
        f32_vsigmoid(a, c, att);
      } else {
        // group gi's [R][C/G] block of a, softmax over R, into att's [R][C] at column gi·C/G
        for (let gi = 0; gi < g; gi++) f32_vsoftmax_rows(a + (<usize>(gi * rc / g) << 2), cg, radix, cg, att + (<usize>(gi * cg) << 2), c);
      }
    }
  } else if (kind == OUTPUT) {
    // y = Σ_r att_r·u_r over planes [begin, end), image by image
    for (let i = begin; i < end; ) {
      const img = i / c, ch = i % c, count = min(end - i, c - ch);
      const u = k.at(U) + (<usize>(img * rc + ch) * <usize>m << 2);
      f32_vmulsum_cw(u, c * m, radix, k.at(ATT) + (<usize>(img * rc + ch) << 2), c, m, y + (<usize>i * <usize>m << 2), count);
      i += count;
    }
  } else if (kind >= CONV_STAGES) {
    convStagesRun(p.conv, k, kind - CONV_STAGES, x, k.at(U), n, h, w, CONV, begin, end, k.at(SUMS));
  } else {
    adapterRun(k, kind - ADAPT, changetype<ConvParams>(p.conv).xChannels, c, oh, ow, ADAPTER, begin, end);
  }
}
