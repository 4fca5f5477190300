// f32-conv1d: a 1-D cross-correlation along contiguous rows with one odd k-tap kernel and no bias
// (ECA's conv across the pooled channels, Wang et al., arXiv 1910.03151, BangguWu/ECANet
// models/eca_module.py: Conv1d(1, 1, k, padding (k − 1)/2, bias=False)):
//   y[r, i] = Σ_{j<k} w[j]·x[r, i − p + j],  p = (k − 1)/2,
// where an index outside [0, len) is a zero term, or, with `circular` (timm's CecaModule, which
// pads with F.pad(mode='circular')), wraps to index mod len (the caller ensures p ≤ len, so one
// wrap suffices). Every output sums its taps in the order j = 0 … k − 1.

import { madd } from "../simd";

/** x[m] of a row of len floats: zero outside [0, len), or (circular, m in [−len, 2·len)) wrapped. */
@inline function tap(row: usize, len: i32, m: i32, circular: bool): f32 {
  if (m >= 0 && m < len) return load<f32>(row + (<usize>m << 2));
  if (!circular) return 0;
  return load<f32>(row + (<usize>(m < 0 ? m + len : m - len) << 2));
}

/** y[i] of one row where some tap falls outside it. */
@inline function edge(row: usize, len: i32, w: usize, k: i32, i: i32, circular: bool): f32 {
  const p = k >> 1;
  let acc: f32 = 0;
  for (let j = 0; j < k; j++) acc += load<f32>(w + (<usize>j << 2)) * tap(row, len, i - p + j, circular);
  return acc;
}

/** y[r, ·] for rows r < rows of len floats (x and y [rows, len], not aliased); w [k], k odd. */
export function f32_conv1d(x: usize, rows: i32, len: i32, w: usize, k: i32, circular: bool, y: usize): void {
  const p = k >> 1;
  const rowBytes = <usize>len << 2;
  const head = min(p, len);
  for (let r = 0; r < rows; r++, x += rowBytes, y += rowBytes) {
    let i = 0;
    for (; i < head; i++) store<f32>(y + (<usize>i << 2), edge(x, len, w, k, i, circular));
    // four outputs at a time where every tap of the four is inside the row
    for (; i + 4 + p <= len; i += 4) {
      const from = x + (<usize>(i - p) << 2);
      let acc = f32x4.splat(0);
      for (let j = 0; j < k; j++) acc = madd(v128.load32_splat(w + (<usize>j << 2)), v128.load(from + (<usize>j << 2)), acc);
      v128.store(y + (<usize>i << 2), acc);
    }
    for (; i < len; i++) store<f32>(y + (<usize>i << 2), edge(x, len, w, k, i, circular));
  }
}
