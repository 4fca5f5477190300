// f32-vscale: recalibration, y = Op(x, s, q[, r]), where the channel gate s and the spatial gate q
// broadcast along different axes of the tensor and r (optional) is shaped as x.
//
// A tensor is seen as rows of `rowLen` contiguous floats, `rowStride` bytes apart, in groups of
// `groupRows` rows. Each row has one scalar factor (splat over the row) and each group one vector
// (read along the row). Which gate is which depends on the layout (the `L` parameter):
// - RowsAreChannels (NCHW): a row is a channel plane (or one image row of it); s is per row, q per
//   group (the pixel map of the image, shared by its channels).
// - RowsArePixels (NHWC): a row is a pixel's channels; s is per group (the image's channel vector),
//   q per row.
// Every pattern of the blocks is one instance: SE (x·s), sSE (x·q), CBAM ((x·s)·q), scSE (x·(s+q),
// max(x·s, x·q)), BAM ((1 + σ(s·q))·x), the residual blocks (r + x·s, relu((x·s)·q + r)),
// coordinate attention ((x·q)·s over image rows), AFF and iAFF (x·q + r·(1 − q), q per pixel and channel:
// a group of one row). Rows are independent work items. y may alias x
// and r: each element is read before it is written.

import { storeLanes } from "../simd";
import { vsigmoid } from "../vmath";

// ---- layouts: which gate is the row's scalar and which the group's vector ----
@final export class RowsAreChannels { @inline rowIsS(): bool { return true; } }
@final export class RowsArePixels { @inline rowIsS(): bool { return false; } }

// ---- operations: which operands they read, and what they compute ----
// (The `uses*` flags are constants after inlining: an operand an operation does not use is never loaded.)
@final export class MulS {
  @inline usesS(): bool { return true; } @inline usesQ(): bool { return false; } @inline usesR(): bool { return false; }
  @inline apply(x: v128, s: v128, _q: v128, _r: v128): v128 { return f32x4.mul(x, s); }
}
@final export class MulQ {
  @inline usesS(): bool { return false; } @inline usesQ(): bool { return true; } @inline usesR(): bool { return false; }
  @inline apply(x: v128, _s: v128, q: v128, _r: v128): v128 { return f32x4.mul(x, q); }
}
/** (x·s)·q: CBAM's x·ca·sa in PyTorch's order of rounding. */
@final export class MulSThenQ {
  @inline usesS(): bool { return true; } @inline usesQ(): bool { return true; } @inline usesR(): bool { return false; }
  @inline apply(x: v128, s: v128, q: v128, _r: v128): v128 { return f32x4.mul(f32x4.mul(x, s), q); }
}
/** (x·q)·s: coordinate attention's x·a_w·a_h. */
@final export class MulQThenS {
  @inline usesS(): bool { return true; } @inline usesQ(): bool { return true; } @inline usesR(): bool { return false; }
  @inline apply(x: v128, s: v128, q: v128, _r: v128): v128 { return f32x4.mul(f32x4.mul(x, q), s); }
}
// scSE 'add' (Roy et al. 2018): x·s + x·q, computed as x·(s + q). Both gates are non-negative, so
// s + q is within half an ulp of exact and the result within about 1.5 ulp of PyTorch's two
// products and a sum (far inside SPEC §5's tolerance), for one product fewer.
@final export class MulSumSQ {
  @inline usesS(): bool { return true; } @inline usesQ(): bool { return true; } @inline usesR(): bool { return false; }
  @inline apply(x: v128, s: v128, q: v128, _r: v128): v128 { return f32x4.mul(x, f32x4.add(s, q)); }
}
/** scSE 'max' (the authors' package): max(x·s, x·q). */
@final export class MaxMulSMulQ {
  @inline usesS(): bool { return true; } @inline usesQ(): bool { return true; } @inline usesR(): bool { return false; }
  @inline apply(x: v128, s: v128, q: v128, _r: v128): v128 { return f32x4.max(f32x4.mul(x, s), f32x4.mul(x, q)); }
}
/** BAM, combine 'mul' (the official code): (1 + σ(s·q))·x. */
@final export class BamMul {
  @inline usesS(): bool { return true; } @inline usesQ(): bool { return true; } @inline usesR(): bool { return false; }
  @inline apply(x: v128, s: v128, q: v128, _r: v128): v128 { return f32x4.mul(f32x4.add(f32x4.splat(1), vsigmoid(f32x4.mul(s, q))), x); }
}
/** BAM, combine 'add' (the paper's text): (1 + σ(s + q))·x. */
@final export class BamAdd {
  @inline usesS(): bool { return true; } @inline usesQ(): bool { return true; } @inline usesR(): bool { return false; }
  @inline apply(x: v128, s: v128, q: v128, _r: v128): v128 { return f32x4.mul(f32x4.add(f32x4.splat(1), vsigmoid(f32x4.add(s, q))), x); }
}
/** The SE residual block: r + x·s (the product, then the sum, as PyTorch rounds it). */
@final export class MulSAddR {
  @inline usesS(): bool { return true; } @inline usesQ(): bool { return false; } @inline usesR(): bool { return true; }
  @inline apply(x: v128, s: v128, _q: v128, r: v128): v128 { return f32x4.add(r, f32x4.mul(x, s)); }
}
/** The CBAM basic block: relu((x·s)·q + r). */
@final export class MulSThenQAddRRelu {
  @inline usesS(): bool { return true; } @inline usesQ(): bool { return true; } @inline usesR(): bool { return true; }
  @inline apply(x: v128, s: v128, q: v128, r: v128): v128 { return f32x4.max(f32x4.add(f32x4.mul(f32x4.mul(x, s), q), r), f32x4.splat(0)); }
}
/** The CBAM basic block without spatial attention: relu(x·s + r). */
@final export class MulSAddRRelu {
  @inline usesS(): bool { return true; } @inline usesQ(): bool { return false; } @inline usesR(): bool { return true; }
  @inline apply(x: v128, s: v128, _q: v128, r: v128): v128 { return f32x4.max(f32x4.add(f32x4.mul(x, s), r), f32x4.splat(0)); }
}

