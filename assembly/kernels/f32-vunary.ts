// f32-v*: elementwise gates and activations over a contiguous array, y may alias x.

import { storeLanes } from "../simd";
import { vhardsigmoid, vhardswish, vrelu, vsigmoid, vsilu } from "../vmath";

// One marker class per operation; `map` is instantiated per class and the call inlined.
@final class Sigmoid { @inline apply(x: v128, _a: v128, _b: v128): v128 { return vsigmoid(x); } }
@final class HardSigmoid { @inline apply(x: v128, a: v128, b: v128): v128 { return vhardsigmoid(x, a, b); } }
@final class Relu { @inline apply(x: v128, _a: v128, _b: v128): v128 { return vrelu(x); } }
@final class Silu { @inline apply(x: v128, _a: v128, _b: v128): v128 { return vsilu(x); } }
@final class HardSwish { @inline apply(x: v128, _a: v128, _b: v128): v128 { return vhardswish(x); } }
/**
 * x·(relu6(x + 3)/6), the official h_swish of coordinate attention (coordatt.py: x·h_sigmoid(x)):
 * the quotient first, so that x·6 never overflows (PyTorch's hardswish, (x·relu6(x + 3))/6, is ∞
 * for x > 5.7e37).
 */
@final class HSwish {
  @inline apply(x: v128, _a: v128, _b: v128): v128 {
    const t = f32x4.min(f32x4.max(f32x4.add(x, f32x4.splat(3)), f32x4.splat(0)), f32x4.splat(6));
    return f32x4.mul(x, f32x4.div(t, f32x4.splat(6)));
  }
}

/** y[i] = Op(x[i]) for i < n; the last partial vector over-reads x (see memory.ts) and stores only its lanes. */
@inline function map<Op>(x: usize, n: i32, y: usize, alpha: f32, beta: f32): void {
  const op = changetype<Op>(0);
  const a = f32x4.splat(alpha);
  const b = f32x4.splat(beta);
  const end = x + (<usize>(n & ~3) << 2);
  for (; x < end; x += 16, y += 16) v128.store(y, op.apply(v128.load(x), a, b));
  if (n & 3) storeLanes(y, op.apply(v128.load(x), a, b), n & 3);
}

export function f32_vsigmoid(x: usize, n: i32, y: usize): void { map<Sigmoid>(x, n, y, 0, 0); }
export function f32_vhardsigmoid(x: usize, n: i32, alpha: f32, beta: f32, y: usize): void { map<HardSigmoid>(x, n, y, alpha, beta); }
export function f32_vrelu(x: usize, n: i32, y: usize): void { map<Relu>(x, n, y, 0, 0); }
export function f32_vsilu(x: usize, n: i32, y: usize): void { map<Silu>(x, n, y, 0, 0); }
export function f32_vhardswish(x: usize, n: i32, y: usize): void { map<HardSwish>(x, n, y, 0, 0); }
export function f32_vhswish(x: usize, n: i32, y: usize): void { map<HSwish>(x, n, y, 0, 0); }

/** x[r, i] = x[r, i]·scale[i] + shift[i] in place, for r < rows, i < dim: a batch norm kept as its affine. */
export function f32_vaffineRows(x: usize, rows: i32, dim: i32, scale: usize, shift: usize): void {
  for (let r = 0; r < rows; r++) {
    let i = 0;
    for (; i + 4 <= dim; i += 4, x += 16) {
      const at = <usize>i << 2;
      v128.store(x, f32x4.add(f32x4.mul(v128.load(x), v128.load(scale + at)), v128.load(shift + at)));
    }
    for (; i < dim; i++, x += 4) store<f32>(x, load<f32>(x) * load<f32>(scale + (<usize>i << 2)) + load<f32>(shift + (<usize>i << 2)));
  }
}
