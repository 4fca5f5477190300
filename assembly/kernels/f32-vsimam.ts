// f32-vsimam-cw: SimAM's output pass (Yang et al., ICML 2021; ZjjConan/SimAM
// networks/attentions/simam_module.py), per NCHW plane p of hw floats:
//   y = x·σ(e), e = (x − mean[p])²·inv[p] + 0.5, inv[p] = 1/(4·(var[p] + λ)) ≥ 0,
// the official d / (4·(var + λ)) + 0.5 with the division a product by the plane's reciprocal. As
// e ≥ 0.5 (or NaN, or +∞), x·σ(e) = x / (1 + e^−e) with e^−e ≤ 1: one exponential of a
// non-positive argument and one division, no mirroring. y may alias x.

import { storeLanes } from "../simd";
import { vexpNonPositive } from "../vmath";

@inline function energyGate(x: v128, mean: v128, inv: v128): v128 {
  const d = f32x4.sub(x, mean);
  const e = f32x4.add(f32x4.mul(f32x4.mul(d, d), inv), f32x4.splat(0.5));
  return f32x4.div(x, f32x4.add(f32x4.splat(1), vexpNonPositive(f32x4.neg(e))));
}

/** Planes [begin, end) of y = x·σ((x − mean[p])²·inv[p] + 0.5); the last partial vector of a plane over-reads x and stores only its lanes. */
export function f32_vsimam_cw(x: usize, hw: i32, mean: usize, inv: usize, y: usize, begin: i32, end: i32): void {
  const planeBytes = <usize>hw << 2, full = <usize>(hw & ~3) << 2, lanes = hw & 3;
  for (let p = begin; p < end; p++) {
    const xp = x + <usize>p * planeBytes, yp = y + <usize>p * planeBytes;
    const m = v128.load32_splat(mean + (<usize>p << 2)), q = v128.load32_splat(inv + (<usize>p << 2));
    let o: usize = 0;
    for (; o < full; o += 16) v128.store(yp + o, energyGate(v128.load(xp + o), m, q));
    if (lanes) storeLanes(yp + o, energyGate(v128.load(xp + o), m, q), lanes);
  }
}
