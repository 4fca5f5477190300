// f32-conv2d-nchw: 2-D convolution of NCHW tensors as PyTorch's Conv2d (kernel kh×kw, stride,
// zero padding, dilation, groups, optional bias), SIMD over output pixels, with an optional
// ReLU epilogue and an optional per-channel affine + ReLU applied to the input as it is read
// (a batch norm + ReLU in front of the convolution, which cannot be folded into its weights).
//
// It is a packed, register-blocked product (the organisation of XNNPACK's igemm kernels):
// - The input of one image is copied once into scratch, zero-padded, each row split into
//   `sw` phases (phase φ holds columns φ, φ+sw, φ+2sw, …). Output pixel ox, tap kx then reads
//   column ox + (kx·dw) div sw of phase (kx·dw) mod sw: consecutive output pixels read
//   consecutive floats for every stride. Without padding, stride or input transform the input
//   is read where it is.
// - Each tap (ci, ky, kx) of a group is one byte offset in a table, so the reduction over
//   K = Cin/groups · kh · kw is one flat loop.
// - Weights are packed once (f32_conv2d_pack): per group, blocks of 4 output channels
//   interleaved as [K][4], then the Cout/groups mod 4 last channels as [K].
// - A tile is 4 output channels × 8 pixels of one output row (8 v128 accumulators), then
//   4 × 4, then 4 × (1..3) stored lane by lane; the leftover channels use 1 × 8 and 1 × 4.
// - Loop order: for a chunk of channel blocks whose weights fit in L2, every output row, every
//   block of the chunk, every tile: a block's weights stay in L1 over a row, the row's inputs
//   in L2 over the chunk.

import { madd, storeLanes } from "../simd";

/** Output channels per register block. */
const MR = 4;
/** Bytes of packed weights one chunk of channel blocks may take (kept in L2; 16 KB and 1 MB timed the same here). */
const CHUNK_WEIGHT_BYTES: i32 = 128 << 10;

/** Output size along one axis: floor((size + 2·pad − dil·(k − 1) − 1) / stride) + 1 (≤ 0: empty). */
@inline export function convOutSize(size: i32, k: i32, stride: i32, dil: i32, pad: i32): i32 {
  const span = size + 2 * pad - dil * (k - 1) - 1;
  return span < 0 ? 0 : span / stride + 1;
}

/** Whether the convolution reads its input in place (no padding, unit stride, no input transform). */
@inline function readsInPlace(sh: i32, sw: i32, ph: i32, pw: i32, preScale: usize): bool {
  return ph == 0 && pw == 0 && sh == 1 && sw == 1 && preScale == 0;
}

/** Floats per phase of a padded row: the columns (ow − 1)·sw + (kw − 1)·dw + 1 read, split in sw phases. */
@inline function phaseFloats(ow: i32, kw: i32, sw: i32, dw: i32): i32 {
  return ((ow - 1) * sw + (kw - 1) * dw + 1 + sw - 1) / sw;
}

/** Padded rows read: (oh − 1)·sh + (kh − 1)·dh + 1. */
@inline function paddedRows(oh: i32, kh: i32, sh: i32, dh: i32): i32 {
  return (oh - 1) * sh + (kh - 1) * dh + 1;
}

/** Scratch bytes f32_conv2d_nchw needs (in u64, see blocks/scratch.ts): the tap table and, unless it reads in place, one padded image. */
@inline export function convScratchBytes(
  cin: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, ph: i32, pw: i32,
  groups: i32, preScale: usize,
): u64 {
  const oh = convOutSize(h, kh, sh, dh, ph), ow = convOutSize(w, kw, sw, dw, pw);
  const table = (<u64>(cin / groups) * <u64>(kh * kw) << 2) + 15 & ~15;
  if (oh <= 0 || ow <= 0 || readsInPlace(sh, sw, ph, pw, preScale)) return table;
  const image = <u64>cin * <u64>paddedRows(oh, kh, sh, dh) * <u64>sw * <u64>phaseFloats(ow, kw, sw, dw);
  return table + ((image << 2) + 15 & ~15) + 16;
}

