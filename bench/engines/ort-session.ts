// One ONNX Runtime session on a cell's model, the user's path: tensors over the caller's
// Float32Arrays in, a new Float32Array out. Shared by ort.ts and its child process.

import type * as ortNode from "onnxruntime-node";
import type * as ortWeb from "onnxruntime-web";

export type Ort = typeof ortWeb | typeof ortNode;
export type Level = "all" | "extended";
const INPUT_NAMES = ["x", "residual"];

export interface Session {
  run(): Promise<void>;
  /** The output of the last run. */
  output(): Float32Array;
  release(): Promise<void>;
}

export async function ortSession(ort: Ort, provider: string, model: { onnxPath: string; inputs: readonly Float32Array[]; dims: readonly number[] }, level: Level, threads: number): Promise<Session> {
  const session = await ort.InferenceSession.create(model.onnxPath, {
    executionProviders: [provider],
    graphOptimizationLevel: level,
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: "sequential",
  });
  const feeds = Object.fromEntries(model.inputs.map((x, i) => [INPUT_NAMES[i], new ort.Tensor("float32", x as Float32Array, model.dims)]));
  let last: Float32Array = new Float32Array(0);
  return {
    run: async () => {
      const result = await session.run(feeds as never);
      last = result.y.data as Float32Array;
    },
    output: () => last,
    release: () => session.release(),
  };
}
