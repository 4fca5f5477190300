// scSE (Roy et al., arXiv 1803.02579): y = combine(x·cSE gate, x·sSE gate), combine ∈ {add, max}.
//
// Two passes over x, image by image. The first computes, in one read, the channel pool (for
// the cSE gate) and the 1×1 squeeze of every pixel (the sSE gate, kept in Q_PLANE); the second
// recalibrates and writes. Images larger than Q_PLANE, and the 'max' and 'avgmax' pools, take the
// general route: a pooling pass, then spatial-pass.ts (which recomputes the squeeze per tile).

import { hsum, madd } from "../simd";
import { tilePixels } from "../kernels/f32-conv1x1";
import { channelGate, channelGateScratchBytes, excite, POOL_AVG } from "./channel-gate";
import { AddGates, gateTile, MaxGates, recalibrateTile, spatialPass } from "./spatial-pass";

export const COMBINE_ADD = 0;
export const COMBINE_MAX = 1;

/** The most pixels of an image whose squeeze the first pass keeps (128×128). */
const Q_PLANE_FLOATS = 16384;
const Q_PLANE: usize = memory.data(Q_PLANE_FLOATS * 4 + 16, 16);

export function scse_f32_nchw_scratch_bytes(n: i32, c: i32, r: i32): usize {
  return channelGateScratchBytes(n, c, r);
}

/** scSE over x [N, C, H·W] into y (may alias x): cSE weights as se_f32_nchw, sSE's w [1, C] and bias. */
export function scse_f32_nchw(
  x: usize, y: usize, n: i32, c: i32, hw: i32, scratch: usize,
  r: i32, w1: usize, b1: usize, w2: usize, b2: usize, act: i32, pool: i32,
  sw: usize, sb: usize, gate: i32, alpha: f32, beta: f32, combine: i32,
): void {
  if (hw <= Q_PLANE_FLOATS && pool == POOL_AVG) {
    const imageBytes = (<usize>hw << 2) * c;
    for (let img = 0; img < n; img++, x += imageBytes, y += imageBytes) {
      // The pooled statistics go where channelGate keeps them: the first region of scratch.
      squeezeAndMean(x, c, hw, sw, sb, gate, alpha, beta, scratch);
      const s = excite(scratch, 1, c, scratch, r, w1, b1, w2, b2, act, gate, alpha, beta);
      if (combine == COMBINE_MAX) recalibrateTile<MaxGates>(x, y, c, <usize>hw << 2, s, Q_PLANE, hw);
      else recalibrateTile<AddGates>(x, y, c, <usize>hw << 2, s, Q_PLANE, hw);
    }
    return;
  }
  const s = channelGate(x, n, c, hw, scratch, r, w1, b1, w2, b2, act, gate, alpha, beta, pool);
  if (combine == COMBINE_MAX) spatialPass<MaxGates>(x, y, n, c, hw, sw, sb, s, gate, alpha, beta);
  else spatialPass<AddGates>(x, y, n, c, hw, sw, sb, s, gate, alpha, beta);
}

/**
 * One read of an image x [C, hw]: Q_PLANE[i] = gate(bias + Σ_c w[c]·x[c, i]) and pooled[c] =
 * the mean of plane c. Tiles of pixels as f32-conv1x1.ts's; within a tile, four planes at a time.
 */
@inline function squeezeAndMean(x: usize, c: i32, hw: i32, w: usize, bias: usize, gate: i32, alpha: f32, beta: f32, pooled: usize): void {
  const planeBytes = <usize>hw << 2;
  const b: f32 = bias ? load<f32>(bias) : 0;
  const tile = tilePixels(c);
  memory.fill(pooled, 0, <usize>c << 2);
  for (let t = 0; t < hw; t += tile) {
    const tw = min(tile, hw - t);
    const q = Q_PLANE + (<usize>t << 2);
    const full = <usize>(tw & ~3) << 2;
    const bytes = <usize>(tw + 3 & ~3) << 2;
    // The lanes of the last vector that belong to the tile; the others must not reach the sums.
    const tail = i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(tw & 3));
    memory.fill(q, 0, bytes);
    let xc = x + (<usize>t << 2), wc = w, pc = pooled, ch = 0;
    for (; ch + 4 <= c; ch += 4, wc += 16, pc += 16, xc += planeBytes << 2) {
      const w0 = v128.load32_splat(wc), w1 = v128.load32_splat(wc, 4), w2 = v128.load32_splat(wc, 8), w3 = v128.load32_splat(wc, 12);
      const x1 = xc + planeBytes, x2 = x1 + planeBytes, x3 = x2 + planeBytes;
      let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0;
      let o: usize = 0;
      for (; o < full; o += 16) {
        const v0 = v128.load(xc + o), v1 = v128.load(x1 + o), v2 = v128.load(x2 + o), v3 = v128.load(x3 + o);
        v128.store(q + o, madd(w3, v3, madd(w2, v2, madd(w1, v1, madd(w0, v0, v128.load(q + o))))));
        s0 = f32x4.add(s0, v0); s1 = f32x4.add(s1, v1); s2 = f32x4.add(s2, v2); s3 = f32x4.add(s3, v3);
      }
      if (o < bytes) {
        const v0 = v128.load(xc + o), v1 = v128.load(x1 + o), v2 = v128.load(x2 + o), v3 = v128.load(x3 + o);
        v128.store(q + o, madd(w3, v3, madd(w2, v2, madd(w1, v1, madd(w0, v0, v128.load(q + o))))));
        s0 = f32x4.add(s0, v128.and(v0, tail)); s1 = f32x4.add(s1, v128.and(v1, tail));
        s2 = f32x4.add(s2, v128.and(v2, tail)); s3 = f32x4.add(s3, v128.and(v3, tail));
      }
      store<f32>(pc, load<f32>(pc) + hsum(s0));
      store<f32>(pc, load<f32>(pc, 4) + hsum(s1), 4);
      store<f32>(pc, load<f32>(pc, 8) + hsum(s2), 8);
      store<f32>(pc, load<f32>(pc, 12) + hsum(s3), 12);
    }
    for (; ch < c; ch++, wc += 4, pc += 4, xc += planeBytes) {
      const w0 = v128.load32_splat(wc);
      let s0 = f32x4.splat(0);
      let o: usize = 0;
      for (; o < full; o += 16) {
        const v0 = v128.load(xc + o);
        v128.store(q + o, madd(w0, v0, v128.load(q + o)));
        s0 = f32x4.add(s0, v0);
      }
      if (o < bytes) {
        const v0 = v128.load(xc + o);
        v128.store(q + o, madd(w0, v0, v128.load(q + o)));
        s0 = f32x4.add(s0, v128.and(v0, tail));
      }
      store<f32>(pc, load<f32>(pc) + hsum(s0));
    }
    gateTile(q, tw, b, gate, alpha, beta);
  }
  for (let ch = 0; ch < c; ch++) store<f32>(pooled + (<usize>ch << 2), load<f32>(pooled + (<usize>ch << 2)) / <f32>hw);
}