/** convScratchBytes, exact as an f64. */
export function f32_conv2d_nchw_scratch_bytes(
  cin: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, ph: i32, pw: i32,
  groups: i32, preScale: usize,
): f64 {
  return <f64>convScratchBytes(cin, h, w, kh, kw, sh, sw, dh, dw, ph, pw, groups, preScale);
}

/**
 * Packs PyTorch weights w [cout, cin/groups, kh, kw] (kdim = cin/groups·kh·kw floats per
 * output channel) into `packed` (cout·kdim floats): per group, blocks of 4 channels as [kdim][4],
 * then the remaining channels as [kdim].
 */
export function f32_conv2d_pack(w: usize, cout: i32, kdim: i32, groups: i32, packed: usize): void {
  const coutG = cout / groups;
  const full = coutG / MR * MR;
  for (let g = 0; g < groups; g++) {
    const wg = w + (<usize>(g * coutG * kdim) << 2);
    let dst = packed + (<usize>(g * coutG * kdim) << 2);
    for (let co = 0; co < full; co += MR) {
      for (let k = 0; k < kdim; k++) {
        for (let m = 0; m < MR; m++, dst += 4) store<f32>(dst, load<f32>(wg + (<usize>((co + m) * kdim + k) << 2)));
      }
    }
    const rest = <usize>((coutG - full) * kdim) << 2;
    memory.copy(dst, wg + (<usize>(full * kdim) << 2), rest);
  }
}

/** relu(x·scale + shift) when `pre` (the input transform), else x. */
@inline function transform(v: v128, pre: bool, scale: v128, shift: v128): v128 {
  return pre ? f32x4.max(madd(v, scale, shift), f32x4.splat(0)) : v;
}

/**
 * Copies the image x [cin, h, w] into dst as [cin][rows][sw phases][cols], zero-padded by
 * (ph, pw): row r holds input row r − ph, phase φ column j holds input column j·sw + φ − pw.
 * With preScale ≠ 0, each value becomes relu(x·preScale[c] + preShift[c]) (padding stays 0).
 */
function packImage(
  x: usize, cin: i32, h: i32, w: i32, rows: i32, sw: i32, cols: i32, ph: i32, pw: i32,
  preScale: usize, preShift: usize, dst: usize,
): void {
  const pre = preScale != 0;
  const rowBytes = <usize>(sw * cols) << 2;
  for (let c = 0; c < cin; c++) {
    const scale = pre ? v128.load32_splat(preScale + (<usize>c << 2)) : f32x4.splat(0);
    const shift = pre ? v128.load32_splat(preShift + (<usize>c << 2)) : f32x4.splat(0);
    const plane = x + (<usize>(c * h * w) << 2);
    for (let r = 0; r < rows; r++, dst += rowBytes) {
      const iy = r - ph;
      if (iy < 0 || iy >= h) {
        memory.fill(dst, 0, rowBytes);
        continue;
      }
      const src = plane + (<usize>(iy * w) << 2);
      if (sw == 1) {
        // [pw zeros][min(w, cols − pw) values][zeros]
        const left = min(pw, cols);
        const count = max(0, min(w, cols - pw));
        memory.fill(dst, 0, <usize>left << 2);
        const mid = dst + (<usize>left << 2);
        if (!pre) {
          memory.copy(mid, src, <usize>count << 2);
        } else {
          let i = 0;
          for (; i + 4 <= count; i += 4) v128.store(mid + (<usize>i << 2), transform(v128.load(src + (<usize>i << 2)), true, scale, shift));
          if (i < count) storeLanes(mid + (<usize>i << 2), transform(v128.load(src + (<usize>i << 2)), true, scale, shift), count - i);
        }
        memory.fill(mid + (<usize>count << 2), 0, <usize>(cols - left - count) << 2);
      } else {
        const a: f32 = pre ? f32x4.extract_lane(scale, 0) : 1;
        const b: f32 = pre ? f32x4.extract_lane(shift, 0) : 0;
        let d = dst;
        for (let phase = 0; phase < sw; phase++) {
          for (let j = 0; j < cols; j++, d += 4) {
            const ix = j * sw + phase - pw;
            let v: f32 = 0;
            if (ix >= 0 && ix < w) {
              v = load<f32>(src + (<usize>ix << 2));
              if (pre) v = max(v * a + b, 0);
            }
            store<f32>(d, v);
          }
        }
      }
    }
  }
}

