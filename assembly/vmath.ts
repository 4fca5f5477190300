// Vector (f32x4) elementwise math: exp, the gates and the activations of SPEC §1.

import { ACT_HARDSWISH, ACT_RELU, ACT_SILU, GATE_HARDSIGMOID } from "../bindings/constants";
import { madd } from "./simd";

// exp(z) = 2^n · e^r with n = round(z / ln2) and r = z − n·ln2 in [−ln2/2, ln2/2].
// ln2 is split Cody–Waite style (LN2_HI has 9 significant bits, so n·LN2_HI is exact for
// |n| < 2^15); e^r is Cephes' expf polynomial (relative error about 1 ulp on that range).
const LOG2E: f32 = 1.44269504088896341;
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;
const P0: f32 = 1.9875691500e-4;
const P1: f32 = 1.3981999507e-3;
const P2: f32 = 8.3334519073e-3;
const P3: f32 = 4.1665795894e-2;
const P4: f32 = 1.6666665459e-1;
const P5: f32 = 5.0000001201e-1;
// Below this e^z is under 1.7e−38; clamping here keeps 2^n a normal float (n ≥ −125 after
// rounding, and e^r > 1 when n = −126), so the exponent can be added as an integer. The result
// never leaves the normal floats: an operation with a subnormal operand or result takes the CPU's
// slow path (about 4× the time of the whole kernel on x86 when a tenth of the lanes hit it).
const EXP_MIN: f32 = -87.0;
// e^z is 0 for z ≤ −88.7228394 (0xC2B17218): there e^−z overflows float32, so PyTorch's
// σ(z) = 1/(1 + e^−z) is exactly 0, and σ must be 0 there too for x·σ(x) to be x·0 as PyTorch's
// (NaN for x = −∞, −0 for x = −3e38). Between it and −87, where PyTorch's e^z is subnormal
// (2.9e−39 … 1.7e−38), it is e^−87 = 1.65e−38: nonzero, as PyTorch's, within 1.4e−38.
const EXP_ZERO: f32 = -88.72283935546875;
// 1.5·2^23: adding it to |v| < 2^22 rounds v to the nearest integer (ties to even, as
// f32x4.nearest) and leaves that integer in the low mantissa bits of the sum.
const ROUND_MAGIC: f32 = 12582912.0;

/** e^z for z ≤ 0 (NaN stays NaN; e^−87 for −88.7228394 < z < −87, 0 for z ≤ −88.7228394, where PyTorch's σ(z) is 0). */
@inline export function vexpNonPositive(z: v128): v128 {
  const zero = f32x4.le(z, f32x4.splat(EXP_ZERO)); // false for NaN
  z = f32x4.pmax(z, f32x4.splat(EXP_MIN)); // z < −87 ? −87 : z, so NaN stays NaN
  const t = f32x4.add(f32x4.mul(z, f32x4.splat(LOG2E)), f32x4.splat(ROUND_MAGIC));
  const n = f32x4.sub(t, f32x4.splat(ROUND_MAGIC));
  let r = f32x4.sub(z, f32x4.mul(n, f32x4.splat(LN2_HI)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(LN2_LO)));
  let p = madd(f32x4.splat(P0), r, f32x4.splat(P1));
  p = madd(p, r, f32x4.splat(P2));
  p = madd(p, r, f32x4.splat(P3));
  p = madd(p, r, f32x4.splat(P4));
  p = madd(p, r, f32x4.splat(P5));
  p = f32x4.add(madd(p, f32x4.mul(r, r), r), f32x4.splat(1));
  // n's bits, shifted from t's mantissa into the exponent field, scale p by 2^n (the bits above
  // wrap away); NaN lanes add nothing, so they stay NaN.
  const scale = v128.and(i32x4.shl(t, 23), f32x4.eq(z, z));
  return v128.andnot(i32x4.add(p, scale), zero);
}

/** σ(x) = 1 / (1 + e^−x), evaluated as e/(1+e) with e = e^−|x| and mirrored for x > 0. */
@inline export function vsigmoid(x: v128): v128 {
  const e = vexpNonPositive(f32x4.neg(f32x4.abs(x)));
  const f = f32x4.div(e, f32x4.add(e, f32x4.splat(1)));
  return v128.bitselect(f32x4.sub(f32x4.splat(1), f), f, f32x4.gt(x, f32x4.splat(0)));
}

/** clamp(alpha·x + beta, 0, 1). */
@inline export function vhardsigmoid(x: v128, alpha: v128, beta: v128): v128 {
  const t = f32x4.add(f32x4.mul(x, alpha), beta);
  return f32x4.min(f32x4.max(t, f32x4.splat(0)), f32x4.splat(1));
}

/** max(x, 0) (NaN stays NaN). */
@inline export function vrelu(x: v128): v128 {
  return f32x4.max(x, f32x4.splat(0));
}

/** x·σ(x). */
@inline export function vsilu(x: v128): v128 {
  return f32x4.mul(x, vsigmoid(x));
}

/** x·relu6(x + 3) / 6, in PyTorch's order of operations. */
@inline export function vhardswish(x: v128): v128 {
  const t = f32x4.min(f32x4.max(f32x4.add(x, f32x4.splat(3)), f32x4.splat(0)), f32x4.splat(6));
  return f32x4.div(f32x4.mul(x, t), f32x4.splat(6));
}

/** The activation `act` (ACT_*) of x. */
@inline export function vactivation(x: v128, act: i32): v128 {
  if (act == ACT_RELU) return vrelu(x);
  if (act == ACT_SILU) return vsilu(x);
  if (act == ACT_HARDSWISH) return vhardswish(x);
  return x;
}

/** The gate `gate` (GATE_*) of x; alpha and beta are the hard sigmoid's. */
@inline export function vgate(x: v128, gate: i32, alpha: v128, beta: v128): v128 {
  return gate == GATE_HARDSIGMOID ? vhardsigmoid(x, alpha, beta) : vsigmoid(x);
}
