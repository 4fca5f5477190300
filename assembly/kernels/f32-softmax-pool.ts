// f32-softmax-pool: attention pooling of an image, ctx[c] = Σ_i x[c, i]·softmax(q)[i] with the
// logits q[i] = w·x[:, i] + b (GCNet's spatial_pool 'att': Cao et al., arXiv 1904.11492;
// xvjiarui/GCNet mmdet/ops/gcb/context_block.py), in NCHW (_cw) and NHWC (_nhwc).
//
// The image goes in tiles of pixels whose C values stay in L2 (f32-conv1x1.ts's tilePixels). A tile
// computes its logits, their max m, e_i = exp(q_i − m), s = Σ e_i and u[c] = Σ_i x[c, i]·e_i (its
// values read a second time, from cache). The tiles then combine with the online-softmax rescaling:
// M = max_t m_t, ctx[c] = Σ_t u_t[c]·e^(m_t − M) / Σ_t s_t·e^(m_t − M), which is Σ_i x[c, i]·e^(q_i − M)
// / Σ_i e^(q_i − M), PyTorch's softmax then weighted sum. Each tile's sums run in a fixed order, so
// the result does not depend on which thread computed which tile. In NCHW a tile's logits are a
// 1×1 conv over its C planes and u a dense product with those planes; in NHWC the logits are one
// dot product per pixel row and u accumulates the rows, each scaled by its e_i, along C.

import { conv1x1Tile } from "./f32-conv1x1";
import { denseRow, dot } from "./f32-dense";
import { hmax, hsum, madd, storeLanes } from "../simd";
import { vexpNonPositive } from "../vmath";

/** Floats of a tile's statistics: m, s, and the combine's factor e^(m − M). */
export const TILE_STAT = 4;

/**
 * e holds the tile's logits without their bias, w·x_i (room for tw rounded up to 4); they become
 * e_i = exp(q_i − m), q_i = w·x_i + bias (the lanes past tw zeroed); stat receives m and s = Σ e_i.
 */
function softmaxWeights(bias: f32, e: usize, tw: i32, stat: usize): void {
  const full = <usize>(tw & ~3) << 2, end = <usize>tw << 2;
  // the logits and their max (NaN-propagating: a NaN logit makes the whole softmax NaN, as PyTorch's)
  const b = f32x4.splat(bias);
  let vm = f32x4.splat(-Infinity), nan = i32x4.splat(0);
  for (let o: usize = 0; o < full; o += 16) {
    const v = f32x4.add(v128.load(e + o), b);
    v128.store(e + o, v);
    vm = f32x4.pmax(vm, v);
    nan = v128.or(nan, f32x4.ne(v, v));
  }
  let m = hmax(vm);
  for (let o = full; o < end; o += 4) {
    const v = load<f32>(e + o) + bias;
    store<f32>(e + o, v);
    m = Mathf.max(m, v);
  }
  if (v128.any_true(nan)) m = NaN;
  // e_i = exp(q_i − m) ≤ 1, and their sum (over whole vectors: the lanes past tw are zeroed)
  const vmax = f32x4.splat(m);
  const keep = i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(tw & 3));
  let vs = f32x4.splat(0);
  for (let o: usize = 0; o < end; o += 16) {
    let v = vexpNonPositive(f32x4.sub(v128.load(e + o), vmax));
    if (o == full) v = v128.and(v, keep);
    v128.store(e + o, v);
    vs = f32x4.add(vs, v);
  }
  const s = hsum(vs);
  store<f32>(stat, m);
  store<f32>(stat, s, 4);
}

/**
 * The statistics of the tw pixels at x (C planes planeBytes apart): e (room for tw rounded up to 4)
 * receives e_i, stat receives m and s, u [C] receives u[c]. w is [C], bias the logits' bias.
 */
export function softmaxPoolTile(x: usize, c: i32, planeBytes: usize, w: usize, bias: f32, e: usize, tw: i32, stat: usize, u: usize): void {
  conv1x1Tile(x, c, planeBytes, w, e, tw);
  softmaxWeights(bias, e, tw, stat);
  // u[c] = Σ_i x[c, i]·e_i: a dense product with the tile's C rows as the weights (their lanes past tw,
  // which belong to the next plane or the read pad and may be ±∞, are never multiplied)
  denseRow(e, tw, x, planeBytes, 0, c, u);
}

/**
 * softmaxPoolTile in NHWC: the tw pixel rows at x (C floats each, contiguous). u[c] = Σ_i e_i·x[i, c]
 * in pixel order, four channel vectors at a time in registers; the row's last vector over-reads
 * the next row (or the read pad), and only its own lanes of u are stored.
 */
