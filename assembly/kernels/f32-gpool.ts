// f32-gpool-cw: global pooling of NCHW planes, one statistic per (n, c) plane of `hw` floats.

import { POOL_AVGMAX, POOL_LP, POOL_LSE, POOL_MAX } from "../../bindings/constants";
import { hmax, hsum } from "../simd";
import { vexpNonPositive } from "../vmath";

// A reduction is an identity, a vector step, a scalar step and a lane reduction, plus how the
// NaNs its vector step may drop are flagged; `reducePlane` is instantiated per marker class with
// everything inlined.
@final class Sum {
  @inline init(): v128 { return f32x4.splat(0); }
  @inline step(acc: v128, v: v128): v128 { return f32x4.add(acc, v); }
  @inline nan(flags: v128, _v: v128): v128 { return flags; } // a sum keeps NaN itself
  @inline lanes(acc: v128): f32 { return hsum(acc); }
  @inline combine(a: v128, b: v128): v128 { return f32x4.add(a, b); }
  @inline scalar(acc: f32, v: f32): f32 { return acc + v; }
}
// The vector step is f32x4.pmax, one instruction (f32x4.max's NaN and ±0 rules cost V8 about
// eight); pmax drops a NaN, so NaN lanes are flagged apart and the result is NaN if any was
// seen, as torch.amax.
@final class Max {
  @inline init(): v128 { return f32x4.splat(-Infinity); }
  @inline step(acc: v128, v: v128): v128 { return f32x4.pmax(acc, v); }
  @inline nan(flags: v128, v: v128): v128 { return v128.or(flags, f32x4.ne(v, v)); }
  @inline lanes(acc: v128): f32 { return hmax(acc); }
  @inline combine(a: v128, b: v128): v128 { return f32x4.pmax(a, b); }
  @inline scalar(acc: f32, v: f32): f32 { return Mathf.max(acc, v); }
}

/** Reduces n contiguous floats at p: four vector accumulators over 16-float blocks, one over the rest, scalars last. */
@inline function reducePlane<Op>(p: usize, n: i32): f32 {
  const op = changetype<Op>(0);
  let a0 = op.init(), a1 = op.init(), a2 = op.init(), a3 = op.init();
  let nan = i32x4.splat(0);
  const end16 = p + (<usize>(n & ~15) << 2);
  for (; p < end16; p += 64) {
    const v0 = v128.load(p), v1 = v128.load(p, 16), v2 = v128.load(p, 32), v3 = v128.load(p, 48);
    a0 = op.step(a0, v0);
    a1 = op.step(a1, v1);
    a2 = op.step(a2, v2);
    a3 = op.step(a3, v3);
    nan = op.nan(op.nan(op.nan(op.nan(nan, v0), v1), v2), v3);
  }
  const end4 = p + (<usize>(n & 12) << 2);
  for (; p < end4; p += 16) {
    const v = v128.load(p);
    a0 = op.step(a0, v);
    nan = op.nan(nan, v);
  }
  let acc = op.lanes(op.combine(op.combine(a0, a1), op.combine(a2, a3)));
  if (v128.any_true(nan)) acc = NaN;
  for (let i = 0; i < (n & 3); i++) acc = op.scalar(acc, load<f32>(p + (<usize>i << 2)));
  return acc;
}

/**
 * The mean and the max of the n floats at p in one read (CBAM's default pools), as lanes 0 and 1:
 * the sum as reducePlane<Sum>'s, the max as reducePlane<Max>'s. A NaN among the values makes the
 * sum NaN, so the max needs no NaN flags of its own: where the sum is NaN (a NaN, or +∞ with −∞)
 * it is taken again by reducePlane<Max>.
 */
export function planeMeanMax(p: usize, n: i32): v128 {
  const start = p;
  let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0;
  let m0 = f32x4.splat(-Infinity), m1 = m0;
  const end16 = p + (<usize>(n & ~15) << 2);
  for (; p < end16; p += 64) {
    const v0 = v128.load(p), v1 = v128.load(p, 16), v2 = v128.load(p, 32), v3 = v128.load(p, 48);
    s0 = f32x4.add(s0, v0); s1 = f32x4.add(s1, v1); s2 = f32x4.add(s2, v2); s3 = f32x4.add(s3, v3);
    m0 = f32x4.pmax(m0, f32x4.pmax(v0, v1)); m1 = f32x4.pmax(m1, f32x4.pmax(v2, v3));
  }
  const end4 = p + (<usize>(n & 12) << 2);
  for (; p < end4; p += 16) {
    const v = v128.load(p);
    s0 = f32x4.add(s0, v);
    m0 = f32x4.pmax(m0, v);
  }
  let sum: f32 = hsum(f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3)));
  let max: f32 = hmax(f32x4.pmax(m0, m1));
  for (let i = 0; i < (n & 3); i++) {
    const v = load<f32>(p + (<usize>i << 2));
    sum += v;
    max = Mathf.max(max, v);
  }
  return f32x4(sum / <f32>n, isNaN(sum) ? reducePlane<Max>(start, n) : max, 0, 0);
}

