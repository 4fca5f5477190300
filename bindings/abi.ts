// The WebAssembly module's exports (assembly/index.ts): every pointer is a byte offset into `memory`.

type Ptr = number;

export interface ExciteExports {
  readonly memory: WebAssembly.Memory;
  alloc(bytes: number): Ptr;
  free(ptr: Ptr): void;

  f32_gavgpool_cw(x: Ptr, planes: number, hw: number, y: Ptr): void;
  f32_gmaxpool_cw(x: Ptr, planes: number, hw: number, y: Ptr): void;
  f32_gavgmaxpool_cw(x: Ptr, planes: number, hw: number, mean: Ptr, max: Ptr): void;
  f32_dense(x: Ptr, rows: number, inDim: number, w: Ptr, bias: Ptr, outDim: number, y: Ptr): void;
  f32_conv1x1_o1_cw(x: Ptr, n: number, c: number, hw: number, w: Ptr, bias: Ptr, q: Ptr): void;
  f32_vsigmoid(x: Ptr, n: number, y: Ptr): void;
  f32_vhardsigmoid(x: Ptr, n: number, alpha: number, beta: number, y: Ptr): void;
  f32_vrelu(x: Ptr, n: number, y: Ptr): void;
  f32_vsilu(x: Ptr, n: number, y: Ptr): void;
  f32_vhardswish(x: Ptr, n: number, y: Ptr): void;
  f32_vgate(x: Ptr, n: number, gate: number, alpha: number, beta: number, y: Ptr): void;
  f32_vactivation(x: Ptr, n: number, act: number, y: Ptr): void;
  f32_vscale_channel_cw(x: Ptr, planes: number, hw: number, s: Ptr, y: Ptr): void;
  f32_vscale_spatial_cw(x: Ptr, n: number, c: number, hw: number, q: Ptr, y: Ptr): void;

  se_f32_nchw_scratch_bytes(n: number, c: number, r: number): number;
  se_f32_nchw(
    x: Ptr, y: Ptr, n: number, c: number, hw: number, scratch: Ptr,
    r: number, w1: Ptr, b1: Ptr, w2: Ptr, b2: Ptr,
    act: number, gate: number, alpha: number, beta: number, pool: number,
  ): void;
  sse_f32_nchw(
    x: Ptr, y: Ptr, n: number, c: number, hw: number,
    w: Ptr, bias: Ptr, gate: number, alpha: number, beta: number,
  ): void;
  scse_f32_nchw_scratch_bytes(n: number, c: number, r: number): number;
  scse_f32_nchw(
    x: Ptr, y: Ptr, n: number, c: number, hw: number, scratch: Ptr,
    r: number, w1: Ptr, b1: Ptr, w2: Ptr, b2: Ptr, act: number, pool: number,
    sw: Ptr, sb: Ptr, gate: number, alpha: number, beta: number, combine: number,
  ): void;

