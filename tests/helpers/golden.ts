// Reads the PyTorch goldens of tests/golden (format: tests/golden/README.md).

import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { f32FromBytes, parseSafetensors } from "../../dist/safetensors.js";
import { goldenInput } from "../golden/prng.js";

export interface Golden {
  readonly block: string;
  readonly name: string;
  readonly options: Record<string, unknown>;
  readonly dims: [number, number, number, number];
  readonly outDims: [number, number, number, number];
  readonly weights: Record<string, Float32Array>;
  readonly x: Float32Array;
  /** Expected values at `index` (all of the output when `index` is undefined). */
  readonly y: Float32Array;
  readonly index?: Int32Array;
}

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
  return {
    block,
    name: metadata.case,
    options: JSON.parse(metadata.options),
    dims,
    outDims: JSON.parse(metadata.outDims),
    weights,
    x: goldenInput(Number(metadata.seed), dims.reduce((a: number, b: number) => a * b, 1)),
    y: f32FromBytes(tensors.y.bytes),
    index: yIndex ? new Int32Array(yIndex.bytes.slice().buffer) : undefined,
  };
}

/** SPEC §5: |actual − expected| ≤ 1e-5 + 1e-4·|expected| everywhere. Returns the worst excess and errors. */
export function compareToGolden(g: Golden, actual: Float32Array): { maxAbs: number; worstRatio: number; at: number } {
  let maxAbs = 0, worstRatio = 0, at = -1;
  for (let k = 0; k < g.y.length; k++) {
    const i = g.index ? g.index[k] : k;
    const e = g.y[k], a = actual[i];
    const err = Math.abs(a - e);
    const ratio = Number.isNaN(err) ? Infinity : err / (1e-5 + 1e-4 * Math.abs(e));
    if (err > maxAbs || Number.isNaN(err)) maxAbs = Number.isNaN(err) ? Infinity : err;
    if (ratio > worstRatio) { worstRatio = ratio; at = i; }
  }
  return { maxAbs, worstRatio, at };
}
