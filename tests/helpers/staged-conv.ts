// One convolution run by hand through the call protocol of assembly/call.ts (the public conv2d
// kernel's entry, f32_conv2d_nchw_plan / _run): its record written by bindings/conv-params.ts, the
// plan, then every stage's items, whole or split at given boundaries. Every buffer is an Arena's
// (prefilled with the "unwritten" NaN pattern, a guard zone after), so a test sees outputs left
// unwritten, writes past the output or the scratch, and work items that depend on one another.

import { CALL_C, CALL_EXTENTS, CALL_H, CALL_N, CALL_RESIDUAL, CALL_SCRATCH, CALL_SCRATCH_BYTES, CALL_STAGES, CALL_W, CALL_WORDS, CALL_X, CALL_Y } from "../../dist/constants.js";
import { type Conv, convRecord, exactWeightKey, packConv, packedFloats, packedKey } from "../../dist/conv-params.js";
import { Heap } from "../../dist/memory.js";
import { ParamRecord } from "../../dist/params.js";
import { Arena, wasm } from "./wasm.js";

export interface ConvInputs {
  readonly x: Float32Array;
  readonly dims: readonly [number, number, number, number];
  /** PyTorch's [cout, cin/groups, kh, kw]. */
  readonly weight: Float32Array;
  readonly bias?: Float32Array;
  /** The input transform relu(x·scale + shift) (Conv.preScale / preShift). */
  readonly scale?: Float32Array;
  readonly shift?: Float32Array;
}

export interface StagedRun {
  readonly y: Float32Array;
  /** Output elements left unwritten. */
  readonly unwritten: number[];
  /** Whether nothing was written past the output, the scratch and the packed weights. */
  readonly guardsIntact: boolean;
  /** Packed weight floats left unwritten. */
  readonly packedUnwritten: number;
  /** Items of each stage. */
  readonly extents: number[];
}

const heap = new Heap(wasm);

/**
 * conv(inputs) with `c` (its weight, bias, preScale and preShift keys are ignored: the inputs
 * given are used); `cuts(stage, items)` lists where to split each stage's items (none: whole).
 */
export function runStagedConv(c: Conv, inputs: ConvInputs, outDims: readonly number[], cuts: (stage: number, items: number) => number[] = () => []): StagedRun {
  const a = new Arena();
  try {
    const [n, cin, h, w] = inputs.dims;
    const conv: Conv = {
      ...c, weight: "weight", bias: inputs.bias ? "bias" : undefined,
      preScale: inputs.scale ? "scale" : undefined, preShift: inputs.scale ? "shift" : undefined,
    };
    const raw = a.put(inputs.weight), packedLength = packedFloats(conv, false), packed = a.fresh(packedLength);
    packConv(wasm, conv, false, raw, packed);
    const packedUnwritten = a.unwritten(packed, packedLength).length;
    // the unpacked weights too, for the tiles Winograd finds NaN or ±Inf
    const at: Record<string, number> = { [packedKey(conv, false)]: packed, [exactWeightKey(conv.weight)]: packedKey(conv, false) === conv.weight ? 0 : raw };
    if (inputs.bias) at.bias = a.put(inputs.bias);
    if (inputs.scale) { at.scale = a.put(inputs.scale); at.shift = a.put(inputs.shift!); }
    const record = new ParamRecord(heap, convRecord(conv, { ptr: (key) => at[key] ?? 0 }));
    const yLength = outDims.reduce((p, d) => p * d, 1);
    const x = a.put(inputs.x), y = a.fresh(yLength), call = a.fresh(CALL_WORDS);
    try {
      const words = () => heap.i32.subarray(call >>> 2, (call >>> 2) + CALL_WORDS);
      Object.entries({ [CALL_X]: x, [CALL_RESIDUAL]: 0, [CALL_Y]: y, [CALL_N]: n, [CALL_C]: cin, [CALL_H]: h, [CALL_W]: w }).forEach(([k, v]) => (words()[Number(k)] = v));
      wasm.f32_conv2d_nchw_plan(record.ptr, call);
      const scratchFloats = Math.ceil(heap.f64[(call >>> 3) + CALL_SCRATCH_BYTES / 2] / 4);
      const scratch = a.fresh(scratchFloats);
      words()[CALL_SCRATCH] = scratch;
      const stages = words()[CALL_STAGES];
      const extents = Array.from({ length: stages }, (_, s) => words()[CALL_EXTENTS + s]);
      extents.forEach((items, s) => {
        const bounds = [0, ...cuts(s, items).filter((b) => b > 0 && b < items).sort((p, q) => p - q), items];
        for (let i = 0; i + 1 < bounds.length; i++) if (bounds[i + 1] > bounds[i]) wasm.f32_conv2d_nchw_run(record.ptr, call, s, bounds[i], bounds[i + 1]);
      });
      return {
        y: a.read(y, yLength),
        unwritten: a.unwritten(y, yLength),
        guardsIntact: a.guardIntact(y, yLength) && a.guardIntact(scratch, scratchFloats) && a.guardIntact(packed, packedLength),
        packedUnwritten,
        extents,
      };
    } finally {
      record.free();
    }
  } finally {
    a.free();
  }
}
