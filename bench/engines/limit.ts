// The limit: assembly/limit.ts's probe (built to build/limit.wasm), which reads the cell's
// inputs as many times as the block does (the registry's `reads`) and writes the output once,
// over the same number of bytes. Its output is not the block's, so it is not cross-checked.

import { readFileSync } from "node:fs";
import { BENCH_DIR, type Cell, type Engine, type Runner } from "../table.js";

interface Probe {
  readonly memory: WebAssembly.Memory;
  alloc(bytes: number): number;
  limit(x: number, inputs: number, y: number, n: number, reads: number): void;
}

export const limitProbe: Engine = {
  id: "limit",
  label: "limit",
  supports: (cell) => !cell.block.dense,
  async prepare(cell: Cell): Promise<Runner> {
    // A fresh instance per cell: its bump allocator never frees.
    const { instance } = await WebAssembly.instantiate(readFileSync(BENCH_DIR + "build/limit.wasm"), {
      env: { abort: () => { throw new Error("limit probe aborted"); } },
    });
    const probe = instance.exports as unknown as Probe;
    const n = cell.inputs[0].length, k = cell.inputs.length;
    if (n % 4) throw new Error("the limit probe needs a multiple of 4 floats");
    const x = probe.alloc(k * n * 4), y = probe.alloc(n * 4);
    cell.inputs.forEach((input, i) => new Float32Array(probe.memory.buffer, x + i * n * 4, n).set(input));
    return {
      run: () => probe.limit(x, k, y, n, cell.block.reads),
      output: () => new Float32Array(probe.memory.buffer, y, n),
      dispose: () => {},
    };
  },
};
