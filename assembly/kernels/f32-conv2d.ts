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
//   interleaved as [K][4], then (Cout/groups mod 4 ≥ 2) one block of 2 as [K][2], then (odd
//   Cout/groups) the last channel as [K].
// - A tile of a block of 4 is 4 output channels × 8 pixels of one output row (8 v128
//   accumulators), then 4 × 4, then 4 × (1..3) stored lane by lane. A block of 1 uses 1 × 8
//   and 1 × 4.
// - Grouped convolutions with few channels per group (SK's groups 32 at C = 64: 2 in, 2 out;
//   XNNPACK and MLAS vectorise such convolutions across pixels too) would leave the 4-channel
//   tile idle: their block of 2 takes 2 channels × 2 output rows × 8 pixels per tile (8
//   accumulators, 4 input vectors and 2 weights per tap: the 4 × 8 tile's ratio of loads to
//   multiply-adds). Rows pair within a band; a row left alone (an odd band, a pointwise
//   segment) goes 16 pixels per tile.
// - Loop order: for a chunk of channel blocks whose weights fit in L2, every output row, every
//   block of the chunk, every tile: a block's weights stay in L1 over a row, the row's inputs
//   in L2 over the chunk.
// - An item may also write the sum of each output plane over its rows (`sums`): the global
//   pools of SK and split attention, taken while the rows are in cache.

import { EPILOGUE_RELU, EPILOGUE_SIGMOID } from "../../bindings/constants";
import { madd, storeLanes } from "../simd";
import { planeSum } from "./f32-gpool";
import { f32_vsigmoid } from "./f32-vunary";

/** Output channels per register block. */
const MR = 4;
/** Bytes of packed weights one chunk of channel blocks may take (kept in L2; 16 KB and 1 MB timed the same here). */
const CHUNK_WEIGHT_BYTES: i32 = 128 << 10;

/** Output size along one axis: floor((size + 2·pad − dil·(k − 1) − 1) / stride) + 1 (≤ 0: empty). */
@inline export function convOutSize(size: i32, k: i32, stride: i32, dil: i32, pad: i32): i32 {
  const span = size + 2 * pad - dil * (k - 1) - 1;
  return span < 0 ? 0 : span / stride + 1;
}

/**
 * A convolution's constants, written once when its block is created (field for field as
 * bindings/conv-params.ts writes them). Weights [cout, cin/groups, kh, kw] packed by
 * f32_conv2d_pack; bias [cout] or 0. With preScale ≠ 0 the convolution sees
 * relu(x·preScale[c] + preShift[c]) (zero padding applied after): a batch norm + ReLU in front.
 * Its input is channels [0, cin) of a tensor of xChannels ≥ cin channels per image (SK's paths
 * each read a slice of the input's channels). `exact` (CONV_EXACT_*), the unpacked weights and the
 * affine after the conv (0 = none) are the exact pass's (f32-conv2d-exact.ts). With winograd ≠ 0
 * (a 3×3, stride 1 convolution with padding = dilation, never on the exact pass, chosen by
 * bindings/conv-params.ts) the weights are f32_winograd_f43_pack's and the stages are those of
 * f32-conv3x3-winograd.ts.
 */
@unmanaged export class ConvParams {
  cin: i32; cout: i32; kh: i32; kw: i32; sh: i32; sw: i32; dh: i32; dw: i32; ph: i32; pw: i32;
  groups: i32; epilogue: i32; weights: usize; bias: usize; preScale: usize; preShift: usize; xChannels: i32;
  exact: i32; exactWeights: usize; postScale: usize; postShift: usize;
  winograd: i32;
}

/** Output pixels per row segment of a pointwise convolution read in place (its planes are seen as rows of this many pixels). */
const POINTWISE_ROW = 1024;
/** Output rows per work item of the compute stage. */
const BAND_ROWS = 4;

// The geometry of one call on [n, cin, h, w], derived from the constants each time it is needed
// (a few integer operations; nothing is kept between calls). The image the taps index is
// [cin][rows][sw phases][cols] floats: the input itself when it is read in place (no padding,
// unit stride, no input transform), else the packed copy of packPlane.

