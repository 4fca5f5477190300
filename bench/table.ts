// What the benchmark runs: every block of excite's registry (bindings/registry.ts) on the shapes
// of blocks.json, in each layout the block lists. Its options are the registry's example at the
// shape's C, but for the few overrides below. Run as a script, it writes that table as JSON for
// bench/export_models.py (bench/prepare.mjs does):
//
//   node --import=tsx bench/table.ts models/blocks.json

import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { SliceOptions } from "./timing.js";
import { blocks, type Block, type BlockFactory, type FusionBlock, type Layout, type Weights } from "../dist/index.js";

export type Dims = [number, number, number, number];
export type Options = Record<string, unknown>;

export const BENCH_DIR = fileURLToPath(new URL(".", import.meta.url));

/** The shapes, [N, C, H, W] (the demo page reads this file's "shapes" too). */
export const SHAPES: Record<string, Dims> = (JSON.parse(readFileSync(BENCH_DIR + "blocks.json", "utf8")) as { shapes: Record<string, Dims> }).shapes;

/**
 * Where a block's registry example is not the configuration its paper's networks use at the
 * benchmark's channel counts: the options that replace (or add to) the example's, for C channels.
 */
const OVERRIDES: Record<string, (channels: number) => Options> = {
  // The official GSoP-Net's Bottleneck reduces with DR_stride = 1 if planes > 64 else 2, where
  // C = planes·4 (shared/blocks/gsop.md): stride 2 at C ≤ 256, 1 at C = 512.
  gsop: (c) => ({ stride: c <= 256 ? 2 : 1 }),
};

/**
 * The blocks bound by their convolutions or GEMMs rather than by memory (issue 11): the GMAC/s
 * column, the thread target at every shape and the ORT-node targets are theirs; every other
 * block is memory-bound (the 4× ORT-web target). The rest do at most a few multiply-adds per
 * element (RESULTS.md's MAC/element column shows it for every block).
 */
export const CONV_BOUND: readonly string[] = ["bam", "se_resblock", "cbam_basicblock", "sk", "split_attention", "gsop"];

/** Issue 10's blocks (SimAM, global context, gather-excite, triplet attention, effective SE). */
export const ISSUE10_BLOCKS: readonly string[] = ["simam", "global_context", "gather_excite", "triplet_attention", "effective_se"];

type AnyFactory = BlockFactory<Options, Block | FusionBlock>;

/** One block as the benchmark runs it. */
export interface BenchBlock {
  /** Its golden folder (tests/golden/<id>), the key of tests/golden/gen.py's BLOCKS, the models' file prefix. */
  readonly id: string;
  /** Its name, e.g. "SEResBlock". */
  readonly label: string;
  /** 2 for AFF and iAFF (x and residual). */
  readonly inputs: 1 | 2;
  readonly layouts: readonly Layout[];
  /** How many times the limit reads each input (it writes the output once). */
  readonly reads: number;
  /** excite's options on C channels (also the PyTorch module's constructor arguments), without `layout`. */
  options(channels: number): Options;
  readonly convBound: boolean;
  /** Not a block: the dense 3×3 convolution, the GMAC/s the conv-bound blocks are read against. */
  readonly dense?: true;
}

/**
 * A dense C → C 3×3 convolution (padding 1, no bias): excite's kernels.conv2d against the peers'
 * on the same shapes, the reference for the conv-bound blocks' GMAC/s (issue 11). Its model is
 * export_models.py's REFERENCES["conv3x3"]; its weight is "weight".
 */
export const DENSE_3X3: BenchBlock = {
  id: "conv3x3",
  label: "dense 3×3 conv",
  inputs: 1,
  layouts: ["nchw"],
  reads: 1,
  options: (c) => ({ channels: c }),
  convBound: true,
  dense: true,
};

/** The registry's blocks, then the dense 3×3 reference. */
export const BENCH_BLOCKS: readonly BenchBlock[] = [
  ...blocks.map((b): BenchBlock => ({
    id: b.folder,
    label: b.name,
    inputs: (b.create as unknown as AnyFactory).inputs,
    layouts: b.layouts,
    reads: b.reads,
    options: (c: number) => ({ ...b.options(c), ...OVERRIDES[b.folder]?.(c) }),
    convBound: CONV_BOUND.includes(b.folder),
  })),
  DENSE_3X3,
];

/** Everything an engine needs to run one cell; every engine gets the same inputs and weights. */
export interface Cell {
  readonly block: BenchBlock;
  readonly shape: string;
  readonly layout: Layout;
  /** The inputs' dims in `layout`. */
  readonly dims: Dims;
  /** x (and the residual), in `layout`. */
  readonly inputs: readonly Float32Array[];
  readonly weights: Weights;
  /** excite's options (with `layout`). */
  readonly options: Options;
  /** The cell's ONNX model (static dims, in `layout`). */
  readonly onnxPath: string;
}

/** One engine set up for one cell. */
export interface Runner {
  /** One inference; the timed function. */
  run(): unknown;
  /** The output of the last run (in the cell's layout), to cross-check against excite's. */
  output(): Float32Array | Promise<Float32Array>;
  /** For an engine in another process: times a slice there (else the slice runs `run` here). */
  timeSlice?(o: SliceOptions): Promise<number[]>;
  /** The other processes whose CPU time is the engine's own (not another job's). */
  pids?(): number[];
  dispose(): void | Promise<void>;
}

export interface Engine {
  readonly id: string;
  readonly label: string;
  /** Whether this engine can run the cell (a peer may not implement every block or layout). */
  supports(cell: Cell): boolean;
  prepare(cell: Cell): Promise<Runner>;
}

export const numel = (d: readonly number[]): number => d.reduce((a, b) => a * b, 1);

/** The models' file names (bench/export_models.py writes them). */
export const modelFile = {
  weights: (block: string, channels: number): string => `${BENCH_DIR}models/${block}_c${channels}.safetensors`,
  onnx: (block: string, shape: string, layout: Layout): string => `${BENCH_DIR}models/${block}_${shape}${layout === "nhwc" ? "_nhwc" : ""}.onnx`,
  /** The cell's multiply-adds, counted from the ONNX graph's shapes. */
  info: (block: string, shape: string): string => `${BENCH_DIR}models/${block}_${shape}.json`,
};

/** The table bench/export_models.py reads: per block, its inputs and its options on each shape. */
function exportTable(): unknown {
  return {
    shapes: SHAPES,
    blocks: BENCH_BLOCKS.map((b) => ({
      id: b.id,
      inputs: b.inputs,
      layouts: b.layouts,
      options: Object.fromEntries(Object.entries(SHAPES).map(([s, d]) => [s, b.options(d[1])])),
    })),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = process.argv[2];
  if (!out) throw new Error("usage: node --import=tsx bench/table.ts OUT.json");
  writeFileSync(out, JSON.stringify(exportTable(), null, 1) + "\n");
}
