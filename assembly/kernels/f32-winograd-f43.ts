// Winograd's minimal filtering F(4×4, 3×3) (Lavin & Gray, "Fast Algorithms for Convolutional
// Neural Networks", arXiv 1509.09308): a 4×4 tile of a 3×3 correlation is
//   Y = Aᵀ·[(G·g·Gᵀ) ⊙ (Bᵀ·d·B)]·A
// for the 6×6 input patch d and the 3×3 filter g: 36 multiplications instead of 144. The matrices
// come from Toom–Cook interpolation at the points 0, ±3/4, ±3/2 and ∞ rather than Lavin's
// 0, ±1, ±2, ∞: in float32 (a float64 simulation, Kaiming weights, unit normal inputs) the standard
// points with a plain sum put the worst error of a 256–512-channel convolution at 1.9–4.8× SPEC §5's
// tolerance (1.0–1.9× at 64), these with the blocked sum of f32-winograd-gemm.ts at 0.2–0.34×
// (Barabasz et al., "Error analysis and improving the accuracy of Winograd convolution for deep
// neural networks", ACM TOMS 46(4), 2020, choose points the same way).
// Every entry of Bᵀ and Aᵀ is a dyadic rational, exact in float32; G (with thirds) is applied in
// float64 once, when the weights are packed.
//
//   Bᵀ = [81/64    0    −45/16    0     1  0]     Aᵀ = [1   1      1       1      1     0]
//        [  0  −27/16  −9/4     3/4    1  0]          [0  3/4   −3/4     3/2   −3/2    0]
//        [  0   27/16  −9/4    −3/4    1  0]          [0  9/16   9/16    9/4    9/4    0]
//        [  0  −27/32  −9/16    3/2    1  0]          [0 27/64 −27/64   27/8  −27/8    1]
//        [  0   27/32  −9/16   −3/2    1  0]
//        [  0   81/64    0    −45/16   0  1]     G = [64/81, 0, 0; −128/243, −32/81, −8/27;
//                                                    −128/243, 32/81, −8/27; 32/243, 16/81, 8/27;
//                                                    32/243, −16/81, 8/27; 0, 0, 1]

import { madd } from "../simd";

/** Output tile side (m) and input tile side (m + 2). */
export const TILE = 4;
export const PATCH = 6;
/** Transformed positions per tile (the batched product's count). */
export const POSITIONS = PATCH * PATCH;

// G's rows (float64): U = G·g·Gᵀ
const G: StaticArray<f64> = [
  64.0 / 81, 0, 0,
  -128.0 / 243, -32.0 / 81, -8.0 / 27,
  -128.0 / 243, 32.0 / 81, -8.0 / 27,
  32.0 / 243, 16.0 / 81, 8.0 / 27,
  32.0 / 243, -16.0 / 81, 8.0 / 27,
  0, 0, 1,
];

/** Output channels per block of the packed transformed weights (the product's register block). */
export const U_BLOCK = 4;

/**
 * Transforms PyTorch weights w [cout, cin, 3, 3] into `packed`: U = G·g·Gᵀ for every (co, ci),
 * computed in float64 and rounded once, laid out [36 positions][⌈cout/4⌉ blocks][cin][4]
 * (the product's layout: per position, blocks of 4 output channels interleaved; the channels
 * past cout of the last block are 0). `packed` holds winogradWeightFloats(cin, cout) floats.
 */
