// f32-winograd-gemm: the element-wise stage of a Winograd convolution (f32-conv3x3-winograd.ts)
// as a batched product, one per image and position ξ of the 36:
//   M[co, ξ, t] = Σ_ci U[ξ, co, ci]·V[ξ, ci, t]
// with U packed [ξ][blocks of 4 co][cin][4] (f32_winograd_f43_pack) and V [ξ][blocks of 8 tiles]
// [cin][8]. A register tile is 4 output channels × 8 tiles (8 v128 accumulators, the direct
// conv's tile), 4 × 4 on the last block of a padded tile count 4 mod 8.
//
// The sum over ci runs in blocks of ACC_BLOCK channels, each block summed from zero and then added
// to M: a float32 running sum over all ci is the largest rounding error of the whole convolution
// (the transformed values are up to ~10× the pixels and cancel in the output transform), and
// blocking it cuts that error by 2–3× at 64–512 channels (measured against float64).

import { madd } from "../simd";
import { ConvParams } from "./f32-conv2d";
import { paddedCout, planeStride, winogradTiles } from "./f32-conv3x3-winograd";
import { POSITIONS, U_BLOCK } from "./f32-winograd-f43";

/** Input channels summed from zero before they are added to M. */
const ACC_BLOCK = 16;
/** Bytes of V one work item reads per position (kept in L2 while every channel block passes over it). */
const CHUNK_BYTES = 64 << 10;

/** Tiles per work item: a multiple of 8 whose V block fits CHUNK_BYTES. */
@inline function chunkTiles(cin: i32, tiles: i32): i32 {
  return min(tiles, max(8, (CHUNK_BYTES / (cin << 2)) & ~7));
}

/** Work items of the product: (image, position, chunk of tiles). */
export function winogradProductItems(c: usize, n: i32, h: i32, w: i32): i32 {
  if (h <= 0 || w <= 0) return 0;
  const p = changetype<ConvParams>(c), tiles = winogradTiles(p, h, w), chunk = chunkTiles(p.cin, tiles);
  return n * POSITIONS * ((tiles + chunk - 1) / chunk);
}

/** M (4 rows of `rowBytes`) gets acc when `first`, else M + acc. */
@inline function accumulate(m: usize, acc: v128, first: bool): void {
  v128.store(m, first ? acc : f32x4.add(v128.load(m), acc));
}

/** 4 channels × 8 tiles: M[m, 0..7] (+)= Σ_ci u[ci, m]·v[ci, 0..7] over ci in blocks of ACC_BLOCK. */
@inline function tile4x8(v: usize, u: usize, cin: i32, m: usize, rowBytes: usize): void {
  for (let k0 = 0; k0 < cin; k0 += ACC_BLOCK) {
    let a00 = f32x4.splat(0), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
    let vp = v + (<usize>k0 << 5), up = u + (<usize>k0 << 4);
    const vEnd = v + (<usize>min(cin, k0 + ACC_BLOCK) << 5);
    for (; vp < vEnd; vp += 32, up += 16) {
      const v0 = v128.load(vp), v1 = v128.load(vp, 16);
      const w0 = v128.load32_splat(up);
      a00 = madd(w0, v0, a00); a01 = madd(w0, v1, a01);
      const w1 = v128.load32_splat(up, 4);
      a10 = madd(w1, v0, a10); a11 = madd(w1, v1, a11);
      const w2 = v128.load32_splat(up, 8);
      a20 = madd(w2, v0, a20); a21 = madd(w2, v1, a21);
      const w3 = v128.load32_splat(up, 12);
      a30 = madd(w3, v0, a30); a31 = madd(w3, v1, a31);
    }
    const first = k0 == 0;
    accumulate(m, a00, first); accumulate(m + 16, a01, first);
    accumulate(m + rowBytes, a10, first); accumulate(m + rowBytes + 16, a11, first);
    accumulate(m + 2 * rowBytes, a20, first); accumulate(m + 2 * rowBytes + 16, a21, first);
    accumulate(m + 3 * rowBytes, a30, first); accumulate(m + 3 * rowBytes + 16, a31, first);
  }
}

/** 4 channels × 4 tiles (the last block of a tile count 4 mod 8). */
@inline function tile4x4(v: usize, u: usize, cin: i32, m: usize, rowBytes: usize): void {
  for (let k0 = 0; k0 < cin; k0 += ACC_BLOCK) {
    let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
    let vp = v + (<usize>k0 << 4), up = u + (<usize>k0 << 4);
    const vEnd = v + (<usize>min(cin, k0 + ACC_BLOCK) << 4);
    for (; vp < vEnd; vp += 16, up += 16) {
      const x = v128.load(vp);
      a0 = madd(v128.load32_splat(up), x, a0);
      a1 = madd(v128.load32_splat(up, 4), x, a1);
      a2 = madd(v128.load32_splat(up, 8), x, a2);
      a3 = madd(v128.load32_splat(up, 12), x, a3);
    }
    const first = k0 == 0;
    accumulate(m, a0, first);
    accumulate(m + rowBytes, a1, first);
    accumulate(m + 2 * rowBytes, a2, first);
    accumulate(m + 3 * rowBytes, a3, first);
  }
}

/**
 * The product stage: items [begin, end) of winogradProductItems, V (winogradInputFloats) and the
 * packed U (p.weights) into M (winogradProductFloats). Within an item, each block of 8 tiles
 * meets every block of 4 output channels: the tiles' V block stays in L1, U's plane of this
 * position streams from L2.
 */
export function winogradProduct(c: usize, v: usize, m: usize, h: i32, w: i32, begin: i32, end: i32): void {
  const p = changetype<ConvParams>(c);
  const cin = p.cin, cout4 = paddedCout(p), tiles = winogradTiles(p, h, w);
  const chunk = chunkTiles(cin, tiles), chunks = (tiles + chunk - 1) / chunk;
  const vPlaneFloats = <usize>planeStride(cin * tiles), mPlaneFloats = <usize>planeStride(tiles);
  const rowBytes = <usize>POSITIONS * mPlaneFloats << 2;
  for (let item = begin; item < end; item++) {
    const ck = item % chunks, rest = item / chunks, xi = rest % POSITIONS, img = rest / POSITIONS;
    const vPlane = v + (<usize>(img * POSITIONS + xi) * vPlaneFloats << 2);
    const uPlane = p.weights + (<usize>xi * <usize>cout4 * <usize>cin << 2);
    const mPlane = m + (<usize>img * <usize>cout4 * rowBytes) + (<usize>xi * mPlaneFloats << 2);
    const t0 = ck * chunk, t1 = min(tiles, t0 + chunk);
    for (let co = 0; co < cout4; co += U_BLOCK) {
      const ub = uPlane + (<usize>co * <usize>cin << 2), mc = mPlane + <usize>co * rowBytes;
      for (let t = t0; t < t1; t += 8) {
        const vb = vPlane + (<usize>t * <usize>cin << 2), mb = mc + (<usize>t << 2);
        if (t + 8 <= tiles) tile4x8(vb, ub, cin, mb, rowBytes);
        else tile4x4(vb, ub, cin, mb, rowBytes);
      }
    }
  }
}
