// Gather-excite (Hu et al., arXiv 1810.12348; timm timm/layers/gather_excite.py GatherExcite):
// gather g: GAP (extent 0), or an average pool of window 2e − 1, stride e, padding e − 1 dividing by
// the in-bounds count (extent e), either with 0.5·max added (addMaxpool); or, with extra parameters,
// ⌊log2 e⌋ depthwise 3×3 stride-2 convs (one of kernel featSize for extent 0), each with its BN folded
// in and a ReLU between them. Excite: t = σ(fc2(relu(fc1(g)))) (1×1 convs, bias) or σ(g); y = x·t,
// t resized to H×W by nearest neighbour with PyTorch's float32 indices when it is not 1×1.
// x is read twice from memory (the pool or the first strided conv, reading it in place; the output
// pass, which resizes t as it multiplies) and y written once; the featSize conv packs a copy of x.
// NHWC: parts/gather-excite-nhwc.ts (the featSize conv reads x in place there).

import { CONV_EXACT_ALL, EPILOGUE_RELU, LAYOUT_NHWC, POOL_AVG, POOL_AVGMAX } from "../../bindings/constants";
import { Call } from "../call";
import { poolOutSize, poolPlane, poolScratch } from "../kernels/f32-avgpool-cw";
import { ConvParams } from "../kernels/f32-conv2d";
import { convExact, convExactItems } from "../kernels/f32-conv2d-exact";
import { dwconv3x3s2OutSize, dwconv3x3s2Planes } from "../kernels/f32-dwconv3x3s2-cw";
import { f32_gpool_cw } from "../kernels/f32-gpool";
import { nearestTables, nearestTablesFloats, scaleNearest } from "../kernels/f32-resize-nearest";
import { f32_vscale_channel_cw } from "../kernels/f32-vscale";
import { f32_vsigmoid } from "../kernels/f32-vunary";
import { CONV_KINDS, CONV_SLOTS, convStagesPlan, convStagesRun } from "../parts/conv-stages";
import { gatherConv, GEParams, gatherExcitePlanNhwc, gatherExciteRunNhwc, outH, outW } from "../parts/gather-excite-nhwc";

// regions: the gathered map (ping-pong between the strided gather convs), the pool's column sums,
// the MLP's hidden map, the gate t, the resize's row and column tables; each conv's two
const G0 = 0, G1 = 1, POOL_COLS = 2, HIDDEN = 3, T = 4, TABLES_AT = 5, GATHER = 6, FC1 = GATHER + CONV_SLOTS, FC2 = FC1 + CONV_SLOTS;
// private words: the gathered map's size
const GH = FC2 + CONV_SLOTS, GW = GH + 1;
// stages: a strided gather conv's code carries its index above 8 bits
const POOL = 0, SIGMOID = 1, TABLES = 2, OUTPUT = 3, STRIDED = 4, STRIDED_EXACT = 5, FC1_STAGES = 6, FC2_STAGES = FC1_STAGES + CONV_KINDS, GATHER_STAGES = FC2_STAGES + CONV_KINDS;

/** The region gather conv i writes (they alternate, so that each reads what the one before wrote). */
@inline function convOut(i: i32): i32 { return i & 1 ? G1 : G0; }

export function gather_excite_plan(params: usize, call: usize): void {
  const p = changetype<GEParams>(params), k = changetype<Call>(call);
  const n = k.n, c = p.c, h = k.h, w = k.w, planes = <u64>n * <u64>c;
  k.begin();
  if (p.layout == LAYOUT_NHWC) {
    gatherExcitePlanNhwc(p, k);
    return;
  }
  let gh = 1, gw = 1;
  if (p.convs == 0) {
    const e = p.extent;
    if (e > 0) {
      gh = poolOutSize(h, 2 * e - 1, e, e - 1);
      gw = poolOutSize(w, 2 * e - 1, e, e - 1);
      k.region(POOL_COLS, planes * <u64>poolScratch(w));
    }
    k.region(G0, planes * <u64>gh * <u64>gw);
    k.stage(POOL, n * c);
  } else if (p.extent > 0) {
    // ⌊log2 e⌋ depthwise 3×3 stride-2 convs, read in place
    gh = h; gw = w;
    for (let i = 0; i < p.convs; i++) {
      // the exact pass (f32-conv2d-exact.ts) after it where a weight is not finite (the padding
      // taps skipped), or in place of it where a batch norm did not fold
      if (changetype<ConvParams>(gatherConv(p, i)).exact != CONV_EXACT_ALL) k.stage(STRIDED | (i << 8), n * c);
      const exact = convExactItems(gatherConv(p, i), n, gh, gw);
      if (exact) k.stage(STRIDED_EXACT | (i << 8), exact);
      gh = dwconv3x3s2OutSize(gh); gw = dwconv3x3s2OutSize(gw);
      if (i < 2) k.region(convOut(i), planes * <u64>gh * <u64>gw);
    }
  } else {
    // the one depthwise conv of kernel featSize
    convStagesPlan(gatherConv(p, 0), k, n, h, w, GATHER, GATHER_STAGES);
    gh = outH(gatherConv(p, 0), h); gw = outW(gatherConv(p, 0), w);
    k.region(G0, planes * <u64>gh * <u64>gw);
  }
  k.setWord(GH, gh);
  k.setWord(GW, gw);
  const cells = planes * <u64>gh * <u64>gw;
  if (p.fc1) {
    k.region(HIDDEN, cells / <u64>c * <u64>changetype<ConvParams>(p.fc1).cout);
    convStagesPlan(p.fc1, k, n, gh, gw, FC1, FC1_STAGES);
    convStagesPlan(p.fc2, k, n, gh, gw, FC2, FC2_STAGES);
  } else {
    k.stage(SIGMOID, n * c);
  }
  k.region(T, cells);
  if (gh * gw > 1) {
    k.region(TABLES_AT, <u64>nearestTablesFloats(h, w));
    k.stage(TABLES, 1);
  }
  k.stage(OUTPUT, n * c);
}

