// f32-conv3x3-winograd: a 3×3 convolution with stride 1 and padding = dilation (1, or a multiple
// of 4) of NCHW tensors as F(4×4, 3×3) Winograd (f32-winograd-f43.ts), in three stages of
// independent items:
// 1. input transform: V = Bᵀ·d·B of every 6×6 patch (tiles of 4×4 outputs, the padding and the
//    optional relu(x·preScale + preShift) applied as the patch is read), written straight into the
//    product's layout;
// 2. the product (f32-winograd-gemm.ts): per image and position ξ of the 36,
//    M[co, ξ, t] = Σ_ci U[ξ, co, ci]·V[ξ, ci, t];
// 3. output transform: Y = Aᵀ·M·A of every tile, + bias, then the epilogue (ReLU or sigmoid). A
//    tile group with a NaN or ±Inf there (before the epilogue) has its pixels recomputed by the
//    direct sum of the exact pass (f32-conv2d-exact.ts exactPixel, on the unpacked weights): the
//    transforms spread a non-finite input over whole tiles, and an input near 3e38 may overflow
//    in them where PyTorch's sum does not.
// Tiles are handled four at a time, a "group", one tile per lane:
// - dilation 1: tiles row-major over the image (t = ty·⌈W/4⌉ + tx), a group four consecutive
//   ones; a group's patches are read row by row, each lane's 6 columns as two v128, transposed
//   into six vectors over the lanes; the output rows are transposed back.
// - dilation d = 4k: the convolution is d² ordinary ones of the interleaved sub-images (rows
//   py + d·r, columns px + d·s: BAM's dilated convolutions), each tiled like the above on a grid of
//   ⌈⌈H/d⌉/4⌉ × ⌈⌈W/d⌉/4⌉ tiles; a group is the tile (ty, tx) of sub-images (py, 4g … 4g + 3):
//   lane l's patch element (i, j) is column 4g + l + d·(4tx − 1 + j), so each of the 36 is one v128
//   of consecutive columns, and each output row of 4 pixels one store.
//
// Layouts, per image: V [36][tile blocks][cin][8] (tiles in blocks of 8, the last of 4 when the
// tile count is 4 mod 8), M [⌈cout/4⌉·4][36][tiles], the tile count padded to a whole group (the
// padding tiles read as zeros and are never stored), each plane padded (planeStride). The input
// transform passes a group through its 36 slots of V twice (along the patch's columns, then its
// rows): the slots are the group's own, and twice 36 vector stores cost less than the spills of 36
// live vectors (and a sixth of the code). Reads past a row stay within the 16-byte read pad that
// follows every allocation (memory.ts): a patch row is read from one column left of its tile to
// at most 3 columns past the row's end, rows and whole vectors outside are not read.

import { EPILOGUE_RELU, EPILOGUE_SIGMOID } from "../../bindings/constants";
import { madd, storeLanes } from "../simd";
import { vsigmoid } from "../vmath";
import { ConvParams } from "./f32-conv2d";
import { exactPixel } from "./f32-conv2d-exact";
import { at, bt, PATCH, POSITIONS, TILE, U_BLOCK } from "./f32-winograd-f43";

/** Groups of 4 tiles per work item of the transform stages. */
const BAND_GROUPS = 8;

/** Rows (or columns) of tiles of a sub-image of `size` pixels: its ⌈size/d⌉ pixels in tiles of 4. */
@inline function tileRows(size: i32, d: i32): i32 { return ((size + d - 1) / d + TILE - 1) / TILE; }
/** Groups of 4 tiles of an image [h, w]: ⌈tiles/4⌉ for dilation 1, d·(d/4)·(tile rows)·(tile columns) else. */
@inline function groupsOf(p: ConvParams, h: i32, w: i32): i32 {
  const d = p.dh, grid = tileRows(h, d) * tileRows(w, d);
  return d == 1 ? (grid + 3) >> 2 : d * (d >> 2) * grid;
}
/** Tiles of an image [h, w], padded to whole groups of 4. */
@inline export function winogradTiles(p: ConvParams, h: i32, w: i32): i32 { return groupsOf(p, h, w) << 2; }
/**
 * Floats between consecutive planes of V (per position) or of M (per channel and position): one
 * 64-byte line more when `floats` (a multiple of 4) is a multiple of 16 lines, so that the 36
 * planes a tile group touches fall in at least 8 sets of a 64-set L1 cache, not 4 or fewer.
 */
