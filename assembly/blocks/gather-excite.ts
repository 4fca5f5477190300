// Gather-excite (Hu et al., arXiv 1810.12348; timm timm/layers/gather_excite.py GatherExcite):
// gather g: GAP (extent 0), or an average pool of window 2e − 1, stride e, padding e − 1 dividing by
// the in-bounds count (extent e), either with 0.5·max added (addMaxpool); or, with extra parameters,
// ⌊log2 e⌋ depthwise 3×3 stride-2 convs (one of kernel featSize for extent 0), each with its BN folded
// in and a ReLU between them. Excite: t = σ(fc2(relu(fc1(g)))) (1×1 convs, bias) or σ(g); y = x·t,
// t resized to H×W by nearest neighbour with PyTorch's float32 indices when it is not 1×1.
// Without extra parameters x is read twice (the pool, the output pass) and y written once.

import { POOL_AVG, POOL_AVGMAX } from "../../bindings/constants";
import { Call } from "../call";
import { poolOutSize, poolPlane } from "../kernels/f32-avgpool-cw";
import { ConvParams, convOutSize } from "../kernels/f32-conv2d";
import { f32_gpool_cw } from "../kernels/f32-gpool";
import { expandRow, nearestColumns, nearestIndex } from "../kernels/f32-resize-nearest";
import { MulQ, MulS, RowsAreChannels, scaleRows } from "../kernels/f32-vscale";
import { f32_vsigmoid } from "../kernels/f32-vunary";
import { CONV_KINDS, CONV_SLOTS, convRegions, convStages, convStagesPlan, convStagesRun } from "../parts/conv-stages";

/**
 * The block's constants (bindings/blocks/gather-excite.ts): layout, C, the extent, whether the pool
 * adds its max, the number of gather convs (0: the gather is a pool) and their ConvParams records
 * (back to back), the MLP's fc1 and fc2 records (0: no MLP).
 */
@unmanaged class GEParams { layout: i32; c: i32; extent: i32; withMax: i32; convs: i32; gather: usize; fc1: usize; fc2: usize; }

// regions: the gathered map (ping-pong between the gather convs), the pool's column sums, the MLP's
// hidden map, the gate t, the output pass's resized rows and column indices; each conv's two
const G0 = 0, G1 = 1, POOL_COLS = 2, HIDDEN = 3, T = 4, ROWS = 5, COLUMN_INDEX = 6, GATHER = 7, FC1 = GATHER + CONV_SLOTS, FC2 = FC1 + CONV_SLOTS;
// private words: the gathered map's size
const GH = FC2 + CONV_SLOTS, GW = GH + 1;
// stages: a gather conv's codes carry its index above 8 bits
const POOL = 0, SIGMOID = 1, COLUMNS = 2, OUTPUT = 3, FC1_STAGES = 4, FC2_STAGES = FC1_STAGES + CONV_KINDS, GATHER_STAGES = FC2_STAGES + CONV_KINDS;

@inline function gatherConv(p: GEParams, i: i32): usize { return p.gather + <usize>i * offsetof<ConvParams>(); }
@inline function outH(conv: usize, h: i32): i32 { const c = changetype<ConvParams>(conv); return convOutSize(h, c.kh, c.sh, c.dh, c.ph); }
@inline function outW(conv: usize, w: i32): i32 { const c = changetype<ConvParams>(conv); return convOutSize(w, c.kw, c.sw, c.dw, c.pw); }
@inline function padded(w: i32): i32 { return w + 3 & ~3; }

/** The region gather conv i writes (they alternate, so that each reads what the one before wrote). */
@inline function convOut(i: i32): i32 { return i & 1 ? G1 : G0; }

