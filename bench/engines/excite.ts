// excite itself, through its two APIs: `run(x, dims, out)` with a reused `out` (copies x into
// the module's memory and the result out) and the zero-copy `io(dims)` (input already in place).

import * as excite from "../../dist/index.js";
import { type BlockSpec, type Cell, type Engine, numel, type Runner } from "../cell.js";

type Factory = (options: Record<string, unknown>, weights: Record<string, Float32Array>) => Promise<excite.Block>;

/** excite's create function for a block, or undefined while the library does not have it yet. */
export function factoryOf(block: BlockSpec): Factory | undefined {
  const f = (excite as unknown as Record<string, unknown>)[block.factory];
  return typeof f === "function" ? (f as Factory) : undefined;
}

export async function createBlock(cell: Cell): Promise<excite.Block> {
  return factoryOf(cell.block)!({ channels: cell.dims[1], ...cell.block.options }, cell.weights);
}

export const exciteCopy: Engine = {
  id: "excite",
  label: "excite run()",
  supports: (b) => factoryOf(b) !== undefined,
  async prepare(cell): Promise<Runner> {
    const block = await createBlock(cell);
    const out = new Float32Array(numel(block.outputDims(cell.dims)));
    return {
      run: () => block.run(cell.x, cell.dims, out),
      output: () => out,
      dispose: () => block.dispose(),
    };
  },
};

export const exciteZeroCopy: Engine = {
  id: "excite-io",
  label: "excite io()",
  supports: (b) => factoryOf(b) !== undefined,
  async prepare(cell): Promise<Runner> {
    const block = await createBlock(cell);
    const io = block.io(cell.dims);
    io.input.set(cell.x);
    return {
      run: () => io.run(),
      output: () => io.output,
      dispose: () => block.dispose(),
    };
  },
};
