// f32-gpool-cw: global pooling of NCHW planes, one statistic per (n, c) plane of `hw` floats.

import { hmax, hsum } from "../simd";

// A reduction is an identity, a vector step, a scalar step and a lane reduction; `reducePlane`
// is instantiated per marker class with everything inlined.
@final class Sum {
  @inline init(): v128 { return f32x4.splat(0); }
  @inline step(acc: v128, v: v128): v128 { return f32x4.add(acc, v); }
  @inline lanes(acc: v128): f32 { return hsum(acc); }
  @inline combine(a: v128, b: v128): v128 { return f32x4.add(a, b); }
  @inline scalar(acc: f32, v: f32): f32 { return acc + v; }
}
@final class Max {
  @inline init(): v128 { return f32x4.splat(-Infinity); }
  @inline step(acc: v128, v: v128): v128 { return f32x4.max(acc, v); }
  @inline lanes(acc: v128): f32 { return hmax(acc); }
  @inline combine(a: v128, b: v128): v128 { return f32x4.max(a, b); }
  @inline scalar(acc: f32, v: f32): f32 { return Mathf.max(acc, v); }
}

/** Reduces n contiguous floats at p: four vector accumulators over 16-float blocks, one over the rest, scalars last. */
@inline function reducePlane<Op>(p: usize, n: i32): f32 {
  const op = changetype<Op>(0);
  let a0 = op.init(), a1 = op.init(), a2 = op.init(), a3 = op.init();
  const end16 = p + (<usize>(n & ~15) << 2);
  for (; p < end16; p += 64) {
    a0 = op.step(a0, v128.load(p));
    a1 = op.step(a1, v128.load(p, 16));
    a2 = op.step(a2, v128.load(p, 32));
    a3 = op.step(a3, v128.load(p, 48));
  }
  const end4 = p + (<usize>(n & 12) << 2);
  for (; p < end4; p += 16) a0 = op.step(a0, v128.load(p));
  let acc = op.lanes(op.combine(op.combine(a0, a1), op.combine(a2, a3)));
  for (let i = 0; i < (n & 3); i++) acc = op.scalar(acc, load<f32>(p + (<usize>i << 2)));
  return acc;
}

/** y[p] = mean of plane p (GAP), for `planes` planes of `hw` floats. */
export function f32_gavgpool_cw(x: usize, planes: i32, hw: i32, y: usize): void {
  const bytes = <usize>hw << 2;
  for (let i = 0; i < planes; i++, x += bytes, y += 4) store<f32>(y, reducePlane<Sum>(x, hw) / <f32>hw);
}

/** y[p] = max of plane p (GMP). */
export function f32_gmaxpool_cw(x: usize, planes: i32, hw: i32, y: usize): void {
  const bytes = <usize>hw << 2;
  for (let i = 0; i < planes; i++, x += bytes, y += 4) store<f32>(y, reducePlane<Max>(x, hw));
}
