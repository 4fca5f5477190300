// f32-dense: a fully connected layer on a few rows (the excitation MLP of SE-style blocks).
// Outputs go four at a time: each vector of the input row is loaded once for four weight rows,
// so the loop is bound by streaming the weights (the largest operand for wide blocks).

import { hsum, madd } from "../simd";

/** Σ_i a[i]·b[i] over n floats: two vector accumulators, scalar tail. */
@inline export function dot(a: usize, b: usize, n: i32): f32 {
  let acc0 = f32x4.splat(0), acc1 = f32x4.splat(0);
  const end8 = a + (<usize>(n & ~7) << 2);
  for (; a < end8; a += 32, b += 32) {
    acc0 = madd(v128.load(a), v128.load(b), acc0);
    acc1 = madd(v128.load(a, 16), v128.load(b, 16), acc1);
  }
  if (n & 4) {
    acc0 = madd(v128.load(a), v128.load(b), acc0);
    a += 16; b += 16;
  }
  let s = hsum(f32x4.add(acc0, acc1));
  for (let i = 0; i < (n & 3); i++) s += load<f32>(a + (<usize>i << 2)) * load<f32>(b + (<usize>i << 2));
  return s;
}

/** Σ_i w[i]·x[i] for the n mod 4 floats from byte offset `at` of a weight row w and the input x. */
@inline function tailDot(w: usize, x: usize, at: usize, n: i32): f32 {
  let s: f32 = 0;
  for (let i = 0; i < (n & 3); i++) s += load<f32>(w + at + (<usize>i << 2)) * load<f32>(x + at + (<usize>i << 2));
  return s;
}

/**
 * y[o] = bias[o] + Σ_i w[o, i]·x[i] for o < outDim over one input row x of inDim floats, the weight
 * rows wRowBytes apart (inDim·4 for a weight matrix; a plane's stride for the rows of a tensor);
 * bias 0 = none.
 */
export function denseRow(x: usize, inDim: i32, w: usize, wRowBytes: usize, bias: usize, outDim: i32, y: usize): void {
  const vecBytes = <usize>(inDim & ~3) << 2;
  let wo = w, o = 0;
  for (; o + 4 <= outDim; o += 4, wo += wRowBytes << 2, y += 16) {
    const w1 = wo + wRowBytes, w2 = w1 + wRowBytes, w3 = w2 + wRowBytes;
    let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
    for (let i: usize = 0; i < vecBytes; i += 16) {
      const xv = v128.load(x + i);
      a0 = madd(v128.load(wo + i), xv, a0);
      a1 = madd(v128.load(w1 + i), xv, a1);
      a2 = madd(v128.load(w2 + i), xv, a2);
      a3 = madd(v128.load(w3 + i), xv, a3);
    }
    const b = bias ? v128.load(bias + (<usize>o << 2)) : f32x4.splat(0);
    store<f32>(y, hsum(a0) + tailDot(wo, x, vecBytes, inDim) + f32x4.extract_lane(b, 0));
    store<f32>(y, hsum(a1) + tailDot(w1, x, vecBytes, inDim) + f32x4.extract_lane(b, 1), 4);
    store<f32>(y, hsum(a2) + tailDot(w2, x, vecBytes, inDim) + f32x4.extract_lane(b, 2), 8);
    store<f32>(y, hsum(a3) + tailDot(w3, x, vecBytes, inDim) + f32x4.extract_lane(b, 3), 12);
  }
  for (; o < outDim; o++, wo += wRowBytes, y += 4) {
    const b: f32 = bias ? load<f32>(bias + (<usize>o << 2)) : 0;
    store<f32>(y, dot(wo, x, inDim) + b);
  }
}

/** y[r, o] = bias[o] + Σ_i w[o, i]·x[r, i] for r < rows; w is [outDim, inDim] row-major; bias 0 = none. */
export function f32_dense(x: usize, rows: i32, inDim: i32, w: usize, bias: usize, outDim: i32, y: usize): void {
  const rowBytes = <usize>inDim << 2, outBytes = <usize>outDim << 2;
  for (let r = 0; r < rows; r++, x += rowBytes, y += outBytes) denseRow(x, inDim, w, rowBytes, bias, outDim, y);
}

/**
 * A grouped fully connected layer on one row (a grouped 1×1 convolution of a vector): group g
 * maps x[g·inG, (g + 1)·inG) to y[g·outG, (g + 1)·outG) by w's rows [g·outG, (g + 1)·outG)
 * (w [groups·outG, inG]) plus bias (0 = none).
 */
export function f32_dense_grouped(x: usize, groups: i32, inG: i32, w: usize, bias: usize, outG: i32, y: usize): void {
  const inBytes = <usize>inG << 2, outBytes = <usize>outG << 2;
  for (let g = 0; g < groups; g++) {
    f32_dense(x + <usize>g * inBytes, 1, inG, w + <usize>g * outBytes * <usize>inG, bias ? bias + <usize>g * outBytes : 0, outG, y + <usize>g * outBytes);
  }
}
