// f32-dense: a fully connected layer on a few rows (the excitation MLP of SE-style blocks).

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

/** y[r, o] = bias[o] + Σ_i w[o, i]·x[r, i] for r < rows; w is [outDim, inDim] row-major; bias 0 = none. */
export function f32_dense(x: usize, rows: i32, inDim: i32, w: usize, bias: usize, outDim: i32, y: usize): void {
  const rowBytes = <usize>inDim << 2;
  for (let r = 0; r < rows; r++, x += rowBytes) {
    let wo = w;
    for (let o = 0; o < outDim; o++, wo += rowBytes, y += 4) {
      const b: f32 = bias ? load<f32>(bias + (<usize>o << 2)) : 0;
      store<f32>(y, dot(wo, x, inDim) + b);
    }
  }
}
