// f32-resize-nearest: nearest-neighbour resize of NCHW planes with PyTorch's float32 source index
// (F.interpolate(mode='nearest') of a float32 CPU tensor; aten/src/ATen/native/UpSample.h,
// nearest_neighbor_compute_source_index): src = min(⌊f32(dst)·f32(in/out)⌋, in − 1), each step
// rounded to float32. That is not the exact ⌊dst·in/out⌋: 50 → 198 rows, output row 99 reads row 24
// (99·f32(50/198) = 24.999998 in float32) where 99·50/198 = 25. (PyTorch's shortcuts for out = in
// and out = 2·in give what this rule gives: the scale is then exactly 1 or 0.5.)

/**
 * The source index of output index `dst` of a resize from `inSize` to `outSize`: f32(in/out) is the
 * correctly rounded quotient, the conversion of dst < 2^24 exact, the product rounded once.
 */
@inline export function nearestIndex(dst: i32, inSize: i32, outSize: i32): i32 {
  const scale = <f32>inSize / <f32>outSize;
  return min(<i32>Mathf.floor(<f32>dst * scale), inSize - 1);
}

/** idx[j] = the byte offset, in a row of `iw` floats, of the source of output column j < ow. */
export function nearestColumns(iw: i32, ow: i32, idx: usize): void {
  for (let j = 0; j < ow; j++) store<i32>(idx + (<usize>j << 2), nearestIndex(j, iw, ow) << 2);
}

/** dst[j] = src[column idx[j]] for j < ow: one row resized along its length. */
export function expandRow(src: usize, idx: usize, ow: i32, dst: usize): void {
  const end = dst + (<usize>ow << 2);
  for (; dst < end; dst += 4, idx += 4) store<f32>(dst, load<f32>(src + <usize>load<i32>(idx)));
}

/**
 * y [planes][oh][ow] = the nearest resize of x [planes][ih][iw]; idx is scratch for ow i32
 * (the kernel tests' entry; gather-excite resizes row by row inside its output pass).
 */
export function f32_resize_nearest_cw(x: usize, planes: i32, ih: i32, iw: i32, oh: i32, ow: i32, idx: usize, y: usize): void {
  nearestColumns(iw, ow, idx);
  const inRow = <usize>iw << 2, outRow = <usize>ow << 2;
  for (let p = 0; p < planes; p++) {
    const src = x + <usize>(p * ih) * inRow;
    for (let i = 0; i < oh; i++, y += outRow) expandRow(src + <usize>nearestIndex(i, ih, oh) * inRow, idx, ow, y);
  }
}