@inline export function planeStride(floats: i32): i32 { return floats & 255 ? floats : floats + 16; }
/** Output channels of M and U: cout rounded up to the product's blocks of 4. */
@inline export function paddedCout(p: ConvParams): i32 { return (p.cout + U_BLOCK - 1) / U_BLOCK * U_BLOCK; }
@inline function bands(p: ConvParams, h: i32, w: i32): i32 { return (groupsOf(p, h, w) + BAND_GROUPS - 1) / BAND_GROUPS; }

/** Floats of V for n images [cin, h, w]. */
export function winogradInputFloats(c: usize, n: i32, h: i32, w: i32): u64 {
  const p = changetype<ConvParams>(c);
  return <u64>n * <u64>POSITIONS * <u64>planeStride(p.cin * winogradTiles(p, h, w));
}
/** Floats of M for n images. */
export function winogradProductFloats(c: usize, n: i32, h: i32, w: i32): u64 {
  const p = changetype<ConvParams>(c);
  return <u64>n * <u64>POSITIONS * <u64>paddedCout(p) * <u64>planeStride(winogradTiles(p, h, w));
}
/** Work items of the input transform: (image, input channel, band of groups). */
export function winogradInputItems(c: usize, n: i32, h: i32, w: i32): i32 {
  const p = changetype<ConvParams>(c);
  return h > 0 && w > 0 ? n * p.cin * bands(p, h, w) : 0;
}
/** Work items of the output transform: (image, output channel, band of groups). */
export function winogradOutputItems(c: usize, n: i32, h: i32, w: i32): i32 {
  const p = changetype<ConvParams>(c);
  return h > 0 && w > 0 ? n * p.cout * bands(p, h, w) : 0;
}

/** Byte offset in one position's plane of V [tile blocks][cin][8 or 4] of tile t (a multiple of 4) of channel ci. */
@inline export function blockOffset(t: i32, ci: i32, cin: i32, tiles: i32): usize {
  const tb = t >> 3, width = (tb << 3) + 8 <= tiles ? 8 : 4;
  return <usize>((tb << 3) * cin + ci * width + (t & 7)) << 2;
}

/** [a0[j], a1[j], a2[j], a3[j]]: lane j of each of four vectors (one column of a 4×4 transposition). */
@inline function column(j: i32, a0: v128, a1: v128, a2: v128, a3: v128): v128 {
  if (j < 2) {
    const lo = v128.shuffle<f32>(a0, a1, 0, 4, 1, 5), hi = v128.shuffle<f32>(a2, a3, 0, 4, 1, 5);
    return j == 0 ? v128.shuffle<f32>(lo, hi, 0, 1, 4, 5) : v128.shuffle<f32>(lo, hi, 2, 3, 6, 7);
  }
  const lo = v128.shuffle<f32>(a0, a1, 2, 6, 3, 7), hi = v128.shuffle<f32>(a2, a3, 2, 6, 3, 7);
  return j == 2 ? v128.shuffle<f32>(lo, hi, 0, 1, 4, 5) : v128.shuffle<f32>(lo, hi, 2, 3, 6, 7);
}

/**
 * Row m of (d·B) for one patch row of the four lanes: lane l's columns 0..3 in a_l, 2..5 in b_l.
 * (Bᵀ·d·B = Bᵀ·(d·B); the second product is applied over the rows by the caller.)
 */
@inline function rowTransform(m: i32, a0: v128, a1: v128, a2: v128, a3: v128, b0: v128, b1: v128, b2: v128, b3: v128): v128 {
  return bt(m, column(0, a0, a1, a2, a3), column(1, a0, a1, a2, a3), column(2, a0, a1, a2, a3), column(3, a0, a1, a2, a3),
    column(2, b0, b1, b2, b3), column(3, b0, b1, b2, b3));
}

