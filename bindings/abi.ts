// The WebAssembly module's exports (assembly/index.ts): every pointer is a byte offset into `memory`.

type Ptr = number;

export interface ExciteExports {
  readonly memory: WebAssembly.Memory;
  alloc(bytes: number): Ptr;
  free(ptr: Ptr): void;

  f32_gavgpool_cw(x: Ptr, planes: number, hw: number, y: Ptr): void;
  f32_gmaxpool_cw(x: Ptr, planes: number, hw: number, y: Ptr): void;
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
