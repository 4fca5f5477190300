// The global context block (Cao et al., arXiv 1904.11492; xvjiarui/GCNet
// mmdet/ops/gcb/context_block.py ContextBlock): ctx = Σ_i x[:, i]·softmax(conv_mask(x))[i] ('att') or
// GAP(x) ('avg'); T(ctx) = conv3(relu(LN(conv0(ctx)))) per fusion (1×1 C → P → C, LN over the P values);
// y = x·σ(T_mul(ctx)) + T_add(ctx) (mul first, whatever the order of the fusions).
// x is read twice from memory (the context pass, whose tiles' second read comes from L2, and the
// output pass) and y written once, in either layout: in NHWC the context pass takes tiles of pixel
// rows (or, 'avg', chunks of them: f32-gpool-nhwc.ts) and the output pass scales pixel rows.

import { LAYOUT_NHWC, POOL_AVG } from "../../bindings/constants";
import { Call } from "../call";
import { paddedPixels, tilePixels } from "../kernels/f32-conv1x1";
import { f32_dense } from "../kernels/f32-dense";
import { f32_gpool_cw } from "../kernels/f32-gpool";
import { poolChunks, STAT_SUM, statChunkNhwc, statCombineNhwc } from "../kernels/f32-gpool-nhwc";
import { f32_layernorm } from "../kernels/f32-layernorm";
import { rowMomentsScratch } from "../kernels/f32-rowmoments";
import { softmaxPoolCombine, softmaxPoolTile, softmaxPoolTileNhwc, TILE_STAT } from "../kernels/f32-softmax-pool";
import { f32_vscale_shift_cw } from "../kernels/f32-vscale";
import { f32_vscale_shift_nhwc } from "../kernels/f32-vscale-shift-nhwc";
import { f32_vrelu, f32_vsigmoid } from "../kernels/f32-vunary";

/** One fusion's transform (channel_add_conv or channel_mul_conv): conv0 [P, C] and bias, LN γ, β [P], conv3 [C, P] and bias. */
@unmanaged class GCTransform { w0: usize; b0: usize; gamma: usize; beta: usize; w3: usize; b3: usize; }

/**
 * The block's constants (bindings/blocks/global-context.ts): layout, C, P, whether the pooling is
 * 'att', the LayerNorm's eps, conv_mask [C] and its bias [1], the transforms' records (0 = no such fusion).
 */
@unmanaged class GCParams {
  layout: i32; c: i32; p: i32; att: i32; eps: f32; maskW: usize; maskB: usize;
  add: usize; mul: usize;
}

// regions: the tiles' e and statistics, ctx, the transforms' hidden vectors, the per-channel factor and
// term, the LayerNorm's scratch per image, the partial sums of the NHWC 'avg' pool
const E = 0, STATS = 1, U = 2, CTX = 3, HIDDEN = 4, MUL = 5, ADD = 6, LN = 7, PARTIAL = 8;
// stages: the context pass (tiles of pixels, 'att') or the mean of each plane (NCHW 'avg') or chunk of
// pixel rows (NHWC 'avg'), the transforms, the output pass
const CONTEXT = 0, POOL = 1, TRANSFORM = 2, OUTPUT = 3;

export function global_context_plan(params: usize, call: usize): void {
  const p = changetype<GCParams>(params), k = changetype<Call>(call);
  const n = <u64>k.n, c = <u64>p.c, hw = k.h * k.w;
  const nhwc = p.layout == LAYOUT_NHWC;
  k.begin();
  if (p.att) {
    const tiles = <u64>((hw + tilePixels(p.c) - 1) / tilePixels(p.c));
    k.region(E, n * <u64>paddedPixels(hw));
    k.region(STATS, n * tiles * TILE_STAT);
    k.region(U, n * tiles * c);
    k.stage(CONTEXT, k.n * <i32>tiles);
  } else if (nhwc) {
    k.region(PARTIAL, n * <u64>poolChunks(hw) * c);
    k.stage(POOL, k.n * poolChunks(hw));
  } else {
    k.stage(POOL, k.n * p.c);
  }
  k.region(CTX, n * c);
  k.region(HIDDEN, n * <u64>p.p);
  k.region(MUL, n * c);
  k.region(ADD, n * c);
  k.region(LN, n * <u64>rowMomentsScratch(p.p));
  k.stage(TRANSFORM, k.n);
  k.stage(OUTPUT, nhwc ? k.n * hw : k.n * p.c);
}