/** 4 floats of one lane's patch row at p: 0 when the row is outside the image, else (pre)(x) with the columns outside zeroed. */
@inline function patchLoad(p: usize, inside: bool, mask: v128, pre: bool, scale: v128, shift: v128): v128 {
  if (!inside) return f32x4.splat(0);
  let v = v128.load(p);
  if (pre) v = f32x4.max(madd(v, scale, shift), f32x4.splat(0));
  return v128.and(v, mask);
}

/** All-ones in the lanes whose column c, c+1, c+2, c+3 lies in [0, w). */
@inline function columnMask(c: i32, w: i32): v128 {
  const cols = i32x4.add(i32x4.splat(c), i32x4(0, 1, 2, 3));
  return v128.and(i32x4.ge_s(cols, i32x4.splat(0)), i32x4.lt_s(cols, i32x4.splat(w)));
}

// Tile (ty, tx) covers output rows 4ty … 4ty + 3 and columns 4tx … 4tx + 3; its patch starts one
// row up and one column left. With dilation 1 the four lanes of a group are consecutive tiles,
// (ty, tx) stepped with `tx + 1 == tw ? next row : tx + 1` (no division per lane).

/** The first float of the patch at (row, col) of plane xc (a row above the image gives an address that is never loaded). */
@inline function patchStart(xc: usize, row: i32, col: i32, w: i32): usize {
  return xc + (<usize>(row * w + col) << 2);
}
/** Bit i set when row i of the patch starting at `row` lies inside the image; none for a padding tile. */
@inline function patchRows(row: i32, h: i32, real: bool): i32 {
  if (!real) return 0;
  return ((1 << min(6, h - row)) - 1) & (row < 0 ? ~1 : ~0);
}

/** Pass 1, dilation 1: row i of the patches of tiles 4g … 4g + 3 transformed along its columns, row m of (d·B) into slot 6i + m. */
function tilesAlongColumns(xc: usize, h: i32, w: i32, g: i32, dst: usize, planeBytes: usize, pre: bool, scale: v128, shift: v128): void {
  const tw = (w + TILE - 1) / TILE, real = ((h + TILE - 1) / TILE) * tw, rowBytes = <usize>w << 2;
  // each lane's patch: where it starts, which of its rows are inside, which columns
  const t = g << 2;
  let ty = t / tw, tx = t - ty * tw;
  let p0 = patchStart(xc, ty * TILE - 1, tx * TILE - 1, w);
  const r0 = patchRows(ty * TILE - 1, h, t < real), lo0 = columnMask(tx * TILE - 1, w), hi0 = columnMask(tx * TILE + 1, w);
  if (++tx == tw) { tx = 0; ty++; }
  let p1 = patchStart(xc, ty * TILE - 1, tx * TILE - 1, w);
  const r1 = patchRows(ty * TILE - 1, h, t + 1 < real), lo1 = columnMask(tx * TILE - 1, w), hi1 = columnMask(tx * TILE + 1, w);
  if (++tx == tw) { tx = 0; ty++; }
  let p2 = patchStart(xc, ty * TILE - 1, tx * TILE - 1, w);
  const r2 = patchRows(ty * TILE - 1, h, t + 2 < real), lo2 = columnMask(tx * TILE - 1, w), hi2 = columnMask(tx * TILE + 1, w);
  if (++tx == tw) { tx = 0; ty++; }
  let p3 = patchStart(xc, ty * TILE - 1, tx * TILE - 1, w);
  const r3 = patchRows(ty * TILE - 1, h, t + 3 < real), lo3 = columnMask(tx * TILE - 1, w), hi3 = columnMask(tx * TILE + 1, w);
  for (let i = 0, slot = dst; i < PATCH; i++, slot += 6 * planeBytes) {
    const inside0 = (r0 >> i & 1) != 0, inside1 = (r1 >> i & 1) != 0, inside2 = (r2 >> i & 1) != 0, inside3 = (r3 >> i & 1) != 0;
    const a0 = patchLoad(p0, inside0, lo0, pre, scale, shift), a1 = patchLoad(p1, inside1, lo1, pre, scale, shift);
    const a2 = patchLoad(p2, inside2, lo2, pre, scale, shift), a3 = patchLoad(p3, inside3, lo3, pre, scale, shift);
    const b0 = patchLoad(p0 + 8, inside0, hi0, pre, scale, shift), b1 = patchLoad(p1 + 8, inside1, hi1, pre, scale, shift);
    const b2 = patchLoad(p2 + 8, inside2, hi2, pre, scale, shift), b3 = patchLoad(p3 + 8, inside3, hi3, pre, scale, shift);
    v128.store(slot, rowTransform(0, a0, a1, a2, a3, b0, b1, b2, b3));
    v128.store(slot + planeBytes, rowTransform(1, a0, a1, a2, a3, b0, b1, b2, b3));
    v128.store(slot + 2 * planeBytes, rowTransform(2, a0, a1, a2, a3, b0, b1, b2, b3));
    v128.store(slot + 3 * planeBytes, rowTransform(3, a0, a1, a2, a3, b0, b1, b2, b3));
    v128.store(slot + 4 * planeBytes, rowTransform(4, a0, a1, a2, a3, b0, b1, b2, b3));
    v128.store(slot + 5 * planeBytes, rowTransform(5, a0, a1, a2, a3, b0, b1, b2, b3));
    p0 += rowBytes; p1 += rowBytes; p2 += rowBytes; p3 += rowBytes;
  }
}

