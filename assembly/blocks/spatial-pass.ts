// The output pass of sSE and scSE, fused, over tiles of pixels (f32-conv1x1.ts sizes them so a
// tile's input stays in L2): the 1×1 squeeze over all channels gives the tile's spatial gate q,
// then the same pixels of every channel are recalibrated and written. The input is read from
// memory once and the output written once.

import { conv1x1Tile, SQUEEZE_TILE, tilePixels } from "../kernels/f32-conv1x1";
import { storeLanes } from "../simd";
import { vgate } from "../vmath";

// How a pixel's channel value x, its channel gate s and its spatial gate q combine. `channel`
// loads the channel's gate once per row of the tile (SpatialOnly has none and never loads it).
@final export class SpatialOnly {
  @inline channel(_s: usize): v128 { return f32x4.splat(0); }
  @inline apply(x: v128, _s: v128, q: v128): v128 { return f32x4.mul(x, q); }
}
// scSE 'add' (Roy et al. 2018): x·s + x·q, computed as x·(s + q). Both gates are non-negative,
// so s + q is within half an ulp of exact and the result within about 1.5 ulp of PyTorch's
// two products and a sum (far inside SPEC §5's tolerance), for one product fewer.
@final export class AddGates {
  @inline channel(s: usize): v128 { return v128.load32_splat(s); }
  @inline apply(x: v128, s: v128, q: v128): v128 { return f32x4.mul(x, f32x4.add(s, q)); }
}
// scSE 'max' (the authors' package): max(x·s, x·q).
@final export class MaxGates {
  @inline channel(s: usize): v128 { return v128.load32_splat(s); }
  @inline apply(x: v128, s: v128, q: v128): v128 { return f32x4.max(f32x4.mul(x, s), f32x4.mul(x, q)); }
}

/**
 * y[n, c, i] = Op(x[n, c, i], s[n, c], gate(w·x[n, :, i] + bias)).
 * s is [N, C] (unused by SpatialOnly), w is [1, C], bias 0 = none. y may alias x: a tile is
 * read whole (the squeeze) before any of it is written.
 */
@inline export function spatialPass<Op>(
  x: usize, y: usize, n: i32, c: i32, hw: i32, w: usize, bias: usize, s: usize,
  gate: i32, alpha: f32, beta: f32,
): void {
  const planeBytes = <usize>hw << 2;
  const b: f32 = bias ? load<f32>(bias) : 0;
  const tile = tilePixels(c);
  const q = SQUEEZE_TILE;
  for (let img = 0; img < n; img++, x += planeBytes * c, y += planeBytes * c, s += <usize>c << 2) {
    for (let t = 0; t < hw; t += tile) {
      const tw = min(tile, hw - t);
      const off = <usize>t << 2;
      conv1x1Tile(x + off, c, planeBytes, w, q, tw);
      gateTile(q, tw, b, gate, alpha, beta);
      recalibrateTile<Op>(x + off, y + off, c, planeBytes, s, q, tw);
    }
  }
}

/**
 * Writes y[c, i] = Op(x[c, i], s[c], q[i]) for the tw pixels at x (and y) of every channel;
 * q holds the tile's spatial gate (whole vectors), planeBytes is the channel stride.
 */
export function recalibrateTile<Op>(x: usize, y: usize, c: i32, planeBytes: usize, s: usize, q: usize, tw: i32): void {
  const op = changetype<Op>(0);
  const full = <usize>(tw & ~3) << 2;
  const full16 = full & ~63;
  const lanes = tw & 3;
  for (let ch = 0; ch < c; ch++, x += planeBytes, y += planeBytes, s += 4) {
    const sv = op.channel(s);
    let o: usize = 0;
    for (; o < full16; o += 64) {
      const xo = x + o, yo = y + o, qo = q + o;
      v128.store(yo, op.apply(v128.load(xo), sv, v128.load(qo)));
      v128.store(yo, op.apply(v128.load(xo, 16), sv, v128.load(qo, 16)), 16);
      v128.store(yo, op.apply(v128.load(xo, 32), sv, v128.load(qo, 32)), 32);
      v128.store(yo, op.apply(v128.load(xo, 48), sv, v128.load(qo, 48)), 48);
    }
    for (; o < full; o += 16) v128.store(y + o, op.apply(v128.load(x + o), sv, v128.load(q + o)));
    if (lanes) storeLanes(y + o, op.apply(v128.load(x + o), sv, v128.load(q + o)), lanes);
  }
}

/**
 * q[i] = gate(q[i] + bias) over the tw pixels of a tile's squeeze (whole vectors). A function of
 * its own, called once per tile, so that the gates' code is in the module once.
 */
export function gateTile(q: usize, tw: i32, bias: f32, gate: i32, alpha: f32, beta: f32): void {
  const b = f32x4.splat(bias), va = f32x4.splat(alpha), vb = f32x4.splat(beta);
  const end = q + (<usize>(tw + 3 & ~3) << 2);
  for (; q < end; q += 16) v128.store(q, vgate(f32x4.add(v128.load(q), b), gate, va, vb));
}
