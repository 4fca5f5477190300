// f32-gemm: matrix–matrix products C = A·Bᵀ with A [m][k] and B [n][k] both K-contiguous
// ("NT"), and the symmetric C = alpha·A·Aᵀ (GSoP's covariance, Gao et al., arXiv 1811.12006).
//
// The organisation of XNNPACK's f32-gemm 4x8 "loadsplat" micro-kernels: A and B are packed into
// panels of 8 rows laid out [k][8] (f32_gemm_pack_nt, zero rows past the last; for A·Aᵀ one
// packing serves both). A tile is 4 rows × 8 columns of C in 8 v128 accumulators: per k, 4
// splats of A[i][k] and the 2 vectors of B's row k, each at a fixed offset from one pointer,
// 8 multiply-adds. A tile's rows past m and columns past n are not stored (its columns lane by
// lane). Each C element is one tile's dot product in k order, whatever the split of the tiles
// over work items.

import { madd, storeLanes } from "../simd";

/** Rows of A per tile. */
const MR = 4;
/** Rows of B per panel (columns of C per tile). */
const NR = 8;

/** Panels of B for n rows. */
@inline function panelsOf(n: i32): i32 { return (n + NR - 1) / NR; }

/** Floats of B [n][k] packed by f32_gemm_pack_nt. */
export function gemmPackedFloats(n: i32, k: i32): u64 {
  return <u64>panelsOf(n) * NR * <u64>k;
}

/** Work items of f32_gemm_nt: its tiles. */
export function gemmTiles(m: i32, n: i32): i32 {
  return (m + MR - 1) / MR * panelsOf(n);
}

/**
 * Panels [begin, end) of B [n][k] (row stride k) into `packed`: panel p is [k][8], its row kk
 * holding B[8p .. 8p + 7][kk] (0 past row n − 1). Four rows by four k at a time, transposed in
 * registers.
 */
export function f32_gemm_pack_nt(b: usize, n: i32, k: i32, packed: usize, begin: i32, end: i32): void {
  const rowBytes = <usize>k << 2;
  for (let p = begin; p < end; p++) {
    const panel = packed + <usize>p * (rowBytes << 3);
    for (let half = 0; half < NR; half += 4) {
      const j0 = p * NR + half;
      const dst = panel + (<usize>half << 2);
      if (j0 >= n) {
        for (let kk = 0; kk < k; kk++) v128.store(dst + (<usize>kk << 5), f32x4.splat(0));
        continue;
      }
      // rows past n − 1 read row j0 and are masked to zero
      const r0 = b + <usize>j0 * rowBytes;
      const r1 = j0 + 1 < n ? r0 + rowBytes : r0, r2 = j0 + 2 < n ? r0 + rowBytes * 2 : r0, r3 = j0 + 3 < n ? r0 + rowBytes * 3 : r0;
      const mask = i32x4(-1, j0 + 1 < n ? -1 : 0, j0 + 2 < n ? -1 : 0, j0 + 3 < n ? -1 : 0);
      let kk = 0;
      for (; kk + 4 <= k; kk += 4) {
        const o = <usize>kk << 2;
        const a = v128.load(r0 + o), c = v128.load(r1 + o), e = v128.load(r2 + o), g = v128.load(r3 + o);
        // 4×4 transpose: row kk + q of the panel is lane q of a, c, e, g
        const ac0 = v128.shuffle<f32>(a, c, 0, 4, 1, 5), ac1 = v128.shuffle<f32>(a, c, 2, 6, 3, 7);
        const eg0 = v128.shuffle<f32>(e, g, 0, 4, 1, 5), eg1 = v128.shuffle<f32>(e, g, 2, 6, 3, 7);
        const at = dst + (<usize>kk << 5);
        v128.store(at, v128.and(v128.shuffle<f32>(ac0, eg0, 0, 1, 4, 5), mask));
        v128.store(at, v128.and(v128.shuffle<f32>(ac0, eg0, 2, 3, 6, 7), mask), 32);
        v128.store(at, v128.and(v128.shuffle<f32>(ac1, eg1, 0, 1, 4, 5), mask), 64);
        v128.store(at, v128.and(v128.shuffle<f32>(ac1, eg1, 2, 3, 6, 7), mask), 96);
      }
      for (; kk < k; kk++) {
        const o = <usize>kk << 2;
        const v = f32x4(load<f32>(r0 + o), load<f32>(r1 + o), load<f32>(r2 + o), load<f32>(r3 + o));
        v128.store(dst + (<usize>kk << 5), v128.and(v, mask));
      }
    }
  }
}

/** Stores the first `cols` (1..8) columns of a tile row, v0 and v1 its 8 values. */
@inline function storeRow(c: usize, v0: v128, v1: v128, cols: i32): void {
  if (cols >= NR) {
    v128.store(c, v0);
    v128.store(c, v1, 16);
  } else if (cols > 4) {
    v128.store(c, v0);
    storeLanes(c + 16, v1, cols - 4);
  } else if (cols == 4) {
    v128.store(c, v0);
  } else {
    storeLanes(c, v0, cols);
  }
}

