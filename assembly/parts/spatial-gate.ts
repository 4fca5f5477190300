// The spatial gate of sSE (Roy et al., arXiv 1803.02579), shared by sSE and scSE:
// q[n, i] = gate(w·x[n, :, i] + bias), a [N, 1, H, W] map, and the output pass that applies it
// with the channel gate (scSE) or alone (sSE), over tiles of pixels whose C rows stay in L2.

import { conv1x1Tile, paddedPixels, tilePixels } from "../kernels/f32-conv1x1";
import { dot } from "../kernels/f32-dense";
import { RowsAreChannels, RowsArePixels, scaleRows } from "../kernels/f32-vscale";
import { storeLanes } from "../simd";
import { vgate } from "../vmath";

/** The constants of a spatial gate (bindings/blocks/sse.ts): C, w [1, C], bias [1] (0 = none), the gate and its alpha, beta. */
@unmanaged export class SpatialGate { c: i32; w: usize; bias: usize; gate: i32; alpha: f32; beta: f32; }

/** Work items of the pass: (image, tile of tilePixels(C) pixels). */
@inline export function spatialPassItems(n: i32, hw: i32, tile: i32): i32 {
  return n * ((hw + tile - 1) / tile);
}

/**
 * q[i] = gate(q[i] + bias) over the tw pixels of a tile's squeeze (whole vectors: q has room). A
 * function of its own, called once per tile, so that the gates' code is in the module once.
 */
export function gateTile(g: SpatialGate, q: usize, tw: i32): void {
  const b = f32x4.splat(g.bias ? load<f32>(g.bias) : 0), va = f32x4.splat(g.alpha), vb = f32x4.splat(g.beta);
  const end = q + (<usize>(tw + 3 & ~3) << 2);
  for (; q < end; q += 16) v128.store(q, vgate(f32x4.add(v128.load(q), b), g.gate, va, vb));
}

/**
 * Items [begin, end) of spatialPassItems: for the tile's pixels of image n, q[n] = the spatial
 * gate (computed here when `squeeze`, else already in q), then y[n, c, i] = Op(x[n, c, i], s[n, c], q[n, i])
 * (f32-vscale.ts; s may be 0 when Op does not read it). q is [N][paddedPixels(hw)]. y may alias x:
 * a tile is read whole (the squeeze) before any of it is written.
 */
@inline export function spatialPass<Op>(g: SpatialGate, x: usize, y: usize, hw: i32, s: usize, q: usize, begin: i32, end: i32, squeeze: bool = true): void {
  const c = g.c;
  const planeBytes = <usize>hw << 2;
  const tile = tilePixels(c);
  const tiles = (hw + tile - 1) / tile;
  const qStride = <usize>paddedPixels(hw) << 2;
  for (let item = begin; item < end; item++) {
    const img = item / tiles, t = (item % tiles) * tile;
    const tw = min(tile, hw - t);
    const off = <usize>img * <usize>c * planeBytes + (<usize>t << 2);
    const qt = q + <usize>img * qStride + (<usize>t << 2);
    if (squeeze) {
      conv1x1Tile(x + off, c, planeBytes, g.w, qt, tw);
      gateTile(g, qt, tw);
    }
    scaleRows<Op, RowsAreChannels>(x + off, y + off, 0, planeBytes, tw, c, s + (<usize>(img * c) << 2), qt, 0, 0, c);
  }
}

// ---- NHWC: a pixel's channels are one contiguous row ----

/** Pixel rows per work item of the NHWC pass (their rows stay in cache between the squeeze and the recalibration). */
@inline export function spatialRowsNhwc(c: i32): i32 {
  return tilePixels(c);
}

/** Work items of the NHWC pass: tiles of spatialRowsNhwc(C) pixel rows of one image. */
@inline export function spatialPassItemsNhwc(n: i32, hw: i32, c: i32): i32 {
  return spatialPassItems(n, hw, spatialRowsNhwc(c));
}

/** q[i] = gate(bias + w·x[i, :]) for pixel rows [r0, r1) of x (rows C floats apart), into q[r0..r1). */
export function squeezeRowsNhwc(g: SpatialGate, x: usize, q: usize, r0: i32, r1: i32): void {
  const rowBytes = <usize>g.c << 2;
  for (let r = r0; r < r1; r++) store<f32>(q + (<usize>r << 2), dot(g.w, x + <usize>r * rowBytes, g.c));
  gateScalars(g, q + (<usize>r0 << 2), r1 - r0);
}

/** q[i] = gate(q[i] + bias) for n scalars (no whole-vector writes past them: the next ones may be another item's). */
function gateScalars(g: SpatialGate, q: usize, n: i32): void {
  const b = f32x4.splat(g.bias ? load<f32>(g.bias) : 0), va = f32x4.splat(g.alpha), vb = f32x4.splat(g.beta);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(q + (<usize>i << 2), vgate(f32x4.add(v128.load(q + (<usize>i << 2)), b), g.gate, va, vb));
  if (i < n) storeLanes(q + (<usize>i << 2), vgate(f32x4.add(v128.load(q + (<usize>i << 2)), b), g.gate, va, vb), n - i);
}

/**
 * Items [begin, end) of spatialPassItemsNhwc over x [N][hw][C]: q (when `squeeze`, else already
 * there) for the tile's pixel rows, then y[p, c] = Op(x[p, c], s[n, c], q[p]) (q is [N·hw]).
 */
@inline export function spatialPassNhwc<Op>(g: SpatialGate, x: usize, y: usize, hw: i32, s: usize, q: usize, begin: i32, end: i32, squeeze: bool = true): void {
  const c = g.c, tile = spatialRowsNhwc(c);
  const tiles = (hw + tile - 1) / tile;
  for (let item = begin; item < end; item++) {
    const img = item / tiles;
    const r0 = img * hw + (item % tiles) * tile, r1 = min(img * hw + hw, r0 + tile);
    if (squeeze) squeezeRowsNhwc(g, x, q, r0, r1);
    scaleRows<Op, RowsArePixels>(x, y, 0, <usize>c << 2, c, hw, q, s, <usize>c << 2, r0, r1);
  }
}
