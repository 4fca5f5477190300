// The "limit" of the benchmark: the least memory traffic an attention block can have. A block
// that reads its input k times (the registry's `reads`: the SE family twice, a global pool then
// the recalibration; CBAM three times) and writes its output once cannot be faster than a loop
// that does exactly that traffic with the cheapest arithmetic that keeps every load alive, at
// the same SIMD width as excite. Two-input blocks (AFF, iAFF) read both inputs k times.

/** Bump allocation over the probe's memory (it never frees): returns a 16-byte aligned offset. */
export function alloc(bytes: usize): usize {
  return heap.alloc(bytes + 16);
}

/** Σ x over n floats (n a multiple of 4; the benchmark's tensors are). */
@inline function sum(x: usize, n: i32): v128 {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  const end = x + (<usize>n << 2);
  let p = x;
  for (; p + 64 <= end; p += 64) {
    a0 = f32x4.add(a0, v128.load(p));
    a1 = f32x4.add(a1, v128.load(p, 16));
    a2 = f32x4.add(a2, v128.load(p, 32));
    a3 = f32x4.add(a3, v128.load(p, 48));
  }
  for (; p < end; p += 16) a0 = f32x4.add(a0, v128.load(p));
  return f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3));
}

/**
 * `inputs` tensors of n floats each, one after another from x, read `reads` times and y (n floats)
 * written once: reads − 1 summing passes over every input, then y = f·Σ_i x_i.
 */
export function limit(x: usize, inputs: i32, y: usize, n: i32, reads: i32): void {
  let f = f32x4.splat(1);
  for (let r = 1; r < reads; r++) f = f32x4.add(f, sum(x, inputs * n));
  const bytes = <usize>n << 2, end = y + bytes;
  if (inputs == 1) {
    for (; y < end; x += 16, y += 16) v128.store(y, f32x4.mul(v128.load(x), f));
  } else {
    for (; y < end; x += 16, y += 16) v128.store(y, f32x4.mul(f32x4.add(v128.load(x), v128.load(x + bytes)), f));
  }
}