/** Where group g of a dilated convolution lies: sub-image row phase py, tile (ty, tx), column phases 4pg … 4pg + 3 (groups ordered (ty, py, tx, pg)). */
@inline function phaseGroup(g: i32, d: i32, tw: i32, what: i32): i32 {
  const pgs = d >> 2, pg = g % pgs, rest = g / pgs, tx = rest % tw, rest2 = rest / tw;
  return what == 0 ? pg : what == 1 ? tx : what == 2 ? rest2 % d : rest2 / d;
}

/** Pass 1, dilation d = 4k: row i of group g's patches (lanes: 4 consecutive column phases) along its columns, into slot 6i + m. */
function phasesAlongColumns(xc: usize, h: i32, w: i32, d: i32, g: i32, dst: usize, planeBytes: usize, pre: bool, scale: v128, shift: v128): void {
  const tw = tileRows(w, d);
  const pg = phaseGroup(g, d, tw, 0), tx = phaseGroup(g, d, tw, 1), py = phaseGroup(g, d, tw, 2), ty = phaseGroup(g, d, tw, 3);
  // patch row i is image row py + d·(4ty − 1 + i), column j the four columns from 4pg + d·(4tx − 1 + j)
  const row0 = py + d * (TILE * ty - 1), col0 = (pg << 2) + d * (TILE * tx - 1);
  const colBytes = <usize>d << 2, rowBytes = <usize>(d * w) << 2;
  // a column vector is all outside (col < 0 or ≥ w: then not read) or starts inside
  const c1 = col0 + d, c2 = c1 + d, c3 = c2 + d, c4 = c3 + d, c5 = c4 + d;
  const k0 = col0 >= 0 && col0 < w, k1 = c1 >= 0 && c1 < w, k2 = c2 >= 0 && c2 < w, k3 = c3 >= 0 && c3 < w, k4 = c4 >= 0 && c4 < w, k5 = c5 >= 0 && c5 < w;
  const m0 = columnMask(col0, w), m1 = columnMask(c1, w), m2 = columnMask(c2, w), m3 = columnMask(c3, w), m4 = columnMask(c4, w), m5 = columnMask(c5, w);
  let q = patchStart(xc, row0, col0, w);
  for (let i = 0, slot = dst, row = row0; i < PATCH; i++, slot += 6 * planeBytes, row += d, q += rowBytes) {
    const inside = row >= 0 && row < h;
    const d0 = patchLoad(q, inside && k0, m0, pre, scale, shift), d1 = patchLoad(q + colBytes, inside && k1, m1, pre, scale, shift);
    const d2 = patchLoad(q + 2 * colBytes, inside && k2, m2, pre, scale, shift), d3 = patchLoad(q + 3 * colBytes, inside && k3, m3, pre, scale, shift);
    const d4 = patchLoad(q + 4 * colBytes, inside && k4, m4, pre, scale, shift), d5 = patchLoad(q + 5 * colBytes, inside && k5, m5, pre, scale, shift);
    v128.store(slot, bt(0, d0, d1, d2, d3, d4, d5));
    v128.store(slot + planeBytes, bt(1, d0, d1, d2, d3, d4, d5));
    v128.store(slot + 2 * planeBytes, bt(2, d0, d1, d2, d3, d4, d5));
    v128.store(slot + 3 * planeBytes, bt(3, d0, d1, d2, d3, d4, d5));
    v128.store(slot + 4 * planeBytes, bt(4, d0, d1, d2, d3, d4, d5));
    v128.store(slot + 5 * planeBytes, bt(5, d0, d1, d2, d3, d4, d5));
  }
}

