// excite itself, through its two APIs: `run(x, dims, out)` with a reused `out` (copies the
// inputs into the module's memory and the result out) and the zero-copy `io(dims)` (inputs
// already in place); on one thread (the build a user gets without setThreads) and on two.
//
// The two-thread engines use a second, independent instance of the library: a copy of dist/
// (bench/build/excite-threads/), whose own loader takes the shared-memory build at setThreads(2).
// Both then run side by side in this process, each with the build it would have alone.

import { cpSync, rmSync } from "node:fs";
import { pathToFileURL } from "node:url";
import * as excite from "../../dist/index.js";
import { BENCH_DIR, type Cell, type Engine, numel, type Options, type Runner } from "../table.js";

type Excite = typeof excite;
type AnyBlock = excite.Block | excite.FusionBlock;

let threaded: Excite | undefined;

/**
 * Loads the two-thread instance (before any of its blocks is created): the copy of dist/, its
 * module from `source` when given (--flavour=simd: the plain shared-memory build) else by
 * feature detection, on `threads` threads.
 */
export async function loadThreadedExcite(threads: number, source?: URL): Promise<string> {
  const dir = `${BENCH_DIR}build/excite-threads/`;
  rmSync(dir, { recursive: true, force: true });
  cpSync(new URL("../../dist/", import.meta.url), dir, { recursive: true });
  const copy = (await import(pathToFileURL(`${dir}index.js`).href)) as Excite;
  if (!copy.threadSupport().available) throw new Error(`excite cannot run threads here: ${copy.threadSupport().reason}`);
  if (source) await copy.loadModule(source);
  await copy.setThreads(threads);
  threaded = copy;
  return copy.moduleFlavour() ?? "not loaded";
}

async function createBlock(lib: Excite, cell: Cell): Promise<AnyBlock> {
  const create = lib.blockEntry(cell.block.id).create as unknown as (o: Options, w: excite.Weights) => Promise<AnyBlock>;
  return create(cell.options, cell.weights);
}

/** The dense 3×3 reference (table.ts DENSE_3X3) as kernels.conv2d, which, as run() does, copies x in and y out (and packs the weight) on every call. */
async function denseConv(lib: Excite, cell: Cell): Promise<Pick<excite.Block, "run" | "outputDims" | "dispose">> {
  await lib.kernels.ready();
  const c = cell.dims[1], params = { weight: cell.weights.weight, weightShape: [c, c, 3, 3] as const, padding: 1 };
  return {
    run: (x, dims, out) => lib.kernels.conv2d(x, dims, params, out),
    outputDims: (dims) => lib.kernels.conv2dOutputDims(dims, params),
    dispose: () => {},
  };
}

/** block.run over the cell's inputs into `out`. */
function runOf(block: AnyBlock, cell: Cell, out: Float32Array): () => Float32Array {
  const [x, residual] = cell.inputs;
  if (cell.block.inputs === 2) return () => (block as excite.FusionBlock).run(x, residual, cell.dims, out);
  return () => (block as excite.Block).run(x, cell.dims, out);
}

function copyingEngine(id: string, label: string, lib: () => Excite | undefined): Engine {
  return {
    id,
    label,
    supports: () => lib() !== undefined,
    async prepare(cell): Promise<Runner> {
      const block = cell.block.dense ? ((await denseConv(lib()!, cell)) as excite.Block) : await createBlock(lib()!, cell);
      const out = new Float32Array(numel(block.outputDims(cell.dims)));
      return { run: runOf(block, cell, out), output: () => out, dispose: () => block.dispose() };
    },
  };
}

function zeroCopyEngine(id: string, label: string, lib: () => Excite | undefined): Engine {
  return {
    id,
    label,
    supports: (cell) => lib() !== undefined && !cell.block.dense,
    async prepare(cell): Promise<Runner> {
      const block = await createBlock(lib()!, cell);
      const io = block.io(cell.dims);
      io.input.set(cell.inputs[0]);
      if (cell.block.inputs === 2) io.residual.set(cell.inputs[1]);
      return { run: () => io.run(), output: () => io.output, dispose: () => block.dispose() };
    },
  };
}

export const exciteRun = copyingEngine("excite", "excite run()", () => excite);
export const exciteIo = zeroCopyEngine("excite-io", "excite io()", () => excite);
export const exciteRun2 = copyingEngine("excite-2t", "excite run(), 2 threads", () => threaded);
export const exciteIo2 = zeroCopyEngine("excite-io-2t", "excite io(), 2 threads", () => threaded);

/**
 * One TypedArray.set of each input into a Float32Array of its length: the unit of the copy
 * overhead, (run() − io()) ÷ this time (issue 11). Not cross-checked (its output is the input).
 */
export const copyProbe: Engine = {
  id: "copy",
  label: "TypedArray.set",
  supports: () => true,
  async prepare(cell): Promise<Runner> {
    const x = cell.inputs[0], dst = new Float32Array(x.length);
    return { run: () => dst.set(x), output: () => dst, dispose: () => {} };
  },
};
