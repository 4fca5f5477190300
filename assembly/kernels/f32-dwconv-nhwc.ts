// f32-dwconv-nhwc: a depthwise convolution (groups = C: one k×k filter per channel) of NHWC
// images, any kernel, stride, dilation and zero padding, then the bias, the affine of a batch norm
// that did not fold into it (its record's postScale, postShift) and the record's epilogue (ReLU or
// none): gather-excite's gather convs in NHWC (timm timm/layers/gather_excite.py: depthwise 3×3
// stride 2, or one of kernel feat_size, each with its BN).
//
// Depthwise in NHWC vectorises along the channels: an output pixel's channels are sixteen (then
// four, then the last partial vector) accumulators over the filter's taps, each tap one vector
// load of the input pixel and one of the weights, stored tap-major [kh][kw][C] for that. Only the
// taps that land inside the image are summed, as PyTorch's CPU convolution (mkldnn) does: a NaN or
// ±Inf weight reaches only the pixels where its tap lands inside. A work item is one output row of
// one image; it reads the input where it is (no packed copy).

import { EPILOGUE_RELU } from "../../bindings/constants";
import { madd, storeLanes } from "../simd";
import { ConvParams, convOutSize } from "./f32-conv2d";

/** act((acc + bias)·scale + shift) of the four channels at byte offset o (bias, scale 0 = none). */
@inline function epilogue(p: ConvParams, acc: v128, o: usize): v128 {
  let v = p.bias ? f32x4.add(acc, v128.load(p.bias + o)) : acc;
  if (p.postScale) v = f32x4.add(f32x4.mul(v, v128.load(p.postScale + o)), v128.load(p.postShift + o));
  return p.epilogue == EPILOGUE_RELU ? f32x4.max(v, f32x4.splat(0)) : v;
}

/** The first tap t ≥ 0 of a kernel of dilation d whose input index start + t·d is ≥ 0. */
@inline function tapFirst(start: i32, d: i32): i32 { return start >= 0 ? 0 : (d - 1 - start) / d; }
/** The end of the taps t < k whose input index start + t·d is < size (≤ the first tap: none). */
@inline function tapEnd(start: i32, d: i32, k: i32, size: i32): i32 { return min(k, (size - start + d - 1) / d); }

/**
 * Output rows [begin, end) (index n·oh + oy) of y [N][oh][ow][C] = the depthwise conv `conv`
 * (a ConvParams record, weights [kh][kw][C]) of x [N][h][w][C]. y must not alias x. Each output
 * pixel sums the taps [ky0, ky1) × [kx0, kx1) that land inside the image.
 */
export function dwconvRowsNhwc(conv: usize, x: usize, h: i32, w: i32, y: usize, begin: i32, end: i32): void {
  const p = changetype<ConvParams>(conv);
  const c = p.cin, oh = convOutSize(h, p.kh, p.sh, p.dh, p.ph), ow = convOutSize(w, p.kw, p.sw, p.dw, p.pw);
  const rowBytes = <usize>c << 2, lineBytes = <usize>w * rowBytes, tapBytes = <usize>p.dw * rowBytes;
  const full = <usize>(c & ~3) << 2, full16 = full & ~63, lanes = c & 3;
  const zero = f32x4.splat(0);
  for (let item = begin; item < end; item++) {
    const img = item / oh, oy = item % oh;
    const iy0 = oy * p.sh - p.ph, ky0 = tapFirst(iy0, p.dh), ky1 = tapEnd(iy0, p.dh, p.kh, h);
    const xi = x + <usize>img * <usize>h * lineBytes;
    let out = y + <usize>item * <usize>ow * rowBytes;
    for (let ox = 0; ox < ow; ox++, out += rowBytes) {
      const ix0 = ox * p.sw - p.pw, kx0 = tapFirst(ix0, p.dw), kx1 = tapEnd(ix0, p.dw, p.kw, w);
      // tap (ky, kx0)'s input pixel and weights: base + (iy0 + ky·dh)·lineBytes, wbase + ky·kw·rowBytes
      const base = xi + <usize>(ix0 + kx0 * p.dw) * rowBytes, wbase = p.weights + <usize>kx0 * rowBytes;
      let o: usize = 0;
      for (; o < full16; o += 64) {
        let a0 = zero, a1 = zero, a2 = zero, a3 = zero;
        for (let ky = ky0; ky < ky1; ky++) {
          let px = base + <usize>(iy0 + ky * p.dh) * lineBytes + o, wk = wbase + <usize>(ky * p.kw) * rowBytes + o;
          for (let kx = kx0; kx < kx1; kx++, px += tapBytes, wk += rowBytes) {
            a0 = madd(v128.load(wk), v128.load(px), a0); a1 = madd(v128.load(wk, 16), v128.load(px, 16), a1);
            a2 = madd(v128.load(wk, 32), v128.load(px, 32), a2); a3 = madd(v128.load(wk, 48), v128.load(px, 48), a3);
          }
        }
        v128.store(out + o, epilogue(p, a0, o)); v128.store(out + o, epilogue(p, a1, o + 16), 16);
        v128.store(out + o, epilogue(p, a2, o + 32), 32); v128.store(out + o, epilogue(p, a3, o + 48), 48);
      }
      // the rest a vector at a time; the last partial vector over-reads the pixel row, the weights
      // and the per-channel vectors, and stores only its lanes
      for (; o < full + (lanes ? 16 : 0); o += 16) {
        let a = zero;
        for (let ky = ky0; ky < ky1; ky++) {
          let px = base + <usize>(iy0 + ky * p.dh) * lineBytes + o, wk = wbase + <usize>(ky * p.kw) * rowBytes + o;
          for (let kx = kx0; kx < kx1; kx++, px += tapBytes, wk += rowBytes) a = madd(v128.load(wk), v128.load(px), a);
        }
        if (o < full) v128.store(out + o, epilogue(p, a, o));
        else storeLanes(out + o, epilogue(p, a, o), lanes);
      }
    }
  }
}

/** The n images of x (the kernel tests' entry). */
export function f32_dwconv_nwc(conv: usize, x: usize, n: i32, h: i32, w: i32, y: usize): void {
  const p = changetype<ConvParams>(conv);
  dwconvRowsNhwc(conv, x, h, w, y, 0, n * convOutSize(h, p.kh, p.sh, p.dh, p.ph));
}
