// f32-resize-nearest: nearest-neighbour resize of NCHW planes with PyTorch's float32 source index
// (F.interpolate(mode='nearest') of a float32 CPU tensor; aten/src/ATen/native/UpSample.h,
// nearest_neighbor_compute_source_index): src = min(⌊f32(dst)·f32(in/out)⌋, in − 1), each step
// rounded to float32. That is not the exact ⌊dst·in/out⌋: 50 → 198 rows, output row 99 reads row 24
// (99·f32(50/198) = 24.999998 in float32) where 99·50/198 = 25. (PyTorch's shortcuts for out = in
// and out = 2·in give what this rule gives: the scale is then exactly 1 or 0.5.)
//
// Fused with gather-excite's recalibration, y = x·t↑: each row of the output reads the row of t its
// row table names; along the row, each four outputs read four sources that, when they lie within
// four consecutive floats (always when enlarging, but for rare roundings), come from one vector load
// and one i8x16.swizzle; a column table holds each chunk's first source and its byte shuffle. Chunks
// whose sources spread wider (shrinking) are gathered one float at a time. In NHWC
// (scaleNearestNhwc) a pixel's channels are contiguous in x and in t: each output pixel multiplies
// its row by the source pixel's row, found through a row table and a column table of byte offsets.

import { storeLanes } from "../simd";
import { mulRowNhwc } from "./f32-vmul-rows-nhwc";

/**
 * The source index of output index `dst` of a resize from `inSize` to `outSize`: f32(in/out) is the
 * correctly rounded quotient, the conversion of dst < 2^24 exact, the product rounded once.
 */
@inline function nearestIndex(dst: i32, inSize: i32, outSize: i32): i32 {
  const scale = <f32>inSize / <f32>outSize;
  return min(<i32>Mathf.floor(<f32>dst * scale), inSize - 1);
}

/** rows[i] = the byte offset of the source row of output row i < oh, rows of `rowBytes` (the divisions done once, not per row). */
function nearestRowTable(ih: i32, oh: i32, rowBytes: i32, rows: usize): void {
  for (let i = 0; i < oh; i++) store<i32>(rows + (<usize>i << 2), nearestIndex(i, ih, oh) * rowBytes);
}

/** Floats of the column table of a resize to `ow` columns: per chunk of four, a v128 shuffle and an i32 offset. */
@inline function nearestTableFloats(ow: i32): i32 {
  return ((ow + 3) >> 2) * 5;
}

/**
 * The column table of a resize of rows of `iw` floats to `ow`: for chunk q, at table + 16q the byte
 * shuffle of the four outputs, and at table + 16·chunks + 4q the byte offset of the chunk's first
 * source; that offset + 1 marks a chunk gathered one float at a time, its shuffle then the four
 * sources' byte offsets from the first (as i32 lanes). The lanes past ow repeat the last source.
 */
function nearestColumnTable(iw: i32, ow: i32, table: usize): void {
  const chunks = (ow + 3) >> 2;
  const offsets = table + (<usize>chunks << 4);
  for (let q = 0; q < chunks; q++) {
    const j = q << 2;
    const i0 = nearestIndex(j, iw, ow), i1 = nearestIndex(min(j + 1, ow - 1), iw, ow);
    const i2 = nearestIndex(min(j + 2, ow - 1), iw, ow), i3 = nearestIndex(min(j + 3, ow - 1), iw, ow);
    const rel = i32x4.shl(i32x4.sub(i32x4(i0, i1, i2, i3), i32x4.splat(i0)), 2);
    const near = i3 - i0 <= 3;
    // byte b of lane l: 4·(i_l − i0) + b
    const shuffle = v128.or(v128.swizzle(rel, i8x16(0, 0, 0, 0, 4, 4, 4, 4, 8, 8, 8, 8, 12, 12, 12, 12)), i32x4.splat(0x03020100));
    v128.store(table + (<usize>q << 4), near ? shuffle : rel);
    store<i32>(offsets + (<usize>q << 2), (i0 << 2) + (near ? 0 : 1));
  }
}

/** Outputs 4q … 4q + 3 of the resize of the row at src through the column table (chunks of the table's). */
@inline function nearestChunk(src: usize, table: usize, chunks: i32, q: i32): v128 {
  const shuffle = v128.load(table + (<usize>q << 4));
  const at = load<i32>(table + (<usize>chunks << 4) + (<usize>q << 2));
  if (!(at & 1)) return v128.swizzle(v128.load(src + <usize>at), shuffle);
  const p = src + <usize>(at - 1);
  return f32x4(
    load<f32>(p + <usize>i32x4.extract_lane(shuffle, 0)), load<f32>(p + <usize>i32x4.extract_lane(shuffle, 1)),
    load<f32>(p + <usize>i32x4.extract_lane(shuffle, 2)), load<f32>(p + <usize>i32x4.extract_lane(shuffle, 3)),
  );
}

