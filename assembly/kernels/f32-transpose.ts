// f32-transpose: one image between the layouts, x [A][B] → y [B][A] (NHWC [HW][C] → NCHW [C][HW]
// with A = HW, B = C, and back with A = C, B = HW), in 4×4 blocks transposed in registers. The
// blocks that run an NHWC tensor through their NCHW stages (the convolution-bound ones:
// parts/layout-adapter.ts) take it in and out with this.

import { storeLanes } from "../simd";

/** The 4×4 block at x (rows `xRow` bytes apart) stored transposed at y (rows `yRow` bytes apart). */
@inline function block4x4(x: usize, xRow: usize, y: usize, yRow: usize): void {
  const r0 = v128.load(x), r1 = v128.load(x + xRow), r2 = v128.load(x + 2 * xRow), r3 = v128.load(x + 3 * xRow);
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
  const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7), t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  v128.store(y, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
  v128.store(y + yRow, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
  v128.store(y + 2 * yRow, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5));
  v128.store(y + 3 * yRow, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7));
}

/**
 * Rows [r0, r1) of y [B][A] = transpose of x [A][B] for one image: y[b, a] = x[a, b] for b in
 * [r0, r1) (a work item is a band of y's rows: disjoint writes). r0 is a multiple of 4 except at
 * the image's last, partial band.
 */
export function transposeRows(x: usize, a: i32, b: i32, y: usize, r0: i32, r1: i32): void {
  const xRow = <usize>b << 2, yRow = <usize>a << 2;
  let j = r0;
  for (; j + 4 <= r1; j += 4) {
    let i = 0;
    for (; i + 4 <= a; i += 4) block4x4(x + <usize>i * xRow + (<usize>j << 2), xRow, y + <usize>j * yRow + (<usize>i << 2), yRow);
    // the last a mod 4 columns of y's four rows
    for (; i < a; i++) {
      const src = x + <usize>i * xRow + (<usize>j << 2);
      const v = v128.load(src);
      const dst = y + <usize>j * yRow + (<usize>i << 2);
      store<f32>(dst, f32x4.extract_lane(v, 0));
      store<f32>(dst + yRow, f32x4.extract_lane(v, 1));
      store<f32>(dst + 2 * yRow, f32x4.extract_lane(v, 2));
      store<f32>(dst + 3 * yRow, f32x4.extract_lane(v, 3));
    }
  }
  // the last b mod 4 rows of y, one at a time
  for (; j < r1; j++) {
    const dst = y + <usize>j * yRow;
    let i = 0;
    for (; i + 4 <= a; i += 4) {
      const at = x + <usize>i * xRow + (<usize>j << 2);
      v128.store(dst + (<usize>i << 2), f32x4(load<f32>(at), load<f32>(at + xRow), load<f32>(at + 2 * xRow), load<f32>(at + 3 * xRow)));
    }
    if (i < a) {
      const at = x + <usize>i * xRow + (<usize>j << 2);
      const lanes = a - i;
      const v = f32x4(load<f32>(at), lanes > 1 ? load<f32>(at + xRow) : 0, lanes > 2 ? load<f32>(at + 2 * xRow) : 0, 0);
      storeLanes(dst + (<usize>i << 2), v, lanes);
    }
  }
}

/** Rows of y per work item of a transposition (a multiple of 4). */
export const TRANSPOSE_BAND = 16;

/** Work items of transposing n images [A][B] → [B][A]: (image, band of TRANSPOSE_BAND rows of y). */
@inline export function transposeItems(n: i32, b: i32): i32 {
  return n * ((b + TRANSPOSE_BAND - 1) / TRANSPOSE_BAND);
}

/** Items [begin, end) of transposeItems: n images x [A][B] → y [B][A], images a·b floats apart. */
export function transposeImages(x: usize, a: i32, b: i32, y: usize, begin: i32, end: i32): void {
  const bands = (b + TRANSPOSE_BAND - 1) / TRANSPOSE_BAND;
  const imageBytes = <usize>a * <usize>b << 2;
  for (let item = begin; item < end; item++) {
    const img = item / bands, r0 = (item % bands) * TRANSPOSE_BAND;
    transposeRows(x + <usize>img * imageBytes, a, b, y + <usize>img * imageBytes, r0, min(b, r0 + TRANSPOSE_BAND));
  }
}
