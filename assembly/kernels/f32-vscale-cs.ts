// f32-vscale-cs-cw: recalibration of NCHW tensors by a per-channel and a per-pixel factor in one
// pass, y = (x·s[n, c])·q[n, i] (CBAM's x·ca·sa, in PyTorch's order of rounding), optionally
// followed by a residual add and a ReLU (the residual blocks' relu(out + identity)). y may alias
// x or the residual.

import { storeLanes } from "../simd";

// What follows the scaling: nothing, or + r then relu.
@final class Plain { @inline apply(v: v128, _r: usize): v128 { return v; } }
@final class ResidualRelu { @inline apply(v: v128, r: usize): v128 { return f32x4.max(f32x4.add(v, v128.load(r)), f32x4.splat(0)); } }

@inline function scaleCS<Op>(x: usize, n: i32, c: i32, hw: i32, s: usize, q: usize, r: usize, y: usize): void {
  const op = changetype<Op>(0);
  const planeBytes = <usize>hw << 2;
  const vecBytes = <usize>(hw & ~3) << 2;
  const tail = hw & 3;
  for (let img = 0; img < n; img++, q += planeBytes) {
    for (let ch = 0; ch < c; ch++, s += 4, x += planeBytes, y += planeBytes, r += planeBytes) {
      const f = v128.load32_splat(s);
      let i: usize = 0;
      // Four vectors per step at immediate offsets (one address computation per operand per step).
      for (; i + 64 <= vecBytes; i += 64) {
        const xi = x + i, qi = q + i, yi = y + i, ri = r + i;
        v128.store(yi, op.apply(f32x4.mul(f32x4.mul(v128.load(xi), f), v128.load(qi)), ri));
        v128.store(yi, op.apply(f32x4.mul(f32x4.mul(v128.load(xi, 16), f), v128.load(qi, 16)), ri + 16), 16);
        v128.store(yi, op.apply(f32x4.mul(f32x4.mul(v128.load(xi, 32), f), v128.load(qi, 32)), ri + 32), 32);
        v128.store(yi, op.apply(f32x4.mul(f32x4.mul(v128.load(xi, 48), f), v128.load(qi, 48)), ri + 48), 48);
      }
      for (; i < vecBytes; i += 16) v128.store(y + i, op.apply(f32x4.mul(f32x4.mul(v128.load(x + i), f), v128.load(q + i)), r + i));
      if (tail) storeLanes(y + i, op.apply(f32x4.mul(f32x4.mul(v128.load(x + i), f), v128.load(q + i)), r + i), tail);
    }
  }
}

/** y[n, c, i] = (x[n, c, i]·s[n, c])·q[n, i]. */
export function f32_vscale_cs_cw(x: usize, n: i32, c: i32, hw: i32, s: usize, q: usize, y: usize): void {
  scaleCS<Plain>(x, n, c, hw, s, q, 0, y);
}

/** y = relu((x·s[n, c])·q[n, i] + r), r shaped as x. */
@inline export function scaleCSResidualRelu(x: usize, n: i32, c: i32, hw: i32, s: usize, q: usize, r: usize, y: usize): void {
  scaleCS<ResidualRelu>(x, n, c, hw, s, q, r, y);
}