export function gather_excite_plan(params: usize, call: usize): void {
  const p = changetype<GEParams>(params), k = changetype<Call>(call);
  const n = k.n, c = p.c, h = k.h, w = k.w, planes = <u64>n * <u64>c;
  k.begin();
  let gh = 1, gw = 1;
  if (p.convs == 0) {
    const e = p.extent;
    if (e > 0) {
      gh = poolOutSize(h, 2 * e - 1, e, e - 1);
      gw = poolOutSize(w, 2 * e - 1, e, e - 1);
      k.region(POOL_COLS, planes * 2 * <u64>padded(w));
    }
    k.region(G0, planes * <u64>gh * <u64>gw);
    k.stage(POOL, n * c);
  } else {
    // the first conv reads the largest input: its table and packed copy serve the others in turn
    convRegions(gatherConv(p, 0), k, n, h, w, GATHER);
    gh = h; gw = w;
    for (let i = 0; i < p.convs; i++) {
      const conv = gatherConv(p, i);
      convStages(conv, k, n, gh, gw, GATHER_STAGES | (i << 8));
      gh = outH(conv, gh); gw = outW(conv, gw);
      if (i < 2) k.region(convOut(i), planes * <u64>gh * <u64>gw);
    }
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
  if (gh * gw > 1 && gw != w) {
    k.region(COLUMN_INDEX, <u64>w);
    k.region(ROWS, planes * <u64>padded(w));
    k.stage(COLUMNS, 1);
  }
  k.stage(OUTPUT, n * c);
}

/**
 * Planes [begin, end) of y = x·t, t [planes][gh][gw] resized to h×w: each output row reads the
 * row of t nearest it (PyTorch's float32 index), widened into the plane's own row of `rows` through
 * the column indices when gw ≠ w.
 */
function scaleResized(x: usize, y: usize, h: i32, w: i32, t: usize, gh: i32, gw: i32, columns: usize, rows: usize, begin: i32, end: i32): void {
  const rowBytes = <usize>w << 2, planeBytes = <usize>h * rowBytes, tRowBytes = <usize>gw << 2;
  const wide = gw != w;
  for (let plane = begin; plane < end; plane++) {
    const tp = t + <usize>(plane * gh) * tRowBytes, row = rows + (<usize>(plane * padded(w)) << 2);
    let last = -1;
    for (let i = 0; i < h; i++) {
      const r = nearestIndex(i, gh, h);
      let q = tp + <usize>r * tRowBytes;
      if (wide) {
        if (r != last) expandRow(q, columns, w, row);
        last = r;
        q = row;
      }
      const at = <usize>plane * planeBytes + <usize>i * rowBytes;
      scaleRows<MulQ, RowsAreChannels>(x + at, y + at, 0, 0, w, 1, 0, q, 0, 0, 1);
    }
  }
}

export function gather_excite_run(params: usize, call: usize, stage: i32, begin: i32, end: i32): void {
  const p = changetype<GEParams>(params), k = changetype<Call>(call);
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
        poolPlane(k.x + <usize>i * planeBytes, h, w, 2 * e - 1, e, e - 1, p.withMax != 0, cols + (<usize>(i * 2 * padded(w)) << 2), g + <usize>i * cellBytes);
      }
    }
  } else if (code >= GATHER_STAGES) {
    // conv i on the map conv i − 1 wrote (x for the first); its input size by the sizes before it
    const i = kind >> 8;
    let ih = h, iw = w;
    for (let j = 0; j < i; j++) { ih = outH(gatherConv(p, j), ih); iw = outW(gatherConv(p, j), iw); }
    const src = i == 0 ? k.x : k.at(convOut(i - 1));
    convStagesRun(gatherConv(p, i), k, code - GATHER_STAGES, src, k.at(convOut(i)), n, ih, iw, GATHER, begin, end);
  } else if (code >= FC2_STAGES) {
    convStagesRun(p.fc2, k, code - FC2_STAGES, k.at(HIDDEN), k.at(T), n, gh, gw, FC2, begin, end);
  } else if (code >= FC1_STAGES) {
    convStagesRun(p.fc1, k, code - FC1_STAGES, g, k.at(HIDDEN), n, gh, gw, FC1, begin, end);
  } else if (code == SIGMOID) {
    f32_vsigmoid(g + <usize>begin * cellBytes, (end - begin) * cells, k.at(T) + <usize>begin * cellBytes);
  } else if (code == COLUMNS) {
    nearestColumns(gw, w, k.at(COLUMN_INDEX));
  } else if (cells == 1) {
    // a 1×1 gate broadcasts (timm resizes only maps that are not 1×1)
    scaleRows<MulS, RowsAreChannels>(k.x, k.y, 0, planeBytes, hw, 1, k.at(T), 0, 0, begin, end);
  } else {
    scaleResized(k.x, k.y, h, w, k.at(T), gh, gw, k.at(COLUMN_INDEX), k.at(ROWS), begin, end);
  }
}
