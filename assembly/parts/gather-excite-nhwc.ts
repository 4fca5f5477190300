// Gather-excite (Hu et al., arXiv 1810.12348; timm timm/layers/gather_excite.py GatherExcite) in
// NHWC: the gather (the global pool by chunks of pixel rows, the windowed pool, or the depthwise
// gather convs), the excitation on the gathered map's pixel rows (1×1 convs as dense layers on rows
// of C channels, or σ alone), and the output pass, which resizes t by nearest neighbour with
// PyTorch's float32 indices as it multiplies. x is read twice from memory (the pool or the first
// gather conv, reading it in place; the output pass) and y written once.

import { POOL_AVG, POOL_AVGMAX } from "../../bindings/constants";
import { Call } from "../call";
import { poolRowsNhwc } from "../kernels/f32-avgpool-nhwc";
import { poolOutSize } from "../kernels/f32-avgpool-cw";
import { ConvParams, convOutSize } from "../kernels/f32-conv2d";
import { f32_dense } from "../kernels/f32-dense";
import { dwconvRowsNhwc } from "../kernels/f32-dwconv-nhwc";
import { nearestTablesFloatsNhwc, nearestTablesNhwc, scaleNearestNhwc } from "../kernels/f32-resize-nearest";
import { f32_vrelu, f32_vsigmoid } from "../kernels/f32-vunary";
import { globalPoolCombineNhwc, globalPoolNhwc, globalPoolPlanNhwc } from "./global-pool-nhwc";

/**
 * The block's constants (bindings/blocks/gather-excite.ts): layout, C, the extent, whether the pool
 * adds its max, the number of gather convs (0: the gather is a pool) and their ConvParams records
 * (back to back; in NHWC their weights are tap-major [kh][kw][C]), the MLP's fc1 and fc2 records
 * (0: no MLP; in NHWC their weights are the dense [cout, cin]).
 */
@unmanaged export class GEParams { layout: i32; c: i32; extent: i32; withMax: i32; convs: i32; gather: usize; fc1: usize; fc2: usize; }

/** Gather conv i's record. */
@inline export function gatherConv(p: GEParams, i: i32): usize { return p.gather + <usize>i * offsetof<ConvParams>(); }
/** The output height and width of the conv record `conv` on an input of height h, width w. */
@inline export function outH(conv: usize, h: i32): i32 { const c = changetype<ConvParams>(conv); return convOutSize(h, c.kh, c.sh, c.dh, c.ph); }
@inline export function outW(conv: usize, w: i32): i32 { const c = changetype<ConvParams>(conv); return convOutSize(w, c.kw, c.sw, c.dw, c.pw); }

// regions: the gathered map (ping-pong between the gather convs) [N][gh][gw][C], the global pool's
// partial sums and maxima, the MLP's hidden rows [N·gh·gw][R], the gate t [N][gh][gw][C], the
// resize's tables
const G0 = 0, G1 = 1, SUMS = 2, MAXES = 3, HIDDEN = 4, T = 5, TABLES_AT = 6;
// private words: the gathered map's size
const GH = 7, GW = 8;
// stages: a gather conv's code carries its index above 8 bits
const POOL = 0, COMBINE = 1, WINDOWS = 2, CONV = 3, FC1 = 4, FC2 = 5, SIGMOID = 6, TABLES = 7, OUTPUT = 8;

/** The region gather conv i writes (they alternate, so that each reads what the one before wrote). */
@inline function convOut(i: i32): i32 { return i & 1 ? G1 : G0; }

/** The input height and width of gather conv i on an image of [h, w]. */
@inline function convInH(p: GEParams, i: i32, h: i32): i32 { for (let j = 0; j < i; j++) h = outH(gatherConv(p, j), h); return h; }
@inline function convInW(p: GEParams, i: i32, w: i32): i32 { for (let j = 0; j < i; j++) w = outW(gatherConv(p, j), w); return w; }