/** out[C] = T(ctx [C]) of one image; hidden [P] and ln (rowMomentsScratch(P) floats) its scratch. */
function transform(t: GCTransform, c: i32, p: i32, eps: f32, ctx: usize, hidden: usize, ln: usize, out: usize): void {
  f32_dense(ctx, 1, c, t.w0, t.b0, p, hidden);
  f32_layernorm(hidden, p, t.gamma, t.beta, eps, ln, hidden);
  f32_vrelu(hidden, p, hidden);
  f32_dense(hidden, 1, p, t.w3, t.b3, c, out);
}

export function global_context_run(params: usize, call: usize, stage: i32, begin: i32, end: i32): void {
  const p = changetype<GCParams>(params), k = changetype<Call>(call);
  const c = p.c, hw = k.h * k.w;
  const planeBytes = <usize>hw << 2, rowBytes = <usize>c << 2;
  const tile = tilePixels(c), tiles = (hw + tile - 1) / tile;
  const nhwc = p.layout == LAYOUT_NHWC, imageBytes = <usize>c * planeBytes;
  const kind = k.kind(stage);
  if (kind == CONTEXT) {
    // item (image, tile): the tile's e into the image's row of E, its statistics and u
    const bias: f32 = load<f32>(p.maskB);
    const eStride = <usize>paddedPixels(hw) << 2;
    for (let item = begin; item < end; item++) {
      const img = item / tiles, t = item % tiles, at = t * tile;
      const e = k.at(E) + <usize>img * eStride + (<usize>at << 2), tw = min(tile, hw - at);
      const stat = k.at(STATS) + (<usize>(item * TILE_STAT) << 2), u = k.at(U) + <usize>item * rowBytes;
      if (nhwc) softmaxPoolTileNhwc(k.x + <usize>img * imageBytes + <usize>at * rowBytes, c, p.maskW, bias, e, tw, stat, u);
      else softmaxPoolTile(k.x + <usize>img * imageBytes + (<usize>at << 2), c, planeBytes, p.maskW, bias, e, tw, stat, u);
    }
  } else if (kind == POOL) {
    if (nhwc) {
      // item (image, chunk of pixel rows): the chunk's partial sums along C
      const chunks = poolChunks(hw);
      for (let item = begin; item < end; item++) {
        statChunkNhwc(STAT_SUM, k.x + <usize>(item / chunks) * imageBytes, c, hw, item % chunks, 0, k.at(PARTIAL) + <usize>item * rowBytes);
      }
    } else {
      f32_gpool_cw(k.x + <usize>begin * planeBytes, end - begin, hw, POOL_AVG, k.at(CTX) + (<usize>begin << 2));
    }
  } else if (kind == TRANSFORM) {
    for (let img = begin; img < end; img++) {
      const ctx = k.at(CTX) + <usize>img * rowBytes, hidden = k.at(HIDDEN) + (<usize>(img * p.p) << 2);
      const mul = k.at(MUL) + <usize>img * rowBytes, add = k.at(ADD) + <usize>img * rowBytes;
      const ln = k.at(LN) + (<usize>(img * rowMomentsScratch(p.p)) << 2);
      if (p.att) {
        softmaxPoolCombine(k.at(STATS) + (<usize>(img * tiles * TILE_STAT) << 2), k.at(U) + <usize>(img * tiles) * rowBytes, tiles, c, ctx);
      } else if (nhwc) {
        const chunks = poolChunks(hw);
        statCombineNhwc(STAT_SUM, k.at(PARTIAL) + <usize>(img * chunks) * rowBytes, chunks, c, ctx);
        for (let o: usize = 0; o < rowBytes; o += 4) store<f32>(ctx + o, load<f32>(ctx + o) / <f32>hw);
      }
      if (p.mul) {
        transform(changetype<GCTransform>(p.mul), c, p.p, p.eps, ctx, hidden, ln, mul);
        f32_vsigmoid(mul, c, mul);
      } else {
        for (let o: usize = 0; o < rowBytes; o += 4) store<f32>(mul + o, 1);
      }
      if (p.add) transform(changetype<GCTransform>(p.add), c, p.p, p.eps, ctx, hidden, ln, add);
      else memory.fill(add, 0, rowBytes);
    }
  } else if (nhwc) {
    f32_vscale_shift_nhwc(k.x, c, hw, k.at(MUL), k.at(ADD), k.y, begin, end);
  } else {
    // one pass for every fusion: x·1 + add is x + add exactly, and x·σ + 0 is x·σ (up to the sign of a zero)
    f32_vscale_shift_cw(k.x, hw, k.at(MUL), k.at(ADD), k.y, begin, end);
  }
}