export function gather_excite_run(params: usize, call: usize, stage: i32, begin: i32, end: i32): void {
  const p = changetype<GEParams>(params), k = changetype<Call>(call);
  if (p.layout == LAYOUT_NHWC) {
    gatherExciteRunNhwc(p, k, k.kind(stage), begin, end);
    return;
  }
  const n = k.n, c = p.c, h = k.h, w = k.w, hw = h * w;
  const gh = k.word(GH), gw = k.word(GW), cells = gh * gw;
  const planeBytes = <usize>hw << 2, cellBytes = <usize>cells << 2;
  const kind = k.kind(stage), code = kind & 255;
  // the gathered map: the pool's, or the last gather conv's
  const g = k.at(p.convs == 0 ? G0 : convOut(p.convs - 1));
  if (code == POOL) {
    const e = p.extent;
    if (e == 0) {
      f32_gpool_cw(k.x + <usize>begin * planeBytes, end - begin, hw, p.withMax ? POOL_AVGMAX : POOL_AVG, g + (<usize>begin << 2));
    } else {
      const cols = k.at(POOL_COLS);
      for (let i = begin; i < end; i++) {
        poolPlane(k.x + <usize>i * planeBytes, h, w, 2 * e - 1, e, e - 1, p.withMax != 0, cols + (<usize>(i * poolScratch(w)) << 2), g + <usize>i * cellBytes);
      }
    }
  } else if (code >= GATHER_STAGES) {
    convStagesRun(gatherConv(p, 0), k, code - GATHER_STAGES, k.x, k.at(G0), n, h, w, GATHER, begin, end);
  } else if (code == STRIDED || code == STRIDED_EXACT) {
    // strided conv i on the map conv i − 1 wrote (x for the first)
    const i = kind >> 8;
    let ih = h, iw = w;
    for (let j = 0; j < i; j++) { ih = dwconv3x3s2OutSize(ih); iw = dwconv3x3s2OutSize(iw); }
    const conv = changetype<ConvParams>(gatherConv(p, i));
    const src = i == 0 ? k.x : k.at(convOut(i - 1));
    if (code == STRIDED_EXACT) convExact(gatherConv(p, i), src, k.at(convOut(i)), ih, iw, begin, end);
    else dwconv3x3s2Planes(src, c, ih, iw, conv.weights, conv.bias, conv.epilogue == EPILOGUE_RELU, k.at(convOut(i)), begin, end);
  } else if (code >= FC2_STAGES) {
    convStagesRun(p.fc2, k, code - FC2_STAGES, k.at(HIDDEN), k.at(T), n, gh, gw, FC2, begin, end);
  } else if (code >= FC1_STAGES) {
    convStagesRun(p.fc1, k, code - FC1_STAGES, g, k.at(HIDDEN), n, gh, gw, FC1, begin, end);
  } else if (code == SIGMOID) {
    f32_vsigmoid(g + <usize>begin * cellBytes, (end - begin) * cells, k.at(T) + <usize>begin * cellBytes);
  } else if (code == TABLES) {
    nearestTables(gh, gw, h, w, k.at(TABLES_AT));
  } else if (cells == 1) {
    // a 1×1 gate broadcasts (timm resizes only maps that are not 1×1)
    f32_vscale_channel_cw(k.x, hw, k.at(T), k.y, begin, end);
  } else {
    scaleNearest(k.x, k.y, h, w, k.at(T), gh, gw, k.at(TABLES_AT), begin, end);
  }
}