export function f32_winograd_f43_pack(w: usize, cin: i32, cout: i32, packed: usize): void {
  const cout4 = (cout + U_BLOCK - 1) / U_BLOCK * U_BLOCK;
  const positionFloats = <usize>cout4 * <usize>cin;
  for (let co = 0; co < cout4; co++) {
    for (let ci = 0; ci < cin; ci++) {
      const at = packed + ((<usize>(co / U_BLOCK) * <usize>cin + <usize>ci) * U_BLOCK + <usize>(co % U_BLOCK) << 2);
      const g = w + (<usize>(co * cin + ci) * 9 << 2);
      for (let a = 0; a < PATCH; a++) {
        // row a of G·g (3 values), then its product with Gᵀ
        let r0: f64 = 0, r1: f64 = 0, r2: f64 = 0;
        if (co < cout) {
          for (let k = 0; k < 3; k++) {
            const gk = unchecked(G[a * 3 + k]);
            r0 += gk * <f64>load<f32>(g + (<usize>(k * 3) << 2));
            r1 += gk * <f64>load<f32>(g + (<usize>(k * 3 + 1) << 2));
            r2 += gk * <f64>load<f32>(g + (<usize>(k * 3 + 2) << 2));
          }
        }
        for (let b = 0; b < PATCH; b++) {
          const u = r0 * unchecked(G[b * 3]) + r1 * unchecked(G[b * 3 + 1]) + r2 * unchecked(G[b * 3 + 2]);
          store<f32>(at + (<usize>(a * PATCH + b) * positionFloats << 2), <f32>u);
        }
      }
    }
  }
}

/** Floats of the packed transformed weights: 36·⌈cout/4⌉·4·cin. */
export function winogradWeightFloats(cin: i32, cout: i32): u64 {
  return <u64>POSITIONS * <u64>((cout + U_BLOCK - 1) / U_BLOCK * U_BLOCK) * <u64>cin;
}

// The 1-D transforms on vectors, each lane an independent tile; `k` / `i` are constants at every
// call site (the branches fold away and the shared even and odd parts are computed once). The
// coefficients are read from a table (a splatting load each) rather than written as constants:
// a v128 constant costs 18 bytes of code at each of its hundreds of uses.
const COEFFS: usize = memory.data<f32>([
  81.0 / 64, -45.0 / 16, -9.0 / 4, 27.0 / 16, -3.0 / 4, -9.0 / 16, 27.0 / 32, -3.0 / 2,
  3.0 / 4, 3.0 / 2, 9.0 / 16, 9.0 / 4, 27.0 / 64, 27.0 / 8,
]);
@inline function coeff(i: i32): v128 { return v128.load32_splat(COEFFS + (<usize>i << 2)); }

/** Row k of Bᵀ·(d0 … d5). */
@inline export function bt(k: i32, d0: v128, d1: v128, d2: v128, d3: v128, d4: v128, d5: v128): v128 {
  if (k == 0) return madd(coeff(1), d2, madd(coeff(0), d0, d4));
  if (k == 5) return madd(coeff(1), d3, madd(coeff(0), d1, d5));
  // rows 1, 2 = (d4 − 9/4·d2) ∓ (27/16·d1 − 3/4·d3); rows 3, 4 = (d4 − 9/16·d2) ∓ (27/32·d1 − 3/2·d3)
  const even = madd(coeff(k <= 2 ? 2 : 5), d2, d4);
  const odd = madd(coeff(k <= 2 ? 3 : 6), d1, f32x4.mul(coeff(k <= 2 ? 4 : 7), d3));
  return k == 1 || k == 3 ? f32x4.sub(even, odd) : f32x4.add(even, odd);
}

/** Row i of Aᵀ·(m0 … m5). */
@inline export function at(i: i32, m0: v128, m1: v128, m2: v128, m3: v128, m4: v128, m5: v128): v128 {
  if (i == 0 || i == 2) {
    const s1 = f32x4.add(m1, m2), s3 = f32x4.add(m3, m4);
    if (i == 0) return f32x4.add(f32x4.add(m0, s1), s3);
    return madd(coeff(11), s3, f32x4.mul(coeff(10), s1));
  }
  const d1 = f32x4.sub(m1, m2), d3 = f32x4.sub(m3, m4);
  if (i == 1) return madd(coeff(9), d3, f32x4.mul(coeff(8), d1));
  return f32x4.add(madd(coeff(13), d3, f32x4.mul(coeff(12), d1)), m5);
}