@inline function readsInPlace(p: ConvParams): bool {
  return p.ph == 0 && p.pw == 0 && p.sh == 1 && p.sw == 1 && p.preScale == 0;
}
@inline function outH(p: ConvParams, h: i32): i32 { return convOutSize(h, p.kh, p.sh, p.dh, p.ph); }
@inline function outW(p: ConvParams, w: i32): i32 { return convOutSize(w, p.kw, p.sw, p.dw, p.pw); }
/** Rows of the packed image: (oh − 1)·sh + (kh − 1)·dh + 1. */
@inline function packedRows(p: ConvParams, oh: i32): i32 { return (oh - 1) * p.sh + (p.kh - 1) * p.dh + 1; }
/** Floats per phase of a packed row: the columns (ow − 1)·sw + (kw − 1)·dw + 1 read, split in sw phases. */
@inline function packedCols(p: ConvParams, ow: i32): i32 { return ((ow - 1) * p.sw + (p.kw - 1) * p.dw + 1 + p.sw - 1) / p.sw; }
/** Whether the convolution is pointwise and read in place: its planes are then rows of POINTWISE_ROW pixels. */
@inline function segmented(p: ConvParams): bool { return readsInPlace(p) && p.kh == 1 && p.kw == 1; }
/** Floats between consecutive rows of the tapped image. */
@inline function tapRowFloats(p: ConvParams, h: i32, w: i32): i32 {
  if (!readsInPlace(p)) return p.sw * packedCols(p, outW(p, w));
  return segmented(p) ? min(POINTWISE_ROW, h * w) : w;
}
/** Floats per channel of the tapped image. */
@inline function tapChanFloats(p: ConvParams, h: i32, w: i32): i32 {
  return readsInPlace(p) ? h * w : packedRows(p, outH(p, h)) * tapRowFloats(p, h, w);
}
/** Output rows as computed (oh, or the pointwise segments) and their length (all but the last). */
@inline function computedRows(p: ConvParams, h: i32, w: i32): i32 {
  if (!segmented(p)) return outH(p, h);
  const len = min(POINTWISE_ROW, h * w);
  return (h * w + len - 1) / len;
}
@inline function computedRowLen(p: ConvParams, h: i32, w: i32): i32 {
  return segmented(p) ? min(POINTWISE_ROW, h * w) : outW(p, w);
}
/** Taps per output channel: cin/groups·kh·kw. */
@inline function kdimOf(p: ConvParams): i32 { return p.cin / p.groups * p.kh * p.kw; }
/** Register blocks of output channels per group: the full blocks of MR, then a block of 2 (a remainder of 2 or 3), then one of 1 (odd). */
@inline function blocksOf(p: ConvParams): i32 {
  const rest = p.cout / p.groups % MR;
  return p.cout / p.groups / MR + (rest >> 1) + (rest & 1);
}
/** The first channel (in its group) of block `blk` of a group of coutG channels. */
@inline function blockChannel(blk: i32, coutG: i32): i32 {
  const full = coutG / MR * MR;
  if (blk * MR < full) return blk * MR;
  return blk == full / MR && coutG - full >= 2 ? full : coutG - 1;
}
/** The width (4, 2 or 1) of the block starting at channel co of a group of coutG channels. */
@inline export function blockWidth(co: i32, coutG: i32): i32 {
  return co + MR <= coutG ? MR : co + 2 <= coutG ? 2 : 1;
}
/** Blocks per chunk: a chunk's packed weights fit CHUNK_WEIGHT_BYTES (kept in L2 while its rows are computed). */
@inline function chunkOf(p: ConvParams): i32 { return max(1, CHUNK_WEIGHT_BYTES / (MR * kdimOf(p) * 4)); }

/** Floats of the tap table (one i32 per tap of a group). */
export function convTableFloats(c: usize): u64 {
  return <u64>kdimOf(changetype<ConvParams>(c));
}

/** Floats of the packed (padded, phase-split) copy of n images, 0 when the convolution reads its input in place. */
export function convPackedFloats(c: usize, n: i32, h: i32, w: i32): u64 {
  const p = changetype<ConvParams>(c);
  const oh = outH(p, h), ow = outW(p, w);
  if (oh <= 0 || ow <= 0 || readsInPlace(p)) return 0;
  return <u64>n * <u64>p.cin * <u64>packedRows(p, oh) * <u64>(p.sw * packedCols(p, ow));
}

