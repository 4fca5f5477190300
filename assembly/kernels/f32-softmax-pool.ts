// f32-softmax-pool-cw: attention pooling of NCHW images, ctx[c] = Σ_i x[c, i]·softmax(q)[i] with the
// logits q[i] = w·x[:, i] + b (GCNet's spatial_pool 'att': Cao et al., arXiv 1904.11492;
// xvjiarui/GCNet mmdet/ops/gcb/context_block.py).
//
// The image goes in tiles of pixels whose C rows stay in L2 (f32-conv1x1.ts's tilePixels). A tile
// computes its logits, their max m, e_i = exp(q_i − m), s = Σ e_i and u[c] = Σ_i x[c, i]·e_i (its rows
// read a second time, from cache). The tiles then combine with the online-softmax rescaling:
// M = max_t m_t, ctx[c] = Σ_t u_t[c]·e^(m_t − M) / Σ_t s_t·e^(m_t − M), which is Σ_i x[c, i]·e^(q_i − M)
// / Σ_i e^(q_i − M), PyTorch's softmax then weighted sum. Each tile's sums run in a fixed order, so
// the result does not depend on which thread computed which tile.

import { conv1x1Tile } from "./f32-conv1x1";
import { denseRow } from "./f32-dense";
import { hmax, hsum } from "../simd";
import { vexpNonPositive } from "../vmath";

/** Floats of a tile's statistics: m, s, and the combine's factor e^(m − M). */
export const TILE_STAT = 4;

/**
 * The statistics of the tw pixels at x (C planes planeBytes apart): e (room for tw rounded up to 4)
 * receives e_i, stat receives m and s, u [C] receives u[c]. w is [C], bias the logits' bias.
 */
export function softmaxPoolTile(x: usize, c: i32, planeBytes: usize, w: usize, bias: f32, e: usize, tw: i32, stat: usize, u: usize): void {
  conv1x1Tile(x, c, planeBytes, w, e, tw);
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
  // u[c] = Σ_i x[c, i]·e_i: a dense product with the tile's C rows as the weights (their lanes past tw,
  // which belong to the next plane or the read pad and may be ±∞, are never multiplied)
  denseRow(e, tw, x, planeBytes, 0, c, u);
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

/** Floats of the scratch of f32_softmax_pool_cw: e for one tile, then the statistics and u of every tile. */
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
