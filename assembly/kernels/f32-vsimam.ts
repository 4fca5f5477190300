// f32-vsimam-cw: SimAM's output pass (Yang et al., ICML 2021; ZjjConan/SimAM
// networks/attentions/simam_module.py), per NCHW plane p of hw floats:
//   y = x·σ(e), e = (x − mean[p])²·inv[p] + 0.5, inv[p] = 1/(4·(var[p] + λ)) ≥ 0,
// the official d / (4·(var + λ)) + 0.5 with the division a product by the plane's reciprocal. As
// e ≥ 0.5 (or NaN, or +∞), x·σ(e) = x / (1 + e^−e) with e^−e ≤ 1: one exponential of a
// non-positive argument and one division, no mirroring. y may alias x. In NHWC (simamRowsNhwc) a
// pixel row's channels take their mean and inv as vectors.

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

/**
 * Pixel rows [r0, r1) of the NHWC image x [hw][c]: y = x·σ((x − mean[ch])²·inv[ch] + 0.5), mean and
 * inv [c] the image's; the last partial vector of a row over-reads x, mean and inv and stores only its lanes.
 */
export function simamRowsNhwc(x: usize, c: i32, mean: usize, inv: usize, y: usize, r0: i32, r1: i32): void {
  const rowBytes = <usize>c << 2, full = <usize>(c & ~3) << 2, lanes = c & 3;
  for (let r = r0; r < r1; r++) {
    const xr = x + <usize>r * rowBytes, yr = y + <usize>r * rowBytes;
    let o: usize = 0;
    for (; o < full; o += 16) v128.store(yr + o, energyGate(v128.load(xr + o), v128.load(mean + o), v128.load(inv + o)));
    if (lanes) storeLanes(yr + o, energyGate(v128.load(xr + o), v128.load(mean + o), v128.load(inv + o)), lanes);
  }
}

/** The hw pixel rows of one NHWC image (the kernel tests' entry). */
export function f32_vsimam_nwc(x: usize, hw: i32, c: i32, mean: usize, inv: usize, y: usize): void {
  simamRowsNhwc(x, c, mean, inv, y, 0, hw);
}