export function softmaxPoolTileNhwc(x: usize, c: i32, w: usize, bias: f32, e: usize, tw: i32, stat: usize, u: usize): void {
  const rowBytes = <usize>c << 2;
  for (let i = 0; i < tw; i++) store<f32>(e + (<usize>i << 2), dot(w, x + <usize>i * rowBytes, c));
  softmaxWeights(bias, e, tw, stat);
  const full = <usize>(c & ~3) << 2, end = <usize>(c + 3 & ~3) << 2;
  let o: usize = 0;
  for (; o + 64 <= full; o += 64) {
    let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
    let p = x + o;
    for (let i = 0; i < tw; i++, p += rowBytes) {
      const ei = v128.load32_splat(e + (<usize>i << 2));
      a0 = madd(v128.load(p), ei, a0); a1 = madd(v128.load(p, 16), ei, a1);
      a2 = madd(v128.load(p, 32), ei, a2); a3 = madd(v128.load(p, 48), ei, a3);
    }
    v128.store(u + o, a0); v128.store(u + o, a1, 16); v128.store(u + o, a2, 32); v128.store(u + o, a3, 48);
  }
  for (; o < end; o += 16) {
    let a = f32x4.splat(0);
    let p = x + o;
    for (let i = 0; i < tw; i++, p += rowBytes) a = madd(v128.load(p), v128.load32_splat(e + (<usize>i << 2)), a);
    if (o < full) v128.store(u + o, a);
    else storeLanes(u + o, a, c & 3);
  }
}

/**
 * ctx [C] of one image from its `tiles` tiles' statistics (stats [tiles][TILE_STAT], u [tiles][C]):
 * the online-softmax combine of the file's comment. Writes each tile's factor into its stat.
 */
export function softmaxPoolCombine(stats: usize, u: usize, tiles: i32, c: i32, ctx: usize): void {
  let mx: f32 = -Infinity;
  for (let t = 0; t < tiles; t++) mx = Mathf.max(mx, load<f32>(stats + (<usize>(t * TILE_STAT) << 2)));
  let s: f32 = 0;
  for (let t = 0; t < tiles; t++) {
    const st = stats + (<usize>(t * TILE_STAT) << 2);
    const f = Mathf.exp(load<f32>(st) - mx); // 1 exactly for the tile of the max
    store<f32>(st, f, 8);
    s += load<f32>(st, 4) * f;
  }
  const rowBytes = <usize>c << 2;
  for (let ch = 0; ch < c; ch++) {
    let acc: f32 = 0;
    let ut = u + (<usize>ch << 2);
    for (let t = 0; t < tiles; t++, ut += rowBytes) acc += load<f32>(ut) * load<f32>(stats + (<usize>(t * TILE_STAT) << 2), 8);
    store<f32>(ctx + (<usize>ch << 2), acc / s);
  }
}

/** Floats of the scratch of f32_softmax_pool_cw and _nhwc: e for one tile, then the statistics and u of every tile. */
@inline export function softmaxPoolScratch(c: i32, hw: i32, tile: i32): i32 {
  const tiles = (hw + tile - 1) / tile;
  return (tile + 3 & ~3) + tiles * (TILE_STAT + c);
}

/**
 * ctx [C] = the attention pooling of one image x [C, hw] in tiles of `tile` pixels; w [C], bias [1]
 * (0 = none); scratch of softmaxPoolScratch(c, hw, tile) floats. (The blocks run the tiles as work
 * items and the combine as a later stage; this runs both, for the kernel tests.)
 */
export function f32_softmax_pool_cw(x: usize, c: i32, hw: i32, tile: i32, w: usize, bias: usize, scratch: usize, ctx: usize): void {
  const tiles = (hw + tile - 1) / tile;
  const planeBytes = <usize>hw << 2;
  const stats = scratch + (<usize>(tile + 3 & ~3) << 2), u = stats + (<usize>(tiles * TILE_STAT) << 2);
  const b: f32 = bias ? load<f32>(bias) : 0;
  for (let t = 0; t < tiles; t++) {
    const at = t * tile;
    softmaxPoolTile(x + (<usize>at << 2), c, planeBytes, w, b, scratch, min(tile, hw - at), stats + (<usize>(t * TILE_STAT) << 2), u + (<usize>(t * c) << 2));
  }
  softmaxPoolCombine(stats, u, tiles, c, ctx);
}

/** f32_softmax_pool_cw of one NHWC image x [hw, C] (the kernel tests' entry). */
export function f32_softmax_pool_nhwc(x: usize, c: i32, hw: i32, tile: i32, w: usize, bias: usize, scratch: usize, ctx: usize): void {
  const tiles = (hw + tile - 1) / tile;
  const stats = scratch + (<usize>(tile + 3 & ~3) << 2), u = stats + (<usize>(tiles * TILE_STAT) << 2);
  const b: f32 = bias ? load<f32>(bias) : 0;
  for (let t = 0; t < tiles; t++) {
    const at = t * tile;
    softmaxPoolTileNhwc(x + (<usize>at * <usize>c << 2), c, w, b, scratch, min(tile, hw - at), stats + (<usize>(t * TILE_STAT) << 2), u + (<usize>(t * c) << 2));
  }
  softmaxPoolCombine(stats, u, tiles, c, ctx);
}