/** Pass 2, in place: V[6k + m] = row k of Bᵀ·(column m of d·B). */
function alongRows(dst: usize, planeBytes: usize): void {
  for (let m = 0, slot = dst; m < PATCH; m++, slot += planeBytes) {
    const e0 = v128.load(slot), e1 = v128.load(slot + 6 * planeBytes), e2 = v128.load(slot + 12 * planeBytes);
    const e3 = v128.load(slot + 18 * planeBytes), e4 = v128.load(slot + 24 * planeBytes), e5 = v128.load(slot + 30 * planeBytes);
    v128.store(slot, bt(0, e0, e1, e2, e3, e4, e5));
    v128.store(slot + 6 * planeBytes, bt(1, e0, e1, e2, e3, e4, e5));
    v128.store(slot + 12 * planeBytes, bt(2, e0, e1, e2, e3, e4, e5));
    v128.store(slot + 18 * planeBytes, bt(3, e0, e1, e2, e3, e4, e5));
    v128.store(slot + 24 * planeBytes, bt(4, e0, e1, e2, e3, e4, e5));
    v128.store(slot + 30 * planeBytes, bt(5, e0, e1, e2, e3, e4, e5));
  }
}

/**
 * The input transform stage: items [begin, end) of winogradInputItems. x (channels [0, cin) of
 * [n, xChannels, h, w]) into V (winogradInputFloats).
 */
export function winogradInput(c: usize, x: usize, h: i32, w: i32, v: usize, begin: i32, end: i32): void {
  const p = changetype<ConvParams>(c);
  const cin = p.cin, d = p.dh, tiles = winogradTiles(p, h, w), groups = tiles >> 2, nb = bands(p, h, w);
  const pre = p.preScale != 0;
  const planeBytes = <usize>planeStride(cin * tiles) << 2;
  for (let item = begin; item < end; item++) {
    const band = item % nb, plane = item / nb, ci = plane % cin, img = plane / cin;
    const xc = x + (<usize>(img * p.xChannels + ci) * <usize>(h * w) << 2);
    const vImg = v + <usize>img * <usize>POSITIONS * planeBytes;
    const scale = pre ? v128.load32_splat(p.preScale + (<usize>ci << 2)) : f32x4.splat(0);
    const shift = pre ? v128.load32_splat(p.preShift + (<usize>ci << 2)) : f32x4.splat(0);
    const g1 = min(groups, (band + 1) * BAND_GROUPS);
    for (let g = band * BAND_GROUPS; g < g1; g++) {
      const dst = vImg + blockOffset(g << 2, ci, cin, tiles);
      if (d == 1) tilesAlongColumns(xc, h, w, g, dst, planeBytes, pre, scale, shift);
      else phasesAlongColumns(xc, h, w, d, g, dst, planeBytes, pre, scale, shift);
      alongRows(dst, planeBytes);
    }
  }
}

