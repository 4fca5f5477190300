// Reads the goldens of tests/checkpoints (made by tests/checkpoints/gen_checkpoints.py, format in
// tests/checkpoints/README.md): a peer module's state_dict under its own names, its PyTorch output `y`,
// and what excite should make of it (`expect`).

import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadSafetensors, parseSafetensors, type ShapedTensor } from "../../dist/index.js";
import { goldenInput } from "../golden/prng.js";

export const CHECKPOINT_DIR = fileURLToPath(new URL("../checkpoints/", import.meta.url));

export interface ExpectedStage {
  readonly block: string;
  readonly folder: string;
  readonly options: Record<string, unknown>;
  /** Canonical key → the source key it is a copy of (null where excite computes it) and its shape. */
  readonly weights: Record<string, { from: string | null; shape: number[] }>;
}

export interface CheckpointGolden {
  readonly source: string;
  readonly name: string;
  /** The file's bytes (the state_dict and `y`). */
  readonly bytes: Uint8Array;
  /** fromCheckpoint's options, prefix included. */
  readonly options: Record<string, unknown>;
  readonly prefix: string;
  /** The state_dict with its shapes (`y` left out). */
  readonly stateDict: Record<string, ShapedTensor>;
  /** The state_dict as loadSafetensors gives it, without shapes (`y` left out). */
  readonly flat: Record<string, Float32Array>;
  readonly dims: [number, number, number, number];
  readonly outDims: [number, number, number, number];
  readonly x: Float32Array;
  readonly residual?: Float32Array;
  readonly y: Float32Array;
  readonly expect: readonly ExpectedStage[];
  /** The safetensors dtypes of the file's tensors. */
  readonly dtypes: ReadonlySet<string>;
}

/** [folder, file] of every case (the networks aside). */
export function checkpointCases(): [string, string][] {
  return readdirSync(CHECKPOINT_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== "networks")
    .flatMap((d) => readdirSync(CHECKPOINT_DIR + d.name).filter((f) => f.endsWith(".safetensors")).sort().map((f) => [d.name, f] as [string, string]))
    .sort((a, b) => (a[0] + a[1]).localeCompare(b[0] + b[1]));
}

export function readCheckpointGolden(folder: string, file: string): CheckpointGolden {
  const bytes = new Uint8Array(readFileSync(`${CHECKPOINT_DIR}${folder}/${file}`));
  const { metadata, tensors } = parseSafetensors(bytes);
  const data = loadSafetensors(bytes);
  const stateDict: Record<string, ShapedTensor> = {}, flat: Record<string, Float32Array> = {};
  for (const [k, d] of Object.entries(data)) {
    if (k === "y") continue;
    stateDict[k] = { shape: tensors[k].shape, data: d };
    flat[k] = d;
  }
  const options = JSON.parse(metadata.options) as Record<string, unknown>;
  const dims = JSON.parse(metadata.dims);
  const n = dims.reduce((a: number, b: number) => a * b, 1);
  return {
    source: metadata.source,
    name: metadata.case,
    bytes,
    options,
    prefix: (options.prefix as string | undefined) ?? "",
    stateDict,
    flat,
    dims,
    outDims: JSON.parse(metadata.outDims),
    x: goldenInput(Number(metadata.seed), n),
    residual: metadata.residualSeed === undefined ? undefined : goldenInput(Number(metadata.residualSeed), n),
    y: data.y,
    expect: JSON.parse(metadata.expect),
    dtypes: new Set(Object.values(tensors).map((t) => t.dtype)),
  };
}

export interface NetworkGolden {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly modules: readonly { prefix: string; source: string; block: string }[];
}

export function networkGoldens(): NetworkGolden[] {
  const dir = CHECKPOINT_DIR + "networks/";
  return readdirSync(dir).filter((f) => f.endsWith(".safetensors")).sort().map((f) => {
    const bytes = new Uint8Array(readFileSync(dir + f));
    const { metadata } = parseSafetensors(bytes);
    return { name: metadata.case, bytes, modules: JSON.parse(metadata.modules) };
  });
}
