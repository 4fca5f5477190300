// f32-rowmoments: the mean and the biased variance of a row of n floats exactly as PyTorch's CPU
// LayerNorm computes them in float32 (torch 1.13, aten/src/ATen/native/cpu/moments_utils.h
// RowwiseMoments, with 8-float vectors: AVX2's and the default build's): Welford over the row's
// whole 8-float vectors lane by lane, chunks of 16 vectors merged pairwise up a stack of
// CeilLog2(chunks) levels, then a scalar Welford over the n mod 8 tail floats, into which the 8
// lanes are merged one by one. A merge adds δ²·c·m0 to M2, which is ∞·0 = NaN when δ² overflows
// and the side merged into is empty: PyTorch's LayerNorm of values whose mean exceeds ~1.8e19 in
// magnitude is NaN, of values whose M2 overflows β (rstd = 0). The one caller, f32-layernorm.ts,
// takes these statistics only where they are not finite (elsewhere its double ones are the more
// exact). Every step is one float32 operation, in PyTorch's order (no fused multiply-add).

/** Floats of one stack level: m1 [8], m2 [8], m0 (as i32), padding to a 16-byte multiple. */
const LEVEL = 20;

/** PyTorch's CeilLog2 (aten/src/ATen/native/cpu/utils.h): 1 for x ≤ 2. */
@inline function ceilLog2(x: i32): i32 {
  return x <= 2 ? 1 : 32 - clz(x - 1);
}

/** Levels of the merge stack for a row of n floats. */
@inline function depthOf(n: i32): i32 {
  return ceilLog2(((n >> 3) + 15) >> 4);
}

/** Floats of the scratch torchRowMoments takes for a row of n floats. */
export function rowMomentsScratch(n: i32): i32 {
  return depthOf(n) * LEVEL;
}

/**
 * AddMomentsVec: the moments (m0Add, a1, a2) of 8 lanes (two vectors each) merged into those of
 * stack level `at`: n = m0 + m0Add, c = m0Add/n (0 when n = 0), δ = a1 − m1, m1 += c·δ,
 * m2 += a2 + δ·δ·c·m0.
 */
@inline function mergeInto(at: usize, m0Add: i32, a1lo: v128, a1hi: v128, a2lo: v128, a2hi: v128): void {
  const m0 = load<i32>(at, 64), n = m0 + m0Add;
  const c = f32x4.splat(n == 0 ? <f32>0 : <f32>m0Add / <f32>n), vm0 = f32x4.splat(<f32>m0);
  const dlo = f32x4.sub(a1lo, v128.load(at)), dhi = f32x4.sub(a1hi, v128.load(at, 16));
  v128.store(at, f32x4.add(v128.load(at), f32x4.mul(c, dlo)));
  v128.store(at, f32x4.add(v128.load(at, 16), f32x4.mul(c, dhi)), 16);
  v128.store(at, f32x4.add(v128.load(at, 32), f32x4.add(a2lo, f32x4.mul(f32x4.mul(f32x4.mul(dlo, dlo), c), vm0))), 32);
  v128.store(at, f32x4.add(v128.load(at, 48), f32x4.add(a2hi, f32x4.mul(f32x4.mul(f32x4.mul(dhi, dhi), c), vm0))), 48);
  store<i32>(at, n, 64);
}

/** Stack level `from` merged into level `to`. */
@inline function mergeLevel(from: usize, to: usize): void {
  mergeInto(to, load<i32>(from, 64), v128.load(from), v128.load(from, 16), v128.load(from, 32), v128.load(from, 48));
}

@inline function level(stack: usize, j: i32): usize {
  return stack + (<usize>(j * LEVEL) << 2);
}

/** (mean, biased variance, 0, 0) of the n ≥ 1 floats at x as PyTorch's float32 RowwiseMoments; stack has rowMomentsScratch(n) floats. */
export function torchRowMoments(x: usize, n: i32, stack: usize): v128 {
  const vectors = n >> 3, chunks = (vectors + 15) >> 4, depth = depthOf(n);
  memory.fill(stack, 0, <usize>(depth * LEVEL) << 2);
  for (let i = 0; i < chunks; i++) {
    // Welford over the chunk's vectors, lane by lane: m1 += δ·(1/(j + 1)), m2 += δ·(x − m1)
    const m0 = min(16, vectors - i * 16);
    let m1lo = f32x4.splat(0), m1hi = m1lo, m2lo = m1lo, m2hi = m1lo;
    let p = x + (<usize>(i * 128) << 2);
    for (let j = 0; j < m0; j++, p += 32) {
      const c = f32x4.splat(<f32>1 / <f32>(j + 1));
      const xlo = v128.load(p), xhi = v128.load(p, 16);
      const dlo = f32x4.sub(xlo, m1lo), dhi = f32x4.sub(xhi, m1hi);
      m1lo = f32x4.add(m1lo, f32x4.mul(dlo, c));
      m1hi = f32x4.add(m1hi, f32x4.mul(dhi, c));
      m2lo = f32x4.add(m2lo, f32x4.mul(dlo, f32x4.sub(xlo, m1lo)));
      m2hi = f32x4.add(m2hi, f32x4.mul(dhi, f32x4.sub(xhi, m1hi)));
    }
    mergeInto(stack, m0, m1lo, m1hi, m2lo, m2hi);
    // the binary-counter cascade: level j − 1 into level j while the chunk count's bit j − 1 is 0
    let mask = i + 1;
    for (let j = 1; j < depth && (mask & 1) == 0; j++, mask >>= 1) {
      mergeLevel(level(stack, j - 1), level(stack, j));
      memory.fill(level(stack, j - 1), 0, <usize>LEVEL << 2);
    }
  }
  for (let j = 1; j < depth; j++) mergeLevel(level(stack, j), stack);
  // the tail, scalar Welford; then AddMoments of each lane (vectors values each) into it
  let m0 = 0, m1: f32 = 0, m2: f32 = 0;
  for (let i = vectors << 3; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    const d = v - m1;
    m0++;
    m1 += d / <f32>m0;
    m2 += d * (v - m1);
  }
  for (let lane = 0; lane < 8; lane++) {
    const total = m0 + vectors;
    const c: f32 = total == 0 ? 0 : <f32>vectors / <f32>total;
    const d = load<f32>(stack + (<usize>lane << 2)) - m1;
    m1 += c * d;
    m2 += load<f32>(stack + (<usize>(8 + lane) << 2)) + d * d * c * <f32>m0;
    m0 = total;
  }
  return f32x4(m1, m2 / <f32>n, 0, 0);
}
