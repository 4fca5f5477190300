// ONNX test helpers: expose intermediate tensors as graph outputs (onnx-outputs.ts), run
// onnxruntime-node, and compare an excite block's output with ORT's.

import * as ort from "onnxruntime-node";
import { withOutputs } from "./onnx-outputs.js";

export interface Tensor {
  data: Float32Array;
  dims: number[];
}

/** Runs the model on one float32 input and returns the named tensors. */
export async function runOrt(model: Uint8Array, input: { name: string; data: Float32Array; dims: number[] }, names: readonly string[]): Promise<Map<string, Tensor>> {
  const session = await ort.InferenceSession.create(withOutputs(model, names), { intraOpNumThreads: 1, interOpNumThreads: 1 });
  try {
    const out = await session.run({ [input.name]: new ort.Tensor("float32", input.data, input.dims) }, [...names]);
    const tensors = new Map<string, Tensor>();
    for (const name of names) {
      const t = out[name];
      if (t.type !== "float32") throw new Error(`ORT output ${name} is ${t.type}`);
      tensors.set(name, { data: t.data as Float32Array, dims: t.dims.map(Number) });
    }
    return tensors;
  } finally {
    await session.release();
  }
}

/** max |actual − expected| and max |expected| (the bound is 1e-4·max|expected|). */
export function compareTo(expected: Float32Array, actual: Float32Array): { maxErr: number; maxRef: number } {
  if (expected.length !== actual.length) throw new Error(`lengths differ: ${actual.length} vs ${expected.length}`);
  let maxErr = 0, maxRef = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = Math.abs(actual[i] - expected[i]);
    maxErr = Number.isNaN(e) ? Infinity : Math.max(maxErr, e);
    maxRef = Math.max(maxRef, Math.abs(expected[i]));
  }
  return { maxErr, maxRef };
}