@inline function epilogue(acc: v128, bias: v128, relu: bool): v128 {
  const v = f32x4.add(acc, bias);
  return relu ? f32x4.max(v, f32x4.splat(0)) : v;
}

/** 4 channels × 8 pixels: y[m, 0..7] = epilogue(Σ_k wp[k, m]·x[off[k] + 0..7]). */
@inline function tile4x8(
  xb: usize, offs: usize, kdim: i32, wp: usize, y: usize, planeBytes: usize,
  b0: v128, b1: v128, b2: v128, b3: v128, relu: bool,
): void {
  let a00 = f32x4.splat(0), a01 = f32x4.splat(0), a10 = f32x4.splat(0), a11 = f32x4.splat(0);
  let a20 = f32x4.splat(0), a21 = f32x4.splat(0), a30 = f32x4.splat(0), a31 = f32x4.splat(0);
  const end = offs + (<usize>kdim << 2);
  for (; offs < end; offs += 4, wp += 16) {
    const p = xb + <usize>load<i32>(offs);
    const v0 = v128.load(p), v1 = v128.load(p, 16);
    const w0 = v128.load32_splat(wp);
    a00 = madd(w0, v0, a00); a01 = madd(w0, v1, a01);
    const w1 = v128.load32_splat(wp, 4);
    a10 = madd(w1, v0, a10); a11 = madd(w1, v1, a11);
    const w2 = v128.load32_splat(wp, 8);
    a20 = madd(w2, v0, a20); a21 = madd(w2, v1, a21);
    const w3 = v128.load32_splat(wp, 12);
    a30 = madd(w3, v0, a30); a31 = madd(w3, v1, a31);
  }
  v128.store(y, epilogue(a00, b0, relu)); v128.store(y, epilogue(a01, b0, relu), 16);
  y += planeBytes;
  v128.store(y, epilogue(a10, b1, relu)); v128.store(y, epilogue(a11, b1, relu), 16);
  y += planeBytes;
  v128.store(y, epilogue(a20, b2, relu)); v128.store(y, epilogue(a21, b2, relu), 16);
  y += planeBytes;
  v128.store(y, epilogue(a30, b3, relu)); v128.store(y, epilogue(a31, b3, relu), 16);
}

@inline function storeTail(y: usize, v: v128, lanes: i32): void {
  if (lanes == 4) v128.store(y, v); else storeLanes(y, v, lanes);
}

/** 4 channels × 4 pixels, of which the first `lanes` are stored. */
@inline function tile4x4(
  xb: usize, offs: usize, kdim: i32, wp: usize, y: usize, planeBytes: usize,
  b0: v128, b1: v128, b2: v128, b3: v128, relu: bool, lanes: i32,
): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  const end = offs + (<usize>kdim << 2);
  for (; offs < end; offs += 4, wp += 16) {
    const v = v128.load(xb + <usize>load<i32>(offs));
    a0 = madd(v128.load32_splat(wp), v, a0);
    a1 = madd(v128.load32_splat(wp, 4), v, a1);
    a2 = madd(v128.load32_splat(wp, 8), v, a2);
    a3 = madd(v128.load32_splat(wp, 12), v, a3);
  }
  storeTail(y, epilogue(a0, b0, relu), lanes);
  storeTail(y + planeBytes, epilogue(a1, b1, relu), lanes);
  storeTail(y + planeBytes * 2, epilogue(a2, b2, relu), lanes);
  storeTail(y + planeBytes * 3, epilogue(a3, b3, relu), lanes);
}