/** Work items of the pack stage: one per input plane (0 when the input is read in place). */
export function convPackItems(c: usize, n: i32, h: i32, w: i32): i32 {
  return convPackedFloats(c, n, h, w) > 0 ? n * changetype<ConvParams>(c).cin : 0;
}

/** Bands of output rows of the compute stage (its items' rows). */
@inline function bandsOf(p: ConvParams, h: i32, w: i32): i32 {
  return (computedRows(p, h, w) + BAND_ROWS - 1) / BAND_ROWS;
}

/** Work items of the compute stage: (image, group, chunk of output channel blocks, band of output rows). */
export function convComputeItems(c: usize, n: i32, h: i32, w: i32): i32 {
  const p = changetype<ConvParams>(c);
  if (outH(p, h) <= 0 || outW(p, w) <= 0) return 0;
  const chunks = (blocksOf(p) + chunkOf(p) - 1) / chunkOf(p);
  return n * p.groups * chunks * bandsOf(p, h, w);
}

/** Floats of the per-band plane sums convCompute writes with `sums` ≠ 0: [n][bands][cout]. */
export function convSumsFloats(c: usize, n: i32, h: i32, w: i32): u64 {
  const p = changetype<ConvParams>(c);
  return <u64>n * <u64>bandsOf(p, h, w) * <u64>p.cout;
}

/** Work items of convSums: (image, band). */
export function convSumItems(c: usize, n: i32, h: i32, w: i32): i32 {
  return n * bandsOf(changetype<ConvParams>(c), h, w);
}

/**
 * Items [begin, end) of convSumItems: the per-band plane sums of y [n, cout, oh, ow] into sums
 * [n][bands][cout], as convCompute takes them (over the same rows, in the same order), of y as it
 * is now (after the exact pass has recomputed some of its pixels).
 */
export function convSums(c: usize, y: usize, h: i32, w: i32, sums: usize, begin: i32, end: i32): void {
  const p = changetype<ConvParams>(c);
  const outPlane = outH(p, h) * outW(p, w), rows = computedRows(p, h, w), rowLen = computedRowLen(p, h, w);
  const bands = bandsOf(p, h, w), planeBytes = <usize>outPlane << 2;
  for (let item = begin; item < end; item++) {
    const img = item / bands, band = item % bands;
    const r0 = band * BAND_ROWS, r1 = min(rows, r0 + BAND_ROWS);
    const first = r0 * rowLen, count = min(outPlane, r1 * rowLen) - first;
    for (let co = 0; co < p.cout; co++) {
      const at = y + <usize>(img * p.cout + co) * planeBytes + (<usize>first << 2);
      store<f32>(sums + (<usize>((img * bands + band) * p.cout + co) << 2), planeSum(at, count));
    }
  }
}

/**
 * Σ over the bands of sums [n][bands][cout] (convCompute's), in band order: the plane sums of
 * image img's channels [c0, c0 + count) into out (added to it with `accumulate`).
 */
export function convSumBands(c: usize, sums: usize, h: i32, w: i32, img: i32, c0: i32, count: i32, out: usize, accumulate: bool): void {
  const p = changetype<ConvParams>(c);
  const bands = bandsOf(p, h, w);
  const bandBytes = <usize>p.cout << 2;
  const first = sums + (<usize>(img * bands) * bandBytes) + (<usize>c0 << 2);
  for (let j = 0; j < count; j++) {
    let s: f32 = 0;
    let at = first + (<usize>j << 2);
    for (let b = 0; b < bands; b++, at += bandBytes) s += load<f32>(at);
    const o = out + (<usize>j << 2);
    store<f32>(o, accumulate ? load<f32>(o) + s : s);
  }
}

/** Writes the tap table: tap (ci, ky, kx) of a group is the byte offset of its first input in the tapped image. */
export function convTable(c: usize, h: i32, w: i32, table: usize): void {
  const p = changetype<ConvParams>(c);
  const rowFloats = tapRowFloats(p, h, w), chanFloats = tapChanFloats(p, h, w);
  const cols = readsInPlace(p) ? rowFloats : packedCols(p, outW(p, w));
  const cinG = p.cin / p.groups;
  let k = 0;
  for (let ci = 0; ci < cinG; ci++) {
    for (let ky = 0; ky < p.kh; ky++) {
      for (let kx = 0; kx < p.kw; kx++, k++) {
        const col = kx * p.dw;
        store<i32>(table + (<usize>k << 2), (ci * chanFloats + ky * p.dh * rowFloats + (col % p.sw) * cols + col / p.sw) << 2);
      }
    }
  }
}