/** Row i of a tile (its 4 pixels in `row`) at `at`, when the tile has more than i rows inside (`rows`); `cols` of its columns are inside. */
@inline function storeTileRow(at: usize, rows: i32, cols: i32, i: i32, rowBytes: usize, row: v128): void {
  if (i >= rows || cols <= 0) return;
  at += rowBytes * <usize>i;
  if (cols >= 4) v128.store(at, row); else storeLanes(at, row, cols);
}

/** Column j of one row of M·A: the row's six positions at q, q + planeBytes, … (each group's loads are one per position once the calls' common loads merge). */
@inline function rowOfMA(j: i32, q: usize, planeBytes: usize): v128 {
  return at(j, v128.load(q), v128.load(q + planeBytes), v128.load(q + 2 * planeBytes), v128.load(q + 3 * planeBytes), v128.load(q + 4 * planeBytes), v128.load(q + 5 * planeBytes));
}

/** σ out of line: the sixteen vectors of a group share one copy of it. */
function sigmoid(v: v128): v128 { return vsigmoid(v); }

/** The epilogue of v. */
@inline function finish(v: v128, epilogue: i32): v128 {
  if (epilogue == EPILOGUE_RELU) return f32x4.max(v, f32x4.splat(0));
  return epilogue == EPILOGUE_SIGMOID ? sigmoid(v) : v;
}

/** All-ones in the lanes of v that are NaN or ±Inf (there v − v is NaN, elsewhere 0). */
@inline function nonFinite(v: v128): v128 {
  const z = f32x4.sub(v, v);
  return f32x4.ne(z, z);
}

/**
 * Output row i of the four tiles (R's columns j = 0..3 of rows 0..5 in r{k}{j}). Dilation 1
 * (`transpose`): lane l's row stored at q{l} (rows{l}, cols{l}: its pixels inside); else column
 * j's vector (four consecutive pixels) at q{j} (rows{j}, cols{j}). Returns the lanes that were
 * NaN or ±Inf before the epilogue.
 */
@inline function outputRow(
  i: i32, transpose: bool, rowBytes: usize, bias: v128, epilogue: i32,
  q0: usize, q1: usize, q2: usize, q3: usize, rows0: i32, rows1: i32, rows2: i32, rows3: i32, cols0: i32, cols1: i32, cols2: i32, cols3: i32,
  r00: v128, r01: v128, r02: v128, r03: v128, r10: v128, r11: v128, r12: v128, r13: v128,
  r20: v128, r21: v128, r22: v128, r23: v128, r30: v128, r31: v128, r32: v128, r33: v128,
  r40: v128, r41: v128, r42: v128, r43: v128, r50: v128, r51: v128, r52: v128, r53: v128,
): v128 {
  const v0 = f32x4.add(at(i, r00, r10, r20, r30, r40, r50), bias), v1 = f32x4.add(at(i, r01, r11, r21, r31, r41, r51), bias);
  const v2 = f32x4.add(at(i, r02, r12, r22, r32, r42, r52), bias), v3 = f32x4.add(at(i, r03, r13, r23, r33, r43, r53), bias);
  const y0 = finish(v0, epilogue), y1 = finish(v1, epilogue), y2 = finish(v2, epilogue), y3 = finish(v3, epilogue);
  storeTileRow(q0, rows0, cols0, i, rowBytes, transpose ? column(0, y0, y1, y2, y3) : y0);
  storeTileRow(q1, rows1, cols1, i, rowBytes, transpose ? column(1, y0, y1, y2, y3) : y1);
  storeTileRow(q2, rows2, cols2, i, rowBytes, transpose ? column(2, y0, y1, y2, y3) : y2);
  storeTileRow(q3, rows3, cols3, i, rowBytes, transpose ? column(3, y0, y1, y2, y3) : y3);
  return v128.or(v128.or(nonFinite(v0), nonFinite(v1)), v128.or(nonFinite(v2), nonFinite(v3)));
}

/**
 * The pixels of group g's tiles inside the image [h, w] of output channel co of image img, y's
 * plane at yc, recomputed from x by the direct sum (exactPixel).
 */