/** mean[p] and max[p] of plane p in one read of it (CBAM's default pools, SE's 'avgmax'). */
export function f32_gavgmaxpool_cw(x: usize, planes: i32, hw: i32, mean: usize, max: usize): void {
  const bytes = <usize>hw << 2;
  for (let i = 0; i < planes; i++, x += bytes, mean += 4, max += 4) {
    const v = planeMeanMax(x, hw);
    store<f32>(mean, f32x4.extract_lane(v, 0));
    store<f32>(max, f32x4.extract_lane(v, 1));
  }
}

// ---- CBAM's further global pools (Woo et al., arXiv 1807.06521, official code's pool_types) ----

@final class SumSquares {
  @inline init(): v128 { return f32x4.splat(0); }
  @inline step(acc: v128, v: v128): v128 { return f32x4.add(acc, f32x4.mul(v, v)); }
  @inline nan(flags: v128, _v: v128): v128 { return flags; } // a sum keeps NaN itself
  @inline lanes(acc: v128): f32 { return hsum(acc); }
  @inline combine(a: v128, b: v128): v128 { return f32x4.add(a, b); }
  @inline scalar(acc: f32, v: f32): f32 { return acc + v * v; }
}

/** Sum of the n floats at p. */
export function planeSum(p: usize, n: i32): f32 { return reducePlane<Sum>(p, n); }
/** Mean of the n floats at p. */
@inline export function planeMean(p: usize, n: i32): f32 { return reducePlane<Sum>(p, n) / <f32>n; }

/**
 * Mean of x[i] + r[i] over the n floats at x and r (AFF's GAP(x + residual), each x + r rounded as
 * PyTorch's sum tensor): four vector accumulators over 16-float blocks, one over the rest, scalars last.
 */
export function planeMeanOfSum(x: usize, r: usize, n: i32): f32 {
  let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
  const end16 = x + (<usize>(n & ~15) << 2);
  for (; x < end16; x += 64, r += 64) {
    a0 = f32x4.add(a0, f32x4.add(v128.load(x), v128.load(r)));
    a1 = f32x4.add(a1, f32x4.add(v128.load(x, 16), v128.load(r, 16)));
    a2 = f32x4.add(a2, f32x4.add(v128.load(x, 32), v128.load(r, 32)));
    a3 = f32x4.add(a3, f32x4.add(v128.load(x, 48), v128.load(r, 48)));
  }
  const end4 = x + (<usize>(n & 12) << 2);
  for (; x < end4; x += 16, r += 16) a0 = f32x4.add(a0, f32x4.add(v128.load(x), v128.load(r)));
  let sum = hsum(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)));
  for (let i = 0; i < (n & 3); i++) sum += load<f32>(x + (<usize>i << 2)) + load<f32>(r + (<usize>i << 2));
  return sum / <f32>n;
}

/** y[p] = mean(x[p] + r[p]) for planes of hw floats (AFF's and iAFF's global pool of x + residual). */
export function f32_gavgpool2_cw(x: usize, r: usize, planes: i32, hw: i32, y: usize): void {
  const bytes = <usize>hw << 2;
  for (let i = 0; i < planes; i++, x += bytes, r += bytes, y += 4) store<f32>(y, planeMeanOfSum(x, r, hw));
}
/**
 * Max of the n floats at p, NaN-propagating as torch.amax. The steps are f32x4.pmax (one
 * instruction; f32x4.max's NaN semantics cost V8 about eight) with NaN lanes tracked in a
 * separate mask.
 */