/**
 * Packs PyTorch weights w [cout, cin/groups, kh, kw] (kdim = cin/groups·kh·kw floats per
 * output channel) into `packed` (cout·kdim floats): per group, each block of `width` channels
 * (4, then 2, then 1: blockWidth) as [kdim][width], at its first channel·kdim floats.
 */
export function f32_conv2d_pack(w: usize, cout: i32, kdim: i32, groups: i32, packed: usize): void {
  const coutG = cout / groups;
  for (let g = 0; g < groups; g++) {
    const wg = w + (<usize>(g * coutG * kdim) << 2);
    let dst = packed + (<usize>(g * coutG * kdim) << 2);
    for (let co = 0; co < coutG; ) {
      const width = blockWidth(co, coutG);
      for (let k = 0; k < kdim; k++) {
        for (let m = 0; m < width; m++, dst += 4) store<f32>(dst, load<f32>(wg + (<usize>((co + m) * kdim + k) << 2)));
      }
      co += width;
    }
  }
}

/** relu(x·scale + shift) when `pre` (the input transform), else x. */
@inline function transform(v: v128, pre: bool, scale: v128, shift: v128): v128 {
  return pre ? f32x4.max(madd(v, scale, shift), f32x4.splat(0)) : v;
}

/**
 * Copies plane `c` of an image (x [h, w]) into dst as [rows][sw phases][cols], zero-padded by
 * (ph, pw): row r holds input row r − ph, phase φ column j holds input column j·sw + φ − pw.
 * With preScale ≠ 0, each value becomes relu(x·preScale[c] + preShift[c]) (padding stays 0).
 * Rows and phases that no tap reads (a 1×1 kernel with a stride) are left unwritten.
 */