/** iAFF (Dai et al., arXiv 2009.14082; open-aff fusion.py iAFF): x·q + r·(1 − q), q the fusion weight, in PyTorch's order of rounding. */
@final export class MixQ {
  @inline usesS(): bool { return false; } @inline usesQ(): bool { return true; } @inline usesR(): bool { return true; }
  @inline apply(x: v128, _s: v128, q: v128, r: v128): v128 { return f32x4.add(f32x4.mul(x, q), f32x4.mul(r, f32x4.sub(f32x4.splat(1), q))); }
}
/** AFF (fusion.py AFF): 2·x·q + 2·r·(1 − q), as PyTorch rounds it ((2·x)·q, 2·x exact). */
@final export class MixQ2 {
  @inline usesS(): bool { return false; } @inline usesQ(): bool { return true; } @inline usesR(): bool { return true; }
  @inline apply(x: v128, _s: v128, q: v128, r: v128): v128 {
    return f32x4.add(f32x4.mul(f32x4.add(x, x), q), f32x4.mul(f32x4.add(r, r), f32x4.sub(f32x4.splat(1), q)));
  }
}

/** Op(x, s, q, r) with s and q given as the row's scalar and the group's vector of layout L. */
@inline function apply<Op, L>(x: v128, row: v128, group: v128, r: v128): v128 {
  const op = changetype<Op>(0);
  return changetype<L>(0).rowIsS() ? op.apply(x, row, group, r) : op.apply(x, group, row, r);
}

/**
 * Rows [begin, end) of y = Op(x, s, q, r) (see the file's comment): row i starts at byte
 * i·rowStride of x, y and r; its scalar is at perRow + 4i, its group's vector at
 * perGroup + (i / groupRows)·groupStride.
 */