export function gatherExcitePlanNhwc(p: GEParams, k: Call): void {
  const n = k.n, c = p.c, h = k.h, w = k.w;
  let gh = 1, gw = 1;
  if (p.convs == 0 && p.extent == 0) {
    globalPoolPlanNhwc(k, SUMS, MAXES, POOL, h * w, c);
    k.stage(COMBINE, n);
  } else if (p.convs == 0) {
    const e = p.extent;
    gh = poolOutSize(h, 2 * e - 1, e, e - 1);
    gw = poolOutSize(w, 2 * e - 1, e, e - 1);
    k.stage(WINDOWS, n * gh);
  } else {
    // the depthwise gather convs, each on the map the one before wrote (x for the first), by output rows
    gh = h; gw = w;
    for (let i = 0; i < p.convs; i++) {
      gh = outH(gatherConv(p, i), gh); gw = outW(gatherConv(p, i), gw);
      k.stage(CONV | (i << 8), n * gh);
      if (i < 2) k.region(convOut(i), <u64>n * <u64>gh * <u64>gw * <u64>c);
    }
  }
  if (p.convs == 0) k.region(G0, <u64>n * <u64>gh * <u64>gw * <u64>c);
  k.setWord(GH, gh);
  k.setWord(GW, gw);
  const rows = n * gh * gw;
  if (p.fc1) {
    k.region(HIDDEN, <u64>rows * <u64>changetype<ConvParams>(p.fc1).cout);
    k.stage(FC1, rows);
    k.stage(FC2, rows);
  } else {
    k.stage(SIGMOID, rows);
  }
  k.region(T, <u64>rows * <u64>c);
  k.region(TABLES_AT, <u64>nearestTablesFloatsNhwc(h, w));
  k.stage(TABLES, 1);
  k.stage(OUTPUT, n * h);
}

export function gatherExciteRunNhwc(p: GEParams, k: Call, kind: i32, begin: i32, end: i32): void {
  const c = p.c, h = k.h, w = k.w, gh = k.word(GH), gw = k.word(GW);
  const rowBytes = <usize>c << 2;
  const code = kind & 255;
  // the gathered map: the pool's, or the last gather conv's
  const g = k.at(p.convs == 0 ? G0 : convOut(p.convs - 1));
  if (code == POOL) {
    globalPoolNhwc(p.withMax ? POOL_AVGMAX : POOL_AVG, c, k.x, h * w, k.at(SUMS), k.at(MAXES), begin, end);
  } else if (code == COMBINE) {
    globalPoolCombineNhwc(p.withMax ? POOL_AVGMAX : POOL_AVG, c, k.at(SUMS), k.at(MAXES), h * w, g, begin, end);
  } else if (code == WINDOWS) {
    const e = p.extent;
    poolRowsNhwc(k.x, h, w, c, 2 * e - 1, e, e - 1, p.withMax != 0, g, begin, end);
  } else if (code == CONV) {
    const i = kind >> 8;
    dwconvRowsNhwc(gatherConv(p, i), i == 0 ? k.x : k.at(convOut(i - 1)), convInH(p, i, h), convInW(p, i, w), k.at(convOut(i)), begin, end);
  } else if (code == FC1) {
    // rows [begin, end) of relu(fc1(g)), then of σ(fc2(·))
    const f = changetype<ConvParams>(p.fc1), r = f.cout, hidden = k.at(HIDDEN) + (<usize>(begin * r) << 2);
    f32_dense(g + <usize>begin * rowBytes, end - begin, c, f.weights, f.bias, r, hidden);
    f32_vrelu(hidden, (end - begin) * r, hidden);
  } else if (code == FC2) {
    const f = changetype<ConvParams>(p.fc2), r = f.cin, t = k.at(T) + <usize>begin * rowBytes;
    f32_dense(k.at(HIDDEN) + (<usize>(begin * r) << 2), end - begin, r, f.weights, f.bias, c, t);
    f32_vsigmoid(t, (end - begin) * c, t);
  } else if (code == SIGMOID) {
    f32_vsigmoid(g + <usize>begin * rowBytes, (end - begin) * c, k.at(T) + <usize>begin * rowBytes);
  } else if (code == TABLES) {
    nearestTablesNhwc(gh, gw, h, w, c, k.at(TABLES_AT));
  } else {
    scaleNearestNhwc(k.x, k.y, h, w, c, k.at(T), gh, gw, k.at(TABLES_AT), begin, end);
  }
}
