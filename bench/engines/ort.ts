// ONNX Runtime on the models exported by export_models.py: onnxruntime-web (its WebAssembly
// backend, one thread) at graph optimisation levels 'all' and 'extended', and onnxruntime-node
// (the native CPU library, one thread, at both levels too) as the reference point for native speed.

import * as ortNode from "onnxruntime-node";
import * as ortWeb from "onnxruntime-web";
import type { Cell, Engine, Runner } from "../cell.js";

ortWeb.env.wasm.numThreads = 1;
ortWeb.env.wasm.simd = true;

type Ort = typeof ortWeb | typeof ortNode;
type Level = "all" | "extended";

function ortEngine(id: string, label: string, ort: Ort, provider: string, level: Level): Engine {
  return {
    id,
    label,
    supports: () => true,
    async prepare(cell: Cell): Promise<Runner> {
      const session = await ort.InferenceSession.create(cell.onnxPath, {
        executionProviders: [provider],
        graphOptimizationLevel: level,
        intraOpNumThreads: 1,
        interOpNumThreads: 1,
        executionMode: "sequential",
      });
      const input = new ort.Tensor("float32", cell.x, cell.dims);
      let last: Float32Array = new Float32Array(0);
      return {
        // The user's path: a tensor over the caller's Float32Array in, a new Float32Array out.
        run: async () => {
          const result = await session.run({ x: input });
          last = result.y.data as Float32Array;
        },
        output: () => last,
        dispose: () => session.release(),
      };
    },
  };
}

export const ortWebAll = ortEngine("ort-web-all", "ORT-web (all)", ortWeb, "wasm", "all");
export const ortWebExtended = ortEngine("ort-web-ext", "ORT-web (extended)", ortWeb, "wasm", "extended");
export const ortNodeAll = ortEngine("ort-node-all", "ORT-node (all)", ortNode, "cpu", "all");
export const ortNodeExtended = ortEngine("ort-node-ext", "ORT-node (extended)", ortNode, "cpu", "extended");
