// Convolution weights in the layout of the module's conv kernel (f32_conv2d_pack in
// assembly/kernels/f32-conv2d.ts: blocks of 4 output channels interleaved), packed once, at create.

import type { Heap } from "./memory.js";
import { WeightPack, type Weights } from "./weights.js";

/** A conv weight to pack: `count` convolutions [cout, kdim] back to back under `key` (kdim = Cin/groups·kh·kw). */
export interface ConvWeight {
  readonly key: string;
  readonly cout: number;
  readonly kdim: number;
  readonly groups?: number;
  readonly count?: number;
}

/** A WeightPack of `weights` in which the weights `convs` are packed for f32_conv2d_nchw. */
export function packWeights(heap: Heap, weights: Weights, convs: readonly ConvWeight[]): WeightPack {
  const pack = new WeightPack(heap, weights);
  try {
    for (const { key, cout, kdim, groups = 1, count = 1 } of convs) {
      const src = heap.upload(weights[key]);
      const bytes = cout * kdim * 4;
      for (let i = 0; i < count; i++) heap.wasm.f32_conv2d_pack(src + i * bytes, cout, kdim, groups, pack.ptr(key) + i * bytes);
      heap.free(src);
    }
  } catch (err) {
    pack.free();
    throw err;
  }
  return pack;
}
