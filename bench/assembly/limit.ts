// The "limit" of the benchmark: the least memory traffic an attention block can have. The SE
// family must read its input twice (a global pool, then the recalibration) and write its
// output once; CBAM reads it three times. These loops do exactly that traffic with the
// cheapest arithmetic that keeps every load alive, at the same SIMD width as excite.

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

/** y = x·f: one more read of x and the one write of y. */
@inline function scale(x: usize, y: usize, n: i32, f: v128): void {
  const end = x + (<usize>n << 2);
  for (; x < end; x += 16, y += 16) v128.store(y, f32x4.mul(v128.load(x), f));
}

/** Reads x twice and writes y once (SE, cSE, sSE, scSE). */
export function read2write1(x: usize, y: usize, n: i32): void {
  scale(x, y, n, sum(x, n));
}

/** Reads x three times and writes y once (CBAM). */
export function read3write1(x: usize, y: usize, n: i32): void {
  const s = sum(x, n);
  scale(x, y, n, f32x4.add(s, sum(x, n)));
}