@inline export function planeMax(p: usize, n: i32): f32 {
  let a0 = f32x4.splat(-Infinity), a1 = a0, a2 = a0, a3 = a0;
  let nan = i32x4.splat(0);
  let i = 0;
  for (; i + 16 <= n; i += 16, p += 64) {
    const v0 = v128.load(p), v1 = v128.load(p, 16), v2 = v128.load(p, 32), v3 = v128.load(p, 48);
    a0 = f32x4.pmax(a0, v0); a1 = f32x4.pmax(a1, v1); a2 = f32x4.pmax(a2, v2); a3 = f32x4.pmax(a3, v3);
    nan = v128.or(nan, v128.or(v128.or(f32x4.ne(v0, v0), f32x4.ne(v1, v1)), v128.or(f32x4.ne(v2, v2), f32x4.ne(v3, v3))));
  }
  for (; i + 4 <= n; i += 4, p += 16) {
    const v = v128.load(p);
    a0 = f32x4.pmax(a0, v);
    nan = v128.or(nan, f32x4.ne(v, v));
  }
  let m = hmax(f32x4.pmax(f32x4.pmax(a0, a1), f32x4.pmax(a2, a3)));
  for (; i < n; i++, p += 4) m = Mathf.max(m, load<f32>(p));
  return v128.any_true(nan) ? NaN : m;
}
/** The L2 norm sqrt(Σ x²) of the n floats at p (PyTorch's LPPool with norm 2 over the whole plane). */
@inline export function planeL2(p: usize, n: i32): f32 { return Mathf.sqrt(reducePlane<SumSquares>(p, n)); }

/**
 * log Σ e^x over the n floats at p, as torch.logsumexp: m + log Σ e^(x − m) with m the max, so
 * e^(x − m) ≤ 1 and vexpNonPositive applies. An infinite max is the result (torch's is too).
 */
@inline export function planeLse(p: usize, n: i32): f32 {
  const m = planeMax(p, n);
  if (Mathf.abs(m) == Infinity) return m;
  const vm = f32x4.splat(m);
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0);
  let i = 0;
  for (; i + 8 <= n; i += 8, p += 32) {
    a0 = f32x4.add(a0, vexpNonPositive(f32x4.sub(v128.load(p), vm)));
    a1 = f32x4.add(a1, vexpNonPositive(f32x4.sub(v128.load(p, 16), vm)));
  }
  if (i + 4 <= n) {
    a0 = f32x4.add(a0, vexpNonPositive(f32x4.sub(v128.load(p), vm)));
    i += 4; p += 16;
  }
  let s = hsum(f32x4.add(a0, a1));
  for (; i < n; i++, p += 4) s += f32x4.extract_lane(vexpNonPositive(f32x4.splat(load<f32>(p) - m)), 0);
  return Mathf.log(s) + m;
}

/** The global pool `pool` (POOL_*, bindings/constants.ts) of the n floats at p (a function of its own: the pools' code is in the module once). */
export function poolRow(pool: i32, p: usize, n: i32): f32 {
  if (pool == POOL_MAX) return planeMax(p, n);
  if (pool == POOL_LP) return planeL2(p, n);
  if (pool == POOL_LSE) return planeLse(p, n);
  if (pool == POOL_AVGMAX) return avgMaxRow(p, n);
  return planeMean(p, n);
}

/** 0.5·mean + 0.5·max of the n floats at p, in one read (timm's add_maxpool). */
@inline function avgMaxRow(p: usize, n: i32): f32 {
  const v = planeMeanMax(p, n);
  return <f32>0.5 * f32x4.extract_lane(v, 0) + <f32>0.5 * f32x4.extract_lane(v, 1);
}

/** y[p] = pool(plane p) for planes of hw floats, pool one of POOL_* (rows [begin, end) of one call: the caller offsets x and y). */
export function f32_gpool_cw(x: usize, planes: i32, hw: i32, pool: i32, y: usize): void {
  const bytes = <usize>hw << 2;
  for (let i = 0; i < planes; i++, x += bytes, y += 4) store<f32>(y, poolRow(pool, x, hw));
}

/**
 * Images [begin, end) of the means of per-tile partial sums: pooled[n, c] = (Σ over the image's
 * ⌈hw/tile⌉ tiles, in order, of partial[tile, c]) / hw (partial [N·tiles, c]).
 */
export function meansOfTiles(partial: usize, c: i32, hw: i32, tile: i32, pooled: usize, begin: i32, end: i32): void {
  const tiles = (hw + tile - 1) / tile;
  for (let img = begin; img < end; img++) {
    for (let ch = 0; ch < c; ch++) {
      let sum: f32 = 0;
      for (let t = 0; t < tiles; t++) sum += load<f32>(partial + (<usize>((img * tiles + t) * c + ch) << 2));
      store<f32>(pooled + (<usize>(img * c + ch) << 2), sum / <f32>hw);
    }
  }
}
