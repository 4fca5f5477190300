// Reads the PyTorch goldens of tests/golden (format: tests/golden/README.md).

import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { f32FromBytes, parseSafetensors } from "../../dist/safetensors.js";
import type { ExecutionContext } from "ava";
import type { Block, BlockBase, FusionBlock } from "../../dist/index.js";
import { applyPoison } from "../golden/poison.js";
import { goldenInput } from "../golden/prng.js";
import { assertClose, closeness, type Closeness, SPEC_TOLERANCE } from "./close.js";
export { goldenAsNhwc, nchwToNhwc } from "./golden-layout.js";

export interface Golden {
  readonly block: string;
  readonly name: string;
  readonly options: Record<string, unknown>;
  readonly dims: [number, number, number, number];
  readonly outDims: [number, number, number, number];
  readonly weights: Record<string, Float32Array>;
  readonly x: Float32Array;
  /** The second input of two-input blocks (AFF, iAFF). */
  readonly residual?: Float32Array;
  /** Expected values at `index` (all of the output when `index` is undefined). */
  readonly y: Float32Array;
  readonly index?: Int32Array;
}

export type AnyBlock = BlockBase;

export const GOLDEN_DIR = fileURLToPath(new URL("../golden/", import.meta.url));

export function goldenCases(block: string): string[] {
  return readdirSync(GOLDEN_DIR + block).filter((f) => f.endsWith(".safetensors")).sort();
}

export function readGolden(block: string, file: string): Golden {
  const { metadata, tensors } = parseSafetensors(readFileSync(GOLDEN_DIR + `${block}/${file}`));
  const weights: Record<string, Float32Array> = {};
  for (const [key, t] of Object.entries(tensors)) if (key !== "y" && key !== "y_index") weights[key] = f32FromBytes(t.bytes);
  const dims = JSON.parse(metadata.dims);
  const yIndex = tensors.y_index;
  const length = dims.reduce((a: number, b: number) => a * b, 1);
  return {
    block,
    name: metadata.case,
    options: JSON.parse(metadata.options),
    dims,
    outDims: JSON.parse(metadata.outDims),
    weights,
    x: applyPoison(goldenInput(Number(metadata.seed), length), metadata.poison, "x"),
    residual: metadata.residualSeed === undefined ? undefined : applyPoison(goldenInput(Number(metadata.residualSeed), length), metadata.poison, "residual"),
    y: f32FromBytes(tensors.y.bytes),
    index: yIndex ? new Int32Array(yIndex.bytes.slice().buffer) : undefined,
  };
}

/** SPEC §5: every stored element within 1e-5 + 1e-4·|expected| (NaN = NaN, the same infinities). */
export function compareToGolden(g: Golden, actual: Float32Array): Closeness {
  return closeness(actual, g.y, { ...SPEC_TOLERANCE, index: g.index });
}

/** Asserts compareToGolden and logs the worst error, as every golden test does. */
export function assertGolden(t: ExecutionContext, g: Golden, actual: Float32Array, what = `${g.block}/${g.name}`): Closeness {
  const c = assertClose(t, actual, g.y, { ...SPEC_TOLERANCE, index: g.index }, what);
  t.log(`max |err| ${c.maxAbs.toExponential(2)}, ${(c.worstRatio * 100).toFixed(1)}% of tolerance`);
  return c;
}

/** block(g's inputs) through the copying path: run(x, dims) or, for two-input blocks, run(x, residual, dims). */
export function runGolden(block: AnyBlock, g: Golden, out?: Float32Array): Float32Array {
  return g.residual ? (block as FusionBlock).run(g.x, g.residual, g.dims, out) : (block as Block).run(g.x, g.dims, out);
}

/** block(g's inputs) through the zero-copy path. */
export function ioGolden(block: AnyBlock, g: Golden): Float32Array {
  const io = block.io(g.dims);
  io.input.set(g.x);
  if (g.residual) io.residual.set(g.residual);
  const y = io.run().slice();
  io.dispose();
  return y;
}