function packPlane(p: ConvParams, x: usize, c: i32, h: i32, w: i32, rows: i32, cols: i32, dst: usize): void {
  const pre = p.preScale != 0;
  const sw = p.sw, ph = p.ph, pw = p.pw;
  const rowBytes = <usize>(sw * cols) << 2;
  const scale = pre ? v128.load32_splat(p.preScale + (<usize>c << 2)) : f32x4.splat(0);
  const shift = pre ? v128.load32_splat(p.preShift + (<usize>c << 2)) : f32x4.splat(0);
  // a strided pointwise convolution taps only every sh-th row, and only phase 0 of it
  const rowStep = p.kh == 1 ? p.sh : 1, phases = p.kw == 1 ? 1 : sw;
  for (let r = 0; r < rows; r += rowStep, dst += rowBytes * rowStep) {
    const iy = r - ph;
    if (iy < 0 || iy >= h) {
      memory.fill(dst, 0, rowBytes);
      continue;
    }
    const src = x + (<usize>(iy * w) << 2);
    if (sw == 1) {
      // [pw zeros][min(w, cols − pw) values][zeros]
      const left = min(pw, cols);
      const count = max(0, min(w, cols - pw));
      if (left) memory.fill(dst, 0, <usize>left << 2);
      const mid = dst + (<usize>left << 2);
      if (!pre) {
        memory.copy(mid, src, <usize>count << 2);
      } else {
        let i = 0;
        for (; i + 4 <= count; i += 4) v128.store(mid + (<usize>i << 2), transform(v128.load(src + (<usize>i << 2)), true, scale, shift));
        if (i < count) storeLanes(mid + (<usize>i << 2), transform(v128.load(src + (<usize>i << 2)), true, scale, shift), count - i);
      }
      if (cols > left + count) memory.fill(mid + (<usize>count << 2), 0, <usize>(cols - left - count) << 2);
    } else {
      const a: f32 = pre ? f32x4.extract_lane(scale, 0) : 1;
      const b: f32 = pre ? f32x4.extract_lane(shift, 0) : 0;
      let d = dst;
      for (let phase = 0; phase < phases; phase++) {
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

/** The pack stage: items [begin, end) are the planes img·cin + c of x (channels [0, cin) of [n, xChannels, h, w]), into `packed`. */
export function convPack(c: usize, x: usize, h: i32, w: i32, packed: usize, begin: i32, end: i32): void {
  const p = changetype<ConvParams>(c);
  const rows = packedRows(p, outH(p, h)), cols = packedCols(p, outW(p, w));
  const planeFloats = rows * p.sw * cols;
  for (let i = begin; i < end; i++) {
    const plane = <usize>(i / p.cin) * <usize>p.xChannels + <usize>(i % p.cin);
    packPlane(p, x + (plane * <usize>(h * w) << 2), i % p.cin, h, w, rows, cols, packed + (<usize>i * <usize>planeFloats << 2));
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
@inline export function row4(xb: usize, offs: usize, kdim: i32, wp: usize, y: usize, planeBytes: usize, ow: i32, bias: usize, co: i32, relu: bool): void {
  const b0 = biasSplat(bias, co), b1 = biasSplat(bias, co + 1), b2 = biasSplat(bias, co + 2), b3 = biasSplat(bias, co + 3);
  let ox = 0;
  for (; ox + 8 <= ow; ox += 8) tile4x8(xb + (<usize>ox << 2), offs, kdim, wp, y + (<usize>ox << 2), planeBytes, b0, b1, b2, b3, relu);
  for (; ox < ow; ox += 4) tile4x4(xb + (<usize>ox << 2), offs, kdim, wp, y + (<usize>ox << 2), planeBytes, b0, b1, b2, b3, relu, min(4, ow - ox));
}

/** One output row of `ow` pixels for the single channel co. */
@inline export function row1(xb: usize, offs: usize, kdim: i32, wp: usize, y: usize, ow: i32, bias: usize, co: i32, relu: bool): void {
  const b = biasSplat(bias, co);
  let ox = 0;
  for (; ox + 8 <= ow; ox += 8) tile1x8(xb + (<usize>ox << 2), offs, kdim, wp, y + (<usize>ox << 2), b, relu);
  for (; ox < ow; ox += 4) tile1x4(xb + (<usize>ox << 2), offs, kdim, wp, y + (<usize>ox << 2), b, relu, min(4, ow - ox));
}

/**
 * 2 channels × 16 pixels: 8 at xa and 8 at xa + dx (the same columns of the next output row, or
 * the next 8 pixels of the same row), stored at ya and ya + dy; dx = dy = 0 computes 8 pixels twice.
 */
@inline function tile2x16(
  xa: usize, dx: usize, offs: usize, kdim: i32, wp: usize, ya: usize, dy: usize, planeBytes: usize, b0: v128, b1: v128, relu: bool,
): void {
  let a00 = f32x4.splat(0), a01 = f32x4.splat(0), a02 = f32x4.splat(0), a03 = f32x4.splat(0);
  let a10 = f32x4.splat(0), a11 = f32x4.splat(0), a12 = f32x4.splat(0), a13 = f32x4.splat(0);
  const end = offs + (<usize>kdim << 2);
  for (; offs < end; offs += 4, wp += 8) {
    const p = xa + <usize>load<i32>(offs), q = p + dx;
    const v0 = v128.load(p), v1 = v128.load(p, 16), v2 = v128.load(q), v3 = v128.load(q, 16);
    const w0 = v128.load32_splat(wp);
    a00 = madd(w0, v0, a00); a01 = madd(w0, v1, a01); a02 = madd(w0, v2, a02); a03 = madd(w0, v3, a03);
    const w1 = v128.load32_splat(wp, 4);
    a10 = madd(w1, v0, a10); a11 = madd(w1, v1, a11); a12 = madd(w1, v2, a12); a13 = madd(w1, v3, a13);
  }
  const yb = ya + dy;
  v128.store(ya, epilogue(a00, b0, relu)); v128.store(ya, epilogue(a01, b0, relu), 16);
  v128.store(yb, epilogue(a02, b0, relu)); v128.store(yb, epilogue(a03, b0, relu), 16);
  v128.store(ya + planeBytes, epilogue(a10, b1, relu)); v128.store(ya + planeBytes, epilogue(a11, b1, relu), 16);
  v128.store(yb + planeBytes, epilogue(a12, b1, relu)); v128.store(yb + planeBytes, epilogue(a13, b1, relu), 16);
}

/** 2 channels × (4 pixels at xa and 4 at xa + dx), of which the first `lanes` of each are stored at ya and ya + dy. */
@inline function tile2x8(
  xa: usize, dx: usize, offs: usize, kdim: i32, wp: usize, ya: usize, dy: usize, planeBytes: usize, b0: v128, b1: v128, relu: bool, lanes: i32,
): void {
  let a00 = f32x4.splat(0), a01 = f32x4.splat(0), a10 = f32x4.splat(0), a11 = f32x4.splat(0);
  const end = offs + (<usize>kdim << 2);
  for (; offs < end; offs += 4, wp += 8) {
    const p = xa + <usize>load<i32>(offs);
    const v0 = v128.load(p), v1 = v128.load(p + dx);
    const w0 = v128.load32_splat(wp), w1 = v128.load32_splat(wp, 4);
    a00 = madd(w0, v0, a00); a01 = madd(w0, v1, a01);
    a10 = madd(w1, v0, a10); a11 = madd(w1, v1, a11);
  }
  const yb = ya + dy;
  storeTail(ya, epilogue(a00, b0, relu), lanes); storeTail(yb, epilogue(a01, b0, relu), lanes);
  storeTail(ya + planeBytes, epilogue(a10, b1, relu), lanes); storeTail(yb + planeBytes, epilogue(a11, b1, relu), lanes);
}

/**
 * Output rows of `ow` pixels for the 2 channels co, co + 1: the row at xb / y and, when `paired`,
 * the next one (inputs dx, outputs dy bytes further) in the same tiles; a row alone goes 16
 * pixels per tile (and its last 4-pixel pieces are computed twice over).
 */
@inline export function rows2(
  xb: usize, dx: usize, offs: usize, kdim: i32, wp: usize, y: usize, dy: usize, planeBytes: usize, ow: i32, bias: usize, co: i32, relu: bool, paired: bool,
): void {
  const b0 = biasSplat(bias, co), b1 = biasSplat(bias, co + 1);
  const step = paired ? 8 : 16;
  const dxFull: usize = paired ? dx : 32, dyFull: usize = paired ? dy : 32;
  const dxTail: usize = paired ? dx : 0, dyTail: usize = paired ? dy : 0;
  let ox = 0;
  for (; ox + step <= ow; ox += step) tile2x16(xb + (<usize>ox << 2), dxFull, offs, kdim, wp, y + (<usize>ox << 2), dyFull, planeBytes, b0, b1, relu);
  for (; ox < ow; ox += 4) tile2x8(xb + (<usize>ox << 2), dxTail, offs, kdim, wp, y + (<usize>ox << 2), dyTail, planeBytes, b0, b1, relu, min(4, ow - ox));
}

/**
 * Output rows [r0, r1) of blocks [b0, b1) of a group: its tapped input srcG (rows rowStep floats
 * apart), its weights wG, its output yImg (rows rowLen floats apart, the last one ending at the
 * plane's end), channels from coG. Where the group has a block of 2 and rows r and r + 1 are
 * both whole, the block of 2 computes them together and the other blocks follow row by row.
 */
function bandOfBlocks(
  p: ConvParams, srcG: usize, rowStep: i32, table: usize, kdim: i32, wG: usize, yImg: usize, rowLen: i32, outPlane: i32,
  coG: i32, coutG: i32, b0: i32, b1: i32, r0: i32, r1: i32,
): void {
  const relu = p.epilogue == EPILOGUE_RELU, hasPairs = coutG % MR >= 2;
  const planeBytes = <usize>outPlane << 2, dx = <usize>rowStep << 2, dy = <usize>rowLen << 2;
  for (let r = r0; r < r1; r++) {
    const xb = srcG + <usize>r * dx, yRow = yImg + <usize>r * dy;
    const len = min(rowLen, outPlane - r * rowLen);
    const paired = hasPairs && r + 1 < r1 && (r + 2) * rowLen <= outPlane;
    for (let q = 0; q <= <i32>paired; q++) {
      for (let blk = b0; blk < b1; blk++) {
        const co = blockChannel(blk, coutG), width = blockWidth(co, coutG);
        const wBlk = wG + (<usize>(co * kdim) << 2);
        const x = xb + <usize>q * dx, yBlk = yRow + <usize>q * dy + <usize>(coG + co) * planeBytes;
        if (width == MR) row4(x, table, kdim, wBlk, yBlk, planeBytes, len, p.bias, coG + co, relu);
        else if (width == 1) row1(x, table, kdim, wBlk, yBlk, len, p.bias, coG + co, relu);
        else if (q == 0) rows2(x, dx, table, kdim, wBlk, yBlk, dy, planeBytes, len, p.bias, coG + co, relu, paired);
      }
    }
    r += <i32>paired;
  }
}

/**
 * The compute stage: items [begin, end) of convComputeItems, each one band of output rows of one
 * chunk of output channel blocks of one group of one image, y [n, cout, oh, ow] = epilogue(conv(src)).
 * `src` is the input (read in place) or the packed copy, `table` the tap table (convTable). Item
 * order (image, group, chunk, band) is the loop order of one thread: a chunk's weights stay in L2
 * over its rows, a band's inputs in L1/L2 over the chunk's blocks. y must not alias the input.
 * With `sums` ≠ 0 each item also writes, for each of its channels, the sum of its rows of the
 * output plane at sums [n][bands][cout] (convSumsFloats; convSumBands adds the bands up).
 */
export function convCompute(c: usize, src: usize, table: usize, y: usize, h: i32, w: i32, begin: i32, end: i32, sums: usize = 0): void {
  const p = changetype<ConvParams>(c);
  const oh = outH(p, h), ow = outW(p, w);
  const outPlane = oh * ow;
  const cinG = p.cin / p.groups, coutG = p.cout / p.groups;
  const kdim = kdimOf(p);
  const blocks = blocksOf(p), chunk = chunkOf(p);
  const chunks = (blocks + chunk - 1) / chunk;
  const rows = computedRows(p, h, w), rowLen = computedRowLen(p, h, w);
  const bands = bandsOf(p, h, w);
  const rowFloats = tapRowFloats(p, h, w), chanFloats = tapChanFloats(p, h, w);
  const rowStep = segmented(p) ? rowLen : p.sh * rowFloats;
  // the packed copy holds cin channels per image; the input read in place, xChannels
  const imageFloats = <usize>(readsInPlace(p) ? p.xChannels : p.cin) * <usize>chanFloats;
  const planeBytes = <usize>outPlane << 2;
  for (let item = begin; item < end; item++) {
    let rest = item;
    const band = rest % bands; rest /= bands;
    const ck = rest % chunks; rest /= chunks;
    const g = rest % p.groups;
    const img = rest / p.groups;
    const srcG = src + ((<usize>img * imageFloats + <usize>(g * cinG * chanFloats)) << 2);
    const wG = p.weights + (<usize>(g * coutG * kdim) << 2);
    const coG = g * coutG;
    const yImg = y + <usize>img * <usize>p.cout * planeBytes;
    const b0 = ck * chunk, b1 = min(blocks, b0 + chunk);
    const r0 = band * BAND_ROWS, r1 = min(rows, r0 + BAND_ROWS);
    bandOfBlocks(p, srcG, rowStep, table, kdim, wG, yImg, rowLen, outPlane, coG, coutG, b0, b1, r0, r1);
    if (p.epilogue == EPILOGUE_SIGMOID || sums) {
      // what this item wrote (its rows of its channels), while it is in cache: σ of it, or its sums
      const co0 = coG + blockChannel(b0, coutG), co1 = coG + (b1 < blocks ? blockChannel(b1, coutG) : coutG);
      const first = r0 * rowLen, count = min(outPlane, r1 * rowLen) - first;
      for (let co = co0; co < co1; co++) {
        const at = yImg + <usize>co * planeBytes + (<usize>first << 2);
        if (p.epilogue == EPILOGUE_SIGMOID) f32_vsigmoid(at, count, at);
        if (sums) store<f32>(sums + (<usize>((img * bands + band) * p.cout + co) << 2), planeSum(at, count));
      }
    }
  }
}
