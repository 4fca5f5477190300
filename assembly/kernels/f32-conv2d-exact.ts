// f32-conv2d-exact: the output pixels of a convolution that the packed kernel (f32-conv2d.ts)
// would not compute as PyTorch does, computed by a scalar pass that skips the taps outside the
// image. The packed kernel is untouched and stays the path for ordinary weights (with Winograd,
// which a conv on this pass never takes: bindings/conv-params.ts usesWinograd); this pass
// runs only when the conv's record says so (`exact`, CONV_EXACT_*, set at create by
// bindings/conv-params.ts):
// - CONV_EXACT_BORDER, a weight is NaN or ±Inf: the packed kernel multiplies the zero padding by
//   every weight, and 0·NaN = 0·∞ = NaN, so each pixel whose taps reach the padding would be NaN.
//   PyTorch's CPU convolution (mkldnn, which it takes for batches > 1, grouped or > 3×3 kernels
//   and large inputs) skips those taps: a non-finite weight reaches only the pixels where its tap
//   lands inside the image. This pass recomputes the pixels whose taps reach the padding.
// - CONV_EXACT_ALL, a batch norm after the conv could not be folded into its weights exactly
//   (a scale that is not finite, or folded weights that overflow: bindings/batchnorm.ts): every
//   pixel is computed here as PyTorch computes it, (Σ w·x + b)·postScale + postShift.
// Both then apply the conv's epilogue. Weights are the unpacked [cout, cin/groups, kh, kw].

import { CONV_EXACT_ALL, CONV_EXACT_NONE, EPILOGUE_RELU, EPILOGUE_SIGMOID } from "../../bindings/constants";
import { vsigmoid } from "../vmath";
import { ConvParams, convOutSize } from "./f32-conv2d";

@inline function outH(p: ConvParams, h: i32): i32 { return convOutSize(h, p.kh, p.sh, p.dh, p.ph); }
@inline function outW(p: ConvParams, w: i32): i32 { return convOutSize(w, p.kw, p.sw, p.dw, p.pw); }

/** Work items of the exact pass: one per output row (image, output channel, row); 0 when it has nothing to do. */
export function convExactItems(c: usize, n: i32, h: i32, w: i32): i32 {
  const p = changetype<ConvParams>(c);
  if (p.exact == CONV_EXACT_NONE || (p.exact != CONV_EXACT_ALL && p.ph == 0 && p.pw == 0)) return 0;
  const oh = outH(p, h), ow = outW(p, w);
  return oh <= 0 || ow <= 0 ? 0 : n * p.cout * oh;
}

/** Whether output index o along an axis (input size, kernel, stride, dilation, padding) has a tap outside [0, size). */
@inline function reachesPadding(o: i32, size: i32, k: i32, s: i32, d: i32, pad: i32): bool {
  const first = o * s - pad;
  return first < 0 || first + (k - 1) * d >= size;
}

/**
 * One output pixel: Σ over the taps inside the image of w·x (x through the input transform), then
 * bias, affine, epilogue. Also the Winograd output transform's fallback (f32-conv3x3-winograd.ts).
 */
export function exactPixel(p: ConvParams, x: usize, img: i32, co: i32, oy: i32, ox: i32, h: i32, w: i32): f32 {
  const cinG = p.cin / p.groups, g = co / (p.cout / p.groups);
  let acc: f32 = 0;
  let wk = p.exactWeights + (<usize>(co * cinG * p.kh * p.kw) << 2);
  for (let ci = 0; ci < cinG; ci++) {
    const c = g * cinG + ci;
    const plane = x + ((<usize>(img * p.xChannels + c) * <usize>(h * w)) << 2);
    const pre = p.preScale != 0;
    const a: f32 = pre ? load<f32>(p.preScale + (<usize>c << 2)) : 1;
    const b: f32 = pre ? load<f32>(p.preShift + (<usize>c << 2)) : 0;
    for (let ky = 0; ky < p.kh; ky++) {
      const iy = oy * p.sh - p.ph + ky * p.dh;
      for (let kx = 0; kx < p.kw; kx++, wk += 4) {
        const ix = ox * p.sw - p.pw + kx * p.dw;
        if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
        let v = load<f32>(plane + (<usize>(iy * w + ix) << 2));
        if (pre) v = Mathf.max(v * a + b, 0); // relu(bn(x)), NaN-propagating as the packed kernel's
        acc += load<f32>(wk) * v;
      }
    }
  }
  let v = acc + (p.bias ? load<f32>(p.bias + (<usize>co << 2)) : 0);
  if (p.postScale) v = v * load<f32>(p.postScale + (<usize>co << 2)) + load<f32>(p.postShift + (<usize>co << 2));
  if (p.epilogue == EPILOGUE_RELU) v = Mathf.max(v, 0);
  else if (p.epilogue == EPILOGUE_SIGMOID) v = f32x4.extract_lane(vsigmoid(f32x4.splat(v)), 0);
  return v;
}

/**
 * Items [begin, end) of convExactItems on x [n, cin, h, w] into y [n, cout, oh, ow] (written by
 * the packed kernel first, except with CONV_EXACT_ALL): each item's row, all of it or its pixels
 * whose taps reach the padding. y must not alias x.
 */
export function convExact(c: usize, x: usize, y: usize, h: i32, w: i32, begin: i32, end: i32): void {
  const p = changetype<ConvParams>(c);
  const oh = outH(p, h), ow = outW(p, w);
  const all = p.exact == CONV_EXACT_ALL;
  for (let item = begin; item < end; item++) {
    const oy = item % oh, co = (item / oh) % p.cout, img = item / (oh * p.cout);
    const rowBorder = all || reachesPadding(oy, h, p.kh, p.sh, p.dh, p.ph);
    const row = y + (<usize>item * <usize>ow << 2);
    for (let ox = 0; ox < ow; ox++) {
      if (rowBorder || reachesPadding(ox, w, p.kw, p.sw, p.dw, p.pw)) store<f32>(row + (<usize>ox << 2), exactPixel(p, x, img, co, oy, ox, h, w));
    }
  }
}