/** Floats of the tables of a resize to h×w: the row table (h), then the column table. */
@inline export function nearestTablesFloats(h: i32, w: i32): i32 {
  return (h + 3 & ~3) + nearestTableFloats(w);
}

/** The row and the column tables (nearestTablesFloats(h, w) floats at `tables`) of a resize of [gh, gw] to [h, w]. */
export function nearestTables(gh: i32, gw: i32, h: i32, w: i32, tables: usize): void {
  nearestRowTable(gh, h, gw << 2, tables);
  nearestColumnTable(gw, w, tables + (<usize>(h + 3 & ~3) << 2));
}

/**
 * Planes [begin, end) of y = x·t↑, t [planes][gh][gw] resized to [h, w] through `tables`
 * (nearestTables): output row i reads the row of t its row table names, four pixels at a time
 * through the column table. y may alias x.
 */
export function scaleNearest(x: usize, y: usize, h: i32, w: i32, t: usize, gh: i32, gw: i32, tables: usize, begin: i32, end: i32): void {
  const rowBytes = <usize>w << 2, planeBytes = <usize>h * rowBytes, tPlaneBytes = <usize>(gh * gw) << 2;
  const columns = tables + (<usize>(h + 3 & ~3) << 2);
  const chunks = (w + 3) >> 2, full = w >> 2;
  for (let plane = begin; plane < end; plane++) {
    const tp = t + <usize>plane * tPlaneBytes;
    let xr = x + <usize>plane * planeBytes, yr = y + <usize>plane * planeBytes;
    for (let i = 0; i < h; i++, xr += rowBytes, yr += rowBytes) {
      const q = tp + <usize>load<i32>(tables + (<usize>i << 2));
      let c = 0;
      for (; c < full; c++) v128.store(yr + (<usize>c << 4), f32x4.mul(v128.load(xr + (<usize>c << 4)), nearestChunk(q, columns, chunks, c)));
      if (c < chunks) storeLanes(yr + (<usize>c << 4), f32x4.mul(v128.load(xr + (<usize>c << 4)), nearestChunk(q, columns, chunks, c)), w & 3);
    }
  }
}

/**
 * x [planes][h][w] ·= t [planes][gh][gw] resized to [h, w]; tables: scratch of nearestTablesFloats(h, w)
 * floats (the kernel tests' entry: with x all ones it is the resize itself).
 */
export function f32_vscale_nearest_cw(x: usize, planes: i32, h: i32, w: i32, t: usize, gh: i32, gw: i32, tables: usize): void {
  nearestTables(gh, gw, h, w, tables);
  scaleNearest(x, x, h, w, t, gh, gw, tables, 0, planes);
}

// ---- NHWC ----

/** Floats of the NHWC tables of a resize to h×w: the source rows' and the source columns' byte offsets. */
@inline export function nearestTablesFloatsNhwc(h: i32, w: i32): i32 {
  return h + w;
}

/** The NHWC tables (nearestTablesFloatsNhwc(h, w) at `tables`) of a resize of [gh, gw] pixels of c channels to [h, w]. */
export function nearestTablesNhwc(gh: i32, gw: i32, h: i32, w: i32, c: i32, tables: usize): void {
  nearestRowTable(gh, h, gw * c << 2, tables);
  nearestRowTable(gw, w, c << 2, tables + (<usize>h << 2));
}

/**
 * Image rows [begin, end) (index n·h + i) of y[n, i, j, :] = x[n, i, j, :]·t[n, src(i), src(j), :],
 * t [N][gh][gw][c] resized to [h, w] through `tables` (nearestTablesNhwc). y may alias x.
 */
export function scaleNearestNhwc(x: usize, y: usize, h: i32, w: i32, c: i32, t: usize, gh: i32, gw: i32, tables: usize, begin: i32, end: i32): void {
  const rowBytes = <usize>c << 2, cols = tables + (<usize>h << 2);
  for (let r = begin; r < end; r++) {
    const img = r / h, i = r % h;
    const src = t + <usize>img * <usize>(gh * gw) * rowBytes + <usize>load<i32>(tables + (<usize>i << 2));
    let at = <usize>r * <usize>w * rowBytes;
    for (let j = 0; j < w; j++, at += rowBytes) mulRowNhwc(x + at, src + <usize>load<i32>(cols + (<usize>j << 2)), 0, y + at, c, false);
  }
}

/** x·t↑ in place on the n NHWC images of x, t [n][gh][gw][c] (the kernel tests' entry): grid = [gh, gw] (two i32), tables nearestTablesFloatsNhwc(h, w) floats. */
export function f32_vscale_nearest_nwc(x: usize, n: i32, h: i32, w: i32, c: i32, t: usize, grid: usize, tables: usize): void {
  const gh = load<i32>(grid), gw = load<i32>(grid, 4);
  nearestTablesNhwc(gh, gw, h, w, c, tables);
  scaleNearestNhwc(x, x, h, w, c, t, gh, gw, tables, 0, n * h);
}
