// f32-avgpool-cw: average pooling of NCHW planes over k×k windows with stride s and zero padding p,
// dividing by the window's in-bounds count (PyTorch's avg_pool2d with count_include_pad=False), and
// optionally 0.5·avg + 0.5·max over the same windows (max_pool2d's max, NaN-propagating): the
// gather of gather-excite without extra parameters (Hu et al., arXiv 1810.12348; timm
// timm/layers/gather_excite.py, k = 2e − 1, s = e, p = e − 1, add_maxpool).
//
// Separable: for each output row, the in-bounds input rows of its windows are summed (and maxed)
// column by column into a row of W floats, SIMD along the row; each output then reduces its
// window's columns of that row. The max steps are f32x4.pmax (one instruction; f32x4.max's NaN
// rules cost V8 about eight), which may drop a NaN; but a NaN (or +∞ with −∞) makes the window's sum
// NaN, and then 0.5·avg + 0.5·max is NaN whatever the max, as PyTorch's.

/** The in-bounds range [lo, hi) of the window at output index o along an axis of `size` inputs. */
@inline function windowLo(o: i32, stride: i32, pad: i32): i32 { return max(0, o * stride - pad); }
@inline function windowHi(o: i32, k: i32, stride: i32, pad: i32, size: i32): i32 { return min(size, o * stride - pad + k); }

/** The pool's output size along an axis: ⌊(size + 2p − k)/s⌋ + 1. */
@inline export function poolOutSize(size: i32, k: i32, stride: i32, pad: i32): i32 { return (size + 2 * pad - k) / stride + 1; }

/**
 * out [oh, ow] = the windows' average (withMax: 0.5·avg + 0.5·max) of the plane x [h, w]; cols is
 * this call's scratch of 2·(w rounded up to 4) floats (the column sums, then the column maxima).
 */
export function poolPlane(x: usize, h: i32, w: i32, k: i32, stride: i32, pad: i32, withMax: bool, cols: usize, out: usize): void {
  const oh = poolOutSize(h, k, stride, pad), ow = poolOutSize(w, k, stride, pad);
  const rowBytes = <usize>w << 2, vecBytes = <usize>(w + 3 & ~3) << 2;
  const colMax = cols + vecBytes;
  for (let i = 0; i < oh; i++) {
    const r0 = windowLo(i, stride, pad), r1 = windowHi(i, k, stride, pad, h);
    // the rows' sums and maxima, whole vectors (the lanes past w are this scratch's own padding)
    let p = x + <usize>r0 * rowBytes;
    for (let o: usize = 0; o < vecBytes; o += 16) {
      const v = v128.load(p + o);
      v128.store(cols + o, v);
      v128.store(colMax + o, v);
    }
    for (let r = r0 + 1; r < r1; r++) {
      p += rowBytes;
      for (let o: usize = 0; o < vecBytes; o += 16) {
        const v = v128.load(p + o);
        v128.store(cols + o, f32x4.add(v128.load(cols + o), v));
        if (withMax) v128.store(colMax + o, f32x4.pmax(v128.load(colMax + o), v));
      }
    }
    for (let j = 0; j < ow; j++) {
      const c0 = windowLo(j, stride, pad), c1 = windowHi(j, k, stride, pad, w);
      let sum: f32 = 0, m: f32 = -Infinity;
      for (let c = c0; c < c1; c++) {
        sum += load<f32>(cols + (<usize>c << 2));
        if (withMax) m = Mathf.max(m, load<f32>(colMax + (<usize>c << 2)));
      }
      const avg = sum / <f32>((r1 - r0) * (c1 - c0));
      store<f32>(out + (<usize>(i * ow + j) << 2), withMax ? <f32>0.5 * avg + <f32>0.5 * m : avg);
    }
  }
}

/**
 * out [planes][oh][ow] of poolPlane for every plane of x [planes][h][w], the window given as
 * geometry = [k, stride, pad] (three i32); cols: poolPlane's scratch (the kernel tests' entry).
 */
export function f32_avgpool_cw(x: usize, planes: i32, h: i32, w: i32, geometry: usize, withMax: bool, cols: usize, out: usize): void {
  const k = load<i32>(geometry), stride = load<i32>(geometry, 4), pad = load<i32>(geometry, 8);
  const outBytes = <usize>(poolOutSize(h, k, stride, pad) * poolOutSize(w, k, stride, pad)) << 2;
  for (let i = 0; i < planes; i++) poolPlane(x + (<usize>(i * h * w) << 2), h, w, k, stride, pad, withMax, cols, out + <usize>i * outBytes);
}
