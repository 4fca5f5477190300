// What the benchmark measures: a table of blocks (blocks.json) × shapes, and the engines that
// run each (block, shape) cell.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export type Dims = [number, number, number, number];
export type Weights = Record<string, Float32Array>;

/** One row of blocks.json: a block of excite and the PyTorch module that is its reference. */
export interface BlockSpec {
  /** The golden folder's name, e.g. "se", also the models' file prefix. */
  readonly id: string;
  readonly label: string;
  /** The class in tests/golden/modules.py. */
  readonly module: string;
  /** The name of excite's create function, e.g. "createSE". */
  readonly factory: string;
  /** excite's options (and the module's constructor arguments) without `channels`. */
  readonly options: Record<string, unknown>;
  /** How many times the limit probe reads the tensor (it always writes it once). */
  readonly limitReads: 2 | 3;
}

export interface Table {
  readonly shapes: Record<string, Dims>;
  readonly blocks: BlockSpec[];
}

export const BENCH_DIR = fileURLToPath(new URL(".", import.meta.url));

export function readTable(): Table {
  return JSON.parse(readFileSync(BENCH_DIR + "blocks.json", "utf8")) as Table;
}

/** Everything an engine needs to run one cell; every engine gets the same input and weights. */
export interface Cell {
  readonly block: BlockSpec;
  readonly shape: string;
  readonly dims: Dims;
  readonly x: Float32Array;
  readonly weights: Weights;
  /** The cell's ONNX model (static dims). */
  readonly onnxPath: string;
}

/** One engine set up for one cell. */
export interface Runner {
  /** One inference; the timed function. */
  run(): unknown;
  /** The output of the last run (NCHW), to cross-check against excite's. */
  output(): Float32Array;
  dispose(): void | Promise<void>;
}

export interface Engine {
  readonly id: string;
  readonly label: string;
  /** Whether this engine can run the block (a peer may not implement every block). */
  supports(block: BlockSpec): boolean;
  prepare(cell: Cell): Promise<Runner>;
}

export const numel = (d: readonly number[]): number => d.reduce((a, b) => a * b, 1);