/** 1 channel × 8 pixels (two pairs of accumulators over alternate taps). */
@inline function tile1x8(xb: usize, offs: usize, kdim: i32, wp: usize, y: usize, b: v128, relu: bool): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), c0 = f32x4.splat(0), c1 = f32x4.splat(0);
  let k = 0;
  for (; k + 1 < kdim; k += 2, offs += 8, wp += 8) {
    const p = xb + <usize>load<i32>(offs), q = xb + <usize>load<i32>(offs, 4);
    const w0 = v128.load32_splat(wp), w1 = v128.load32_splat(wp, 4);
    a0 = madd(w0, v128.load(p), a0); a1 = madd(w0, v128.load(p, 16), a1);
    c0 = madd(w1, v128.load(q), c0); c1 = madd(w1, v128.load(q, 16), c1);
  }
  if (k < kdim) {
    const p = xb + <usize>load<i32>(offs);
    const w0 = v128.load32_splat(wp);
    a0 = madd(w0, v128.load(p), a0); a1 = madd(w0, v128.load(p, 16), a1);
  }
  v128.store(y, epilogue(f32x4.add(a0, c0), b, relu));
  v128.store(y, epilogue(f32x4.add(a1, c1), b, relu), 16);
}

/** 1 channel × 4 pixels, of which the first `lanes` are stored. */
@inline function tile1x4(xb: usize, offs: usize, kdim: i32, wp: usize, y: usize, b: v128, relu: bool, lanes: i32): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0);
  let k = 0;
  for (; k + 1 < kdim; k += 2, offs += 8, wp += 8) {
    a0 = madd(v128.load32_splat(wp), v128.load(xb + <usize>load<i32>(offs)), a0);
    a1 = madd(v128.load32_splat(wp, 4), v128.load(xb + <usize>load<i32>(offs, 4)), a1);
  }
  if (k < kdim) a0 = madd(v128.load32_splat(wp), v128.load(xb + <usize>load<i32>(offs)), a0);
  storeTail(y, epilogue(f32x4.add(a0, a1), b, relu), lanes);
}

@inline function biasSplat(bias: usize, co: i32): v128 {
  return bias ? v128.load32_splat(bias + (<usize>co << 2)) : f32x4.splat(0);
}

/** One output row of `ow` pixels for the 4 channels co..co+3 (weights wp, bias of co). */
@inline function row4(xb: usize, offs: usize, kdim: i32, wp: usize, y: usize, planeBytes: usize, ow: i32, bias: usize, co: i32, relu: bool): void {
  const b0 = biasSplat(bias, co), b1 = biasSplat(bias, co + 1), b2 = biasSplat(bias, co + 2), b3 = biasSplat(bias, co + 3);
  let ox = 0;
  for (; ox + 8 <= ow; ox += 8) tile4x8(xb + (<usize>ox << 2), offs, kdim, wp, y + (<usize>ox << 2), planeBytes, b0, b1, b2, b3, relu);
  for (; ox < ow; ox += 4) tile4x4(xb + (<usize>ox << 2), offs, kdim, wp, y + (<usize>ox << 2), planeBytes, b0, b1, b2, b3, relu, min(4, ow - ox));
}

/** One output row of `ow` pixels for the single channel co. */
@inline function row1(xb: usize, offs: usize, kdim: i32, wp: usize, y: usize, ow: i32, bias: usize, co: i32, relu: bool): void {
  const b = biasSplat(bias, co);
  let ox = 0;
  for (; ox + 8 <= ow; ox += 8) tile1x8(xb + (<usize>ox << 2), offs, kdim, wp, y + (<usize>ox << 2), b, relu);
  for (; ox < ow; ox += 4) tile1x4(xb + (<usize>ox << 2), offs, kdim, wp, y + (<usize>ox << 2), b, relu, min(4, ow - ox));
}