function recomputeGroup(p: ConvParams, x: usize, img: i32, co: i32, g: i32, h: i32, w: i32, yc: usize): void {
  const d = p.dh, tw = tileRows(w, d), th = tileRows(h, d);
  for (let l = 0; l < 4; l++) {
    for (let i = 0; i < TILE; i++) {
      for (let j = 0; j < TILE; j++) {
        let oy: i32, ox: i32;
        if (d == 1) {
          const t = (g << 2) + l, ty = t / tw;
          if (ty >= th) continue;
          oy = ty * TILE + i; ox = (t - ty * tw) * TILE + j;
        } else {
          const pg = phaseGroup(g, d, tw, 0), tx = phaseGroup(g, d, tw, 1), py = phaseGroup(g, d, tw, 2), ty = phaseGroup(g, d, tw, 3);
          oy = py + d * (TILE * ty + i); ox = (pg << 2) + l + d * (TILE * tx + j);
        }
        if (oy < h && ox < w) store<f32>(yc + (<usize>(oy * w + ox) << 2), exactPixel(p, x, img, co, oy, ox, h, w));
      }
    }
  }
}

/**
 * The output transform stage: items [begin, end) of winogradOutputItems. M (winogradProductFloats)
 * into y [n, cout, h, w] = epilogue(Aᵀ·M·A + bias); x, the stage's input, for the tile groups
 * recomputed by the direct sum.
 */