/**
 * Tile (mt, np) of C [m][ldc] = alpha·A·Bᵀ, A and B as panels (f32_gemm_pack_nt): the tile's 4
 * rows of A are half of panel mt/2, so per k both operands are read at fixed offsets from one
 * pointer each (4 splats of A, 2 vectors of B).
 */
function gemmTile(pa: usize, pb: usize, m: i32, n: i32, k: i32, alpha: f32, c: usize, ldc: i32, mt: i32, np: i32): void {
  const panelBytes = <usize>k << 5;
  let ap = pa + <usize>(mt >> 1) * panelBytes + (<usize>(mt & 1) << 4);
  let bp = pb + <usize>np * panelBytes;
  const end = bp + panelBytes;
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (; bp < end; ap += 32, bp += 32) {
    const b0 = v128.load(bp), b1 = v128.load(bp, 16);
    const x0 = v128.load32_splat(ap);
    c00 = madd(x0, b0, c00); c01 = madd(x0, b1, c01);
    const x1 = v128.load32_splat(ap, 4);
    c10 = madd(x1, b0, c10); c11 = madd(x1, b1, c11);
    const x2 = v128.load32_splat(ap, 8);
    c20 = madd(x2, b0, c20); c21 = madd(x2, b1, c21);
    const x3 = v128.load32_splat(ap, 12);
    c30 = madd(x3, b0, c30); c31 = madd(x3, b1, c31);
  }
  const s = f32x4.splat(alpha);
  const i0 = mt * MR, j0 = np * NR;
  const cols = min(NR, n - j0), rows = min(MR, m - i0);
  const ldcBytes = <usize>ldc << 2;
  const row = c + <usize>i0 * ldcBytes + (<usize>j0 << 2);
  storeRow(row, f32x4.mul(c00, s), f32x4.mul(c01, s), cols);
  if (rows > 1) storeRow(row + ldcBytes, f32x4.mul(c10, s), f32x4.mul(c11, s), cols);
  if (rows > 2) storeRow(row + ldcBytes * 2, f32x4.mul(c20, s), f32x4.mul(c21, s), cols);
  if (rows > 3) storeRow(row + ldcBytes * 3, f32x4.mul(c30, s), f32x4.mul(c31, s), cols);
}

/**
 * Tiles [begin, end) (of gemmTiles(m, n), row-tile major) of C [m][n] = A·Bᵀ, A [m][k] and
 * B [n][k] packed by f32_gemm_pack_nt.
 */
export function f32_gemm_nt(pa: usize, pb: usize, m: i32, n: i32, k: i32, c: usize, begin: i32, end: i32): void {
  const panels = panelsOf(n);
  for (let t = begin; t < end; t++) gemmTile(pa, pb, m, n, k, 1, c, n, t / panels, t % panels);
}

// ---- the symmetric product C = alpha·A·Aᵀ: the tiles on and above the diagonal, then a mirror ----

/** Row tiles in panel np of an m×m product that reach the diagonal or above it: those of rows < 8·np + 8. */
@inline function upperRowTiles(m: i32, np: i32): i32 { return min((m + MR - 1) / MR, (np + 1) * (NR / MR)); }

/** Work items of f32_syrk_nt: the tiles of an m×m product with a column ≥ some row of theirs. */
export function syrkTiles(m: i32): i32 {
  let count = 0;
  for (let np = 0; np < panelsOf(m); np++) count += upperRowTiles(m, np);
  return count;
}

/**
 * Tiles [begin, end) of syrkTiles(m) (panel major) of C [m][m] = alpha·A·Aᵀ, A [m][k] packed by
 * f32_gemm_pack_nt: row i is then written from column 8·⌊i/8⌋ on (f32_syrk_mirror fills the rest).
 */
export function f32_syrk_nt(packed: usize, m: i32, k: i32, alpha: f32, c: usize, begin: i32, end: i32): void {
  let np = 0, first = 0;
  for (let t = begin; t < end; t++) {
    while (t >= first + upperRowTiles(m, np)) first += upperRowTiles(m, np++);
    gemmTile(packed, packed, m, m, k, alpha, c, m, t - first, np);
  }
}

/** Rows [begin, end) of the symmetric C [m][m] of f32_syrk_nt: C[i][j] = C[j][i] for j < 8·⌊i/8⌋. */
export function f32_syrk_mirror(c: usize, m: i32, begin: i32, end: i32): void {
  const rowBytes = <usize>m << 2;
  for (let i = begin; i < end; i++) {
    const row = c + <usize>i * rowBytes;
    for (let j = 0, e = i / NR * NR; j < e; j++) store<f32>(row + (<usize>j << 2), load<f32>(c + <usize>j * rowBytes + (<usize>i << 2)));
  }
}
