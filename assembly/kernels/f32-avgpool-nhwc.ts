// f32-avgpool-nhwc: average pooling of NHWC images over k×k windows with stride s and zero padding
// p, dividing by the window's in-bounds count (PyTorch's avg_pool2d with count_include_pad=False),
// and optionally 0.5·avg + 0.5·max over the same windows: the gather of gather-excite without
// extra parameters (Hu et al., arXiv 1810.12348; timm timm/layers/gather_excite.py, k = 2e − 1,
// s = e, p = e − 1, add_maxpool) in NHWC; f32-avgpool-cw.ts is the NCHW one.
//
// Each output pixel sums its window's in-bounds pixel rows directly, vectors along the channels
// (sixteen at a time in registers, then four, then the last partial vector), rows in order: a work
// item is one output row of one image, whose window rows stay in cache for the next item. The max
// steps are f32x4.pmax, which may drop a NaN; but a NaN (or +∞ with −∞) makes the window's sum NaN,
// and then 0.5·avg + 0.5·max is NaN whatever the max, as PyTorch's.

import { storeLanes } from "../simd";
import { poolOutSize } from "./f32-avgpool-cw";

/** The result of a window of `count` pixels from its sum and max. */
@inline function result(sum: v128, max: v128, count: v128, withMax: bool): v128 {
  const avg = f32x4.div(sum, count);
  if (!withMax) return avg;
  const half = f32x4.splat(0.5);
  return f32x4.add(f32x4.mul(half, avg), f32x4.mul(half, max));
}

/**
 * Output rows [begin, end) (index n·oh + oy) of out [N][oh][ow][c] from x [N][h][w][c], windows k×k
 * with stride `stride` and padding `pad` (their in-bounds parts), withMax: 0.5·avg + 0.5·max.
 */
export function poolRowsNhwc(x: usize, h: i32, w: i32, c: i32, k: i32, stride: i32, pad: i32, withMax: bool, out: usize, begin: i32, end: i32): void {
  const oh = poolOutSize(h, k, stride, pad), ow = poolOutSize(w, k, stride, pad);
  const rowBytes = <usize>c << 2, lineBytes = <usize>w * rowBytes;
  const full = <usize>(c & ~3) << 2, full16 = full & ~63, lanes = c & 3;
  const ninf = f32x4.splat(-Infinity);
  for (let item = begin; item < end; item++) {
    const img = item / oh, oy = item % oh;
    const r0 = max(0, oy * stride - pad), r1 = min(h, oy * stride - pad + k);
    const xi = x + <usize>img * <usize>h * lineBytes;
    let y = out + <usize>item * <usize>ow * rowBytes;
    for (let ox = 0; ox < ow; ox++, y += rowBytes) {
      const c0 = max(0, ox * stride - pad), c1 = min(w, ox * stride - pad + k);
      const count = f32x4.splat(<f32>((r1 - r0) * (c1 - c0)));
      const first = xi + <usize>r0 * lineBytes + <usize>c0 * rowBytes;
      let o: usize = 0;
      for (; o < full16; o += 64) {
        let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0, m0 = ninf, m1 = ninf, m2 = ninf, m3 = ninf;
        for (let r = r0, line = first + o; r < r1; r++, line += lineBytes) {
          for (let col = c0, p = line; col < c1; col++, p += rowBytes) {
            const v0 = v128.load(p), v1 = v128.load(p, 16), v2 = v128.load(p, 32), v3 = v128.load(p, 48);
            s0 = f32x4.add(s0, v0); s1 = f32x4.add(s1, v1); s2 = f32x4.add(s2, v2); s3 = f32x4.add(s3, v3);
            if (withMax) { m0 = f32x4.pmax(m0, v0); m1 = f32x4.pmax(m1, v1); m2 = f32x4.pmax(m2, v2); m3 = f32x4.pmax(m3, v3); }
          }
        }
        v128.store(y + o, result(s0, m0, count, withMax)); v128.store(y + o, result(s1, m1, count, withMax), 16);
        v128.store(y + o, result(s2, m2, count, withMax), 32); v128.store(y + o, result(s3, m3, count, withMax), 48);
      }
      // the rest a vector at a time; the last partial vector over-reads the pixel row and stores only its lanes
      for (; o < full + (lanes ? 16 : 0); o += 16) {
        let s = f32x4.splat(0), m = ninf;
        for (let r = r0, line = first + o; r < r1; r++, line += lineBytes) {
          for (let col = c0, p = line; col < c1; col++, p += rowBytes) {
            const v = v128.load(p);
            s = f32x4.add(s, v);
            if (withMax) m = f32x4.pmax(m, v);
          }
        }
        if (o < full) v128.store(y + o, result(s, m, count, withMax));
        else storeLanes(y + o, result(s, m, count, withMax), lanes);
      }
    }
  }
}

/** The n images of x (the kernel tests' entry): geometry = [k, stride, pad] (three i32). */
export function f32_avgpool_nwc(x: usize, n: i32, h: i32, w: i32, c: i32, geometry: usize, withMax: bool, out: usize): void {
  const k = load<i32>(geometry), stride = load<i32>(geometry, 4), pad = load<i32>(geometry, 8);
  poolRowsNhwc(x, h, w, c, k, stride, pad, withMax, out, 0, n * poolOutSize(h, k, stride, pad));
}