export function winogradOutput(c: usize, m: usize, x: usize, h: i32, w: i32, y: usize, begin: i32, end: i32): void {
  const p = changetype<ConvParams>(c);
  const cout = p.cout, cout4 = paddedCout(p), d = p.dh, tiles = winogradTiles(p, h, w), groups = tiles >> 2, nb = bands(p, h, w);
  const tw = tileRows(w, d), real = tileRows(h, d) * tw;
  const planeBytes = <usize>planeStride(tiles) << 2, rowBytes = <usize>w << 2;
  const epilogue = p.epilogue;
  for (let item = begin; item < end; item++) {
    const band = item % nb, plane = item / nb, co = plane % cout, img = plane / cout;
    const yc = y + (<usize>plane * <usize>(h * w) << 2);
    const mc = m + (<usize>(img * cout4 + co) * <usize>POSITIONS * planeBytes);
    const bias = p.bias ? v128.load32_splat(p.bias + (<usize>co << 2)) : f32x4.splat(0);
    const g1 = min(groups, (band + 1) * BAND_GROUPS);
    for (let g = band * BAND_GROUPS; g < g1; g++) {
      const t = g << 2;
      const src = mc + (<usize>t << 2);
      // r{k}{j}: column j of row k of M·A (M's row k is positions 6k … 6k + 5)
      const step: usize = 6 * planeBytes;
      const r00 = rowOfMA(0, src, planeBytes), r01 = rowOfMA(1, src, planeBytes), r02 = rowOfMA(2, src, planeBytes), r03 = rowOfMA(3, src, planeBytes);
      const r10 = rowOfMA(0, src + step, planeBytes), r11 = rowOfMA(1, src + step, planeBytes), r12 = rowOfMA(2, src + step, planeBytes), r13 = rowOfMA(3, src + step, planeBytes);
      const r20 = rowOfMA(0, src + 2 * step, planeBytes), r21 = rowOfMA(1, src + 2 * step, planeBytes), r22 = rowOfMA(2, src + 2 * step, planeBytes), r23 = rowOfMA(3, src + 2 * step, planeBytes);
      const r30 = rowOfMA(0, src + 3 * step, planeBytes), r31 = rowOfMA(1, src + 3 * step, planeBytes), r32 = rowOfMA(2, src + 3 * step, planeBytes), r33 = rowOfMA(3, src + 3 * step, planeBytes);
      const r40 = rowOfMA(0, src + 4 * step, planeBytes), r41 = rowOfMA(1, src + 4 * step, planeBytes), r42 = rowOfMA(2, src + 4 * step, planeBytes), r43 = rowOfMA(3, src + 4 * step, planeBytes);
      const r50 = rowOfMA(0, src + 5 * step, planeBytes), r51 = rowOfMA(1, src + 5 * step, planeBytes), r52 = rowOfMA(2, src + 5 * step, planeBytes), r53 = rowOfMA(3, src + 5 * step, planeBytes);
      if (d == 1) {
        // each lane's tile: its first output pixel, its rows and columns inside (no rows for a padding tile)
        let ty = t / tw, tx = t - ty * tw;
        const q0 = yc + (<usize>(ty * w + tx) << 4), rows0 = t < real ? min(4, h - ty * TILE) : 0, cols0 = w - tx * TILE;
        if (++tx == tw) { tx = 0; ty++; }
        const q1 = yc + (<usize>(ty * w + tx) << 4), rows1 = t + 1 < real ? min(4, h - ty * TILE) : 0, cols1 = w - tx * TILE;
        if (++tx == tw) { tx = 0; ty++; }
        const q2 = yc + (<usize>(ty * w + tx) << 4), rows2 = t + 2 < real ? min(4, h - ty * TILE) : 0, cols2 = w - tx * TILE;
        if (++tx == tw) { tx = 0; ty++; }
        const q3 = yc + (<usize>(ty * w + tx) << 4), rows3 = t + 3 < real ? min(4, h - ty * TILE) : 0, cols3 = w - tx * TILE;
        let bad = outputRow(0, true, rowBytes, bias, epilogue, q0, q1, q2, q3, rows0, rows1, rows2, rows3, cols0, cols1, cols2, cols3,
          r00, r01, r02, r03, r10, r11, r12, r13, r20, r21, r22, r23, r30, r31, r32, r33, r40, r41, r42, r43, r50, r51, r52, r53);
        bad = v128.or(bad, outputRow(1, true, rowBytes, bias, epilogue, q0, q1, q2, q3, rows0, rows1, rows2, rows3, cols0, cols1, cols2, cols3,
          r00, r01, r02, r03, r10, r11, r12, r13, r20, r21, r22, r23, r30, r31, r32, r33, r40, r41, r42, r43, r50, r51, r52, r53));
        bad = v128.or(bad, outputRow(2, true, rowBytes, bias, epilogue, q0, q1, q2, q3, rows0, rows1, rows2, rows3, cols0, cols1, cols2, cols3,
          r00, r01, r02, r03, r10, r11, r12, r13, r20, r21, r22, r23, r30, r31, r32, r33, r40, r41, r42, r43, r50, r51, r52, r53));
        bad = v128.or(bad, outputRow(3, true, rowBytes, bias, epilogue, q0, q1, q2, q3, rows0, rows1, rows2, rows3, cols0, cols1, cols2, cols3,
          r00, r01, r02, r03, r10, r11, r12, r13, r20, r21, r22, r23, r30, r31, r32, r33, r40, r41, r42, r43, r50, r51, r52, r53));
        if (v128.any_true(bad)) recomputeGroup(p, x, img, co, g, h, w, yc);
      } else {
        // output row i of the group is image row py + d·(4ty + i), column j's pixels the four from 4pg + d·(4tx + j)
        const pg = phaseGroup(g, d, tw, 0), tx = phaseGroup(g, d, tw, 1), py = phaseGroup(g, d, tw, 2), ty = phaseGroup(g, d, tw, 3);
        const oy = py + d * TILE * ty, ox = (pg << 2) + d * TILE * tx, rows = oy < h ? min(4, (h - oy + d - 1) / d) : 0;
        const q0 = yc + (<usize>(oy * w + ox) << 2), step = <usize>d << 2;
        let bad = f32x4.splat(0);
        for (let i = 0; i < TILE; i++) {
          bad = v128.or(bad, outputRow(i, false, rowBytes * <usize>d, bias, epilogue, q0, q0 + step, q0 + 2 * step, q0 + 3 * step, rows, rows, rows, rows, w - ox, w - ox - d, w - ox - 2 * d, w - ox - 3 * d,
            r00, r01, r02, r03, r10, r11, r12, r13, r20, r21, r22, r23, r30, r31, r32, r33, r40, r41, r42, r43, r50, r51, r52, r53));
        }
        if (v128.any_true(bad)) recomputeGroup(p, x, img, co, g, h, w, yc);
      }
    }
  }
}