/**
 * y [n, cout, oh, ow] = conv2d(x [n, cin, h, w]) with packed weights `wp` (f32_conv2d_pack),
 * bias [cout] (0 = none), stride (sh, sw), dilation (dh, dw), zero padding (ph, pw), `groups`,
 * then relu when `relu`. With preScale ≠ 0 the convolution sees relu(x·preScale[c] + preShift[c])
 * (zero padding applied after). `scratch` has convScratchBytes. y must not alias x.
 */
export function f32_conv2d_nchw(
  x: usize, n: i32, cin: i32, h: i32, w: i32, wp: usize, bias: usize, cout: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, ph: i32, pw: i32, groups: i32, relu: bool,
  preScale: usize, preShift: usize, scratch: usize, y: usize,
): void {
  let oh = convOutSize(h, kh, sh, dh, ph), ow = convOutSize(w, kw, sw, dw, pw);
  if (oh <= 0 || ow <= 0) return;
  const outPlane = oh * ow;
  const cinG = cin / groups, coutG = cout / groups;
  const kdim = cinG * kh * kw;
  const offs = scratch;
  const inPlace = readsInPlace(sh, sw, ph, pw, preScale);
  // Layout of the image the taps index: [cin][rows][sw phases][cols] floats.
  let cols = w, rows = h, rowFloats = w;
  if (!inPlace) {
    rows = paddedRows(oh, kh, sh, dh);
    cols = phaseFloats(ow, kw, sw, dw);
    rowFloats = sw * cols;
  } else if (kh == 1 && kw == 1) {
    // A pointwise convolution in place: every plane is one row of h·w pixels.
    ow = outPlane; oh = 1; rowFloats = outPlane;
  }
  const chanFloats = inPlace ? h * w : rows * rowFloats;
  let k = 0;
  for (let c = 0; c < cinG; c++) {
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++, k++) {
        const col = kx * dw;
        store<i32>(offs + (<usize>k << 2), (c * chanFloats + ky * dh * rowFloats + (col % sw) * cols + col / sw) << 2);
      }
    }
  }
  const padded = scratch + ((<usize>kdim << 2) + 15 & ~15);
  const inBytes = <usize>(cin * h * w) << 2;
  const outBytes = <usize>(cout * outPlane) << 2;
  const planeBytes = <usize>outPlane << 2;
  const full = coutG / MR * MR;
  const blocks = full / MR + (coutG - full);
  const chunk = max(1, CHUNK_WEIGHT_BYTES / (MR * kdim * 4));
  for (let img = 0; img < n; img++, x += inBytes, y += outBytes) {
    let src = x;
    if (!inPlace) {
      packImage(x, cin, h, w, rows, sw, cols, ph, pw, preScale, preShift, padded);
      src = padded;
    }
    for (let g = 0; g < groups; g++) {
      const srcG = src + (<usize>(g * cinG * chanFloats) << 2);
      const wG = wp + (<usize>(g * coutG * kdim) << 2);
      const coG = g * coutG;
      for (let b0 = 0; b0 < blocks; b0 += chunk) {
        const b1 = min(blocks, b0 + chunk);
        for (let oy = 0; oy < oh; oy++) {
          const xb = srcG + (<usize>(oy * sh * rowFloats) << 2);
          const yRow = y + (<usize>(oy * ow) << 2);
          for (let blk = b0; blk < b1; blk++) {
            // block blk: 4 channels from blk·4 while in the full blocks, then one channel each
            const co = blk * MR < full ? blk * MR : full + blk - full / MR;
            const wBlk = wG + (<usize>(co * kdim) << 2);
            const yBlk = yRow + <usize>(coG + co) * planeBytes;
            if (co < full) row4(xb, offs, kdim, wBlk, yBlk, planeBytes, ow, bias, coG + co, relu);
            else row1(xb, offs, kdim, wBlk, yBlk, ow, bias, coG + co, relu);
          }
        }
      }
    }
  }
}