@inline export function scaleRows<Op, L>(
  x: usize, y: usize, r: usize, rowStride: usize, rowLen: i32, groupRows: i32,
  perRow: usize, perGroup: usize, groupStride: usize, begin: i32, end: i32,
): void {
  const op = changetype<Op>(0);
  const rowIsS = changetype<L>(0).rowIsS();
  // which operands are read: an operand Op does not use is never loaded
  const useRow = rowIsS ? op.usesS() : op.usesQ();
  const useGroup = rowIsS ? op.usesQ() : op.usesS();
  const useR = op.usesR();
  const zero = f32x4.splat(0);
  const full = <usize>(rowLen & ~3) << 2;
  const full16 = full & ~63;
  const lanes = rowLen & 3;
  for (let i = begin; i < end; i++) {
    const at = <usize>i * rowStride;
    const xi = x + at, yi = y + at, ri = r + at;
    const row = useRow ? v128.load32_splat(perRow + (<usize>i << 2)) : zero;
    const group = useGroup ? perGroup + <usize>(i / groupRows) * groupStride : 0;
    let o: usize = 0;
    // four vectors per step at immediate offsets (one address computation per operand per step)
    for (; o < full16; o += 64) {
      const xo = xi + o, yo = yi + o, ro = ri + o, go = group + o;
      v128.store(yo, apply<Op, L>(v128.load(xo), row, useGroup ? v128.load(go) : zero, useR ? v128.load(ro) : zero));
      v128.store(yo, apply<Op, L>(v128.load(xo, 16), row, useGroup ? v128.load(go, 16) : zero, useR ? v128.load(ro, 16) : zero), 16);
      v128.store(yo, apply<Op, L>(v128.load(xo, 32), row, useGroup ? v128.load(go, 32) : zero, useR ? v128.load(ro, 32) : zero), 32);
      v128.store(yo, apply<Op, L>(v128.load(xo, 48), row, useGroup ? v128.load(go, 48) : zero, useR ? v128.load(ro, 48) : zero), 48);
    }
    for (; o < full; o += 16) v128.store(yi + o, apply<Op, L>(v128.load(xi + o), row, useGroup ? v128.load(group + o) : zero, useR ? v128.load(ri + o) : zero));
    if (lanes) storeLanes(yi + o, apply<Op, L>(v128.load(xi + o), row, useGroup ? v128.load(group + o) : zero, useR ? v128.load(ri + o) : zero), lanes);
  }
}

// ---- public kernels (kernels.scaleChannels, kernels.scaleSpatial) ----

/** y[p, i] = x[p, i]·s[p] for planes [begin, end) of hw floats (SE's channel scaling). */
export function f32_vscale_channel_cw(x: usize, hw: i32, s: usize, y: usize, begin: i32, end: i32): void {
  scaleRows<MulS, RowsAreChannels>(x, y, 0, <usize>hw << 2, hw, 1, s, 0, 0, begin, end);
}

/** y[n, c, i] = x[n, c, i]·q[n, i] for planes [begin, end) = n·C + c (sSE's spatial scaling by [N, 1, H, W]). */
export function f32_vscale_spatial_cw(x: usize, c: i32, hw: i32, q: usize, y: usize, begin: i32, end: i32): void {
  scaleRows<MulQ, RowsAreChannels>(x, y, 0, <usize>hw << 2, hw, c, 0, q, <usize>hw << 2, begin, end);
}

// ---- two scalars per plane: the global context block's x·σ(mul[c]) + add[c] ----

/**
 * y[p, i] = x[p, i]·s[p] + t[p] for planes [begin, end) of hw floats (the product, then the sum, as
 * PyTorch rounds them); y may alias x.
 */
export function f32_vscale_shift_cw(x: usize, hw: i32, s: usize, t: usize, y: usize, begin: i32, end: i32): void {
  const planeBytes = <usize>hw << 2, full = <usize>(hw & ~3) << 2, full16 = full & ~63, lanes = hw & 3;
  for (let p = begin; p < end; p++) {
    const xp = x + <usize>p * planeBytes, yp = y + <usize>p * planeBytes;
    const vs = v128.load32_splat(s + (<usize>p << 2)), vt = v128.load32_splat(t + (<usize>p << 2));
    let o: usize = 0;
    for (; o < full16; o += 64) {
      const xo = xp + o, yo = yp + o;
      v128.store(yo, f32x4.add(f32x4.mul(v128.load(xo), vs), vt));
      v128.store(yo, f32x4.add(f32x4.mul(v128.load(xo, 16), vs), vt), 16);
      v128.store(yo, f32x4.add(f32x4.mul(v128.load(xo, 32), vs), vt), 32);
      v128.store(yo, f32x4.add(f32x4.mul(v128.load(xo, 48), vs), vt), 48);
    }
    for (; o < full; o += 16) v128.store(yp + o, f32x4.add(f32x4.mul(v128.load(xp + o), vs), vt));
    if (lanes) storeLanes(yp + o, f32x4.add(f32x4.mul(v128.load(xp + o), vs), vt), lanes);
  }
}