  // CBAM, BAM, the residual blocks and their kernels; their *_scratch_bytes are exact f64s, past 4 GiB too
  f32_glppool_cw(x: Ptr, planes: number, hw: number, y: Ptr): void;
  f32_glsepool_cw(x: Ptr, planes: number, hw: number, y: Ptr): void;
  f32_cavgpool_cw(x: Ptr, n: number, c: number, hw: number, y: Ptr): void;
  f32_cmaxpool_cw(x: Ptr, n: number, c: number, hw: number, y: Ptr): void;
  f32_conv2d_pack(w: Ptr, cout: number, kdim: number, groups: number, packed: Ptr): void;
  f32_conv2d_nchw_scratch_bytes(
    cin: number, h: number, w: number, kh: number, kw: number, sh: number, sw: number,
    dh: number, dw: number, ph: number, pw: number, groups: number, preScale: Ptr,
  ): number;
  f32_conv2d_nchw(
    x: Ptr, n: number, cin: number, h: number, w: number, wp: Ptr, bias: Ptr, cout: number,
    kh: number, kw: number, sh: number, sw: number, dh: number, dw: number, ph: number, pw: number,
    groups: number, relu: boolean, preScale: Ptr, preShift: Ptr, scratch: Ptr, y: Ptr,
  ): void;
  f32_vscale_cs_cw(x: Ptr, n: number, c: number, hw: number, s: Ptr, q: Ptr, y: Ptr): void;
  f32_vscale_channel_add_cw(x: Ptr, planes: number, hw: number, s: Ptr, r: Ptr, y: Ptr): void;
  cbam_f32_nchw_scratch_bytes(n: number, c: number, h: number, w: number, r: number, pools: number, k: number, spatial: boolean): number;
  cbam_f32_nchw(
    x: Ptr, y: Ptr, n: number, c: number, h: number, w: number, scratch: Ptr,
    r: number, w1: Ptr, b1: Ptr, w2: Ptr, b2: Ptr, pools: number,
    spatial: boolean, k: number, sw: Ptr, sb: Ptr, maxFirst: boolean,
  ): void;
  bam_f32_nchw_scratch_bytes(n: number, c: number, h: number, w: number, r: number, dilation: number): number;
  bam_f32_nchw(
    x: Ptr, y: Ptr, n: number, c: number, h: number, w: number, scratch: Ptr,
    r: number, w1: Ptr, b1: Ptr, w2: Ptr, b2: Ptr,
    rw: Ptr, rb: Ptr, dw: Ptr, db: Ptr, dilatedConvs: number, dilation: number, fw: Ptr, fb: Ptr,
    combine: number,
  ): void;
  se_resblock_f32_nchw_scratch_bytes(n: number, c: number, h: number, w: number, r: number): number;
  se_resblock_f32_nchw(
    x: Ptr, y: Ptr, n: number, c: number, h: number, w: number, scratch: Ptr,
    bn1Scale: Ptr, bn1Shift: Ptr, conv1: Ptr, b1: Ptr, conv2: Ptr,
    r: number, fw1: Ptr, fb1: Ptr, fw2: Ptr, fb2: Ptr,
  ): void;
  cbam_basicblock_f32_nchw_scratch_bytes(
    n: number, cin: number, h: number, w: number, c: number, stride: number, r: number, pools: number, k: number, spatial: boolean,
  ): number;
  cbam_basicblock_f32_nchw(
    x: Ptr, y: Ptr, n: number, cin: number, h: number, w: number, c: number, stride: number, scratch: Ptr,
    conv1: Ptr, b1: Ptr, conv2: Ptr, b2: Ptr, ds: Ptr, dsb: Ptr,
    r: number, w1: Ptr, fb1: Ptr, w2: Ptr, fb2: Ptr, pools: number,
    spatial: boolean, k: number, sw: Ptr, sb: Ptr, maxFirst: boolean,
  ): void;
}

// Codes shared with assembly/vmath.ts, assembly/blocks/channel-gate.ts and scse.ts.
export const ACTIVATION = { none: 0, relu: 1, silu: 2, hardswish: 3 } as const;
export const GATE = { sigmoid: 0, hardsigmoid: 1 } as const;
export const POOL = { avg: 0, max: 1, avgmax: 2 } as const;
export const COMBINE = { add: 0, max: 1 } as const;

export type Activation = keyof typeof ACTIVATION;
export type Gate = keyof typeof GATE;
export type Pool = keyof typeof POOL;
export type Combine = keyof typeof COMBINE;

// Codes shared with assembly/blocks/cbam.ts and bam.ts.
export const CBAM_POOL = { avg: 0, max: 1, lp: 2, lse: 3 } as const;
export const BAM_COMBINE = { mul: 0, add: 1 } as const;

export type CBAMPool = keyof typeof CBAM_POOL;
export type BAMCombine = keyof typeof BAM_COMBINE;
