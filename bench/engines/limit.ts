// The limit: assembly/limit.ts's probe (built to build/limit.wasm), which reads the cell's
// tensor twice (three times for CBAM) and writes it once, over the same number of bytes.
// Its output is not the block's, so it is not cross-checked.

import { readFileSync } from "node:fs";
import { BENCH_DIR, type Cell, type Engine, type Runner } from "../cell.js";

interface Probe {
  readonly memory: WebAssembly.Memory;
  alloc(bytes: number): number;
  read2write1(x: number, y: number, n: number): void;
  read3write1(x: number, y: number, n: number): void;
}

export const limitProbe: Engine = {
  id: "limit",
  label: "limit",
  supports: () => true,
  async prepare(cell: Cell): Promise<Runner> {
    // A fresh instance per cell: its bump allocator never frees.
    const { instance } = await WebAssembly.instantiate(readFileSync(BENCH_DIR + "build/limit.wasm"), {
      env: { abort: () => { throw new Error("limit probe aborted"); } },
    });
    const probe = instance.exports as unknown as Probe;
    const n = cell.x.length;
    if (n % 4) throw new Error("the limit probe needs a multiple of 4 floats");
    const x = probe.alloc(n * 4), y = probe.alloc(n * 4);
    new Float32Array(probe.memory.buffer, x, n).set(cell.x);
    const pass = cell.block.limitReads === 3 ? probe.read3write1 : probe.read2write1;
    return {
      run: () => pass(x, y, n),
      output: () => new Float32Array(probe.memory.buffer, y, n),
      dispose: () => {},
    };
  },
};
