// findAttentionBlocks on small models exported by torch.onnx.export (tests/onnx/export_models.py):
// every exporter variant is found as the block, options and weights its PyTorch module means,
// each block computes what ONNX Runtime computes for that subgraph, and the look-alikes
// (SiLU, a Mul by a parameter, a per-pixel C-channel gate, a gate from another tensor) are not matched.

import test from "ava";
import { readFileSync } from "node:fs";
import * as excite from "../dist/index.js";
import { findAttentionBlocks } from "../dist/onnx/index.js";
import { compareTo, runOrt } from "./helpers/onnx.js";
import { values } from "./helpers/wasm.js";

interface Case {
  opset: number;
  input: number[];
  dynamic: boolean;
  blocks: Array<{ block: string; options: Record<string, unknown> }>;
}

const DIR = new URL("onnx/", import.meta.url);
const cases: Record<string, Case> = JSON.parse(readFileSync(new URL("cases.json", DIR), "utf8"));
const modelBytes = (name: string) => new Uint8Array(readFileSync(new URL(`models/${name}.onnx`, DIR)));

/** Options equal, numbers within float32 rounding (an exporter stores 1/6 as a float). */
function sameOptions(a: unknown, b: unknown): boolean {
  if (typeof a === "number" && typeof b === "number") return Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => sameOptions(v, b[i]));
  if (a !== null && b !== null && typeof a === "object" && typeof b === "object") {
    const ka = Object.keys(a).sort(), kb = Object.keys(b).sort();
    return sameOptions(ka, kb) && ka.every((k) => sameOptions((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return a === b;
}

type Dims = [number, number, number, number];

test("onnx: the exported models are all here", (t) => {
  t.true(Object.keys(cases).length >= 25);
  for (const name of Object.keys(cases)) t.true(modelBytes(name).length > 0, name);
});

for (const [name, c] of Object.entries(cases)) {
  test(`onnx/${name} (opset ${c.opset}${c.dynamic ? ", dynamic N, H, W" : ""}): ${c.blocks.map((b) => b.block).join(" + ") || "no block"}`, async (t) => {
    const bytes = modelBytes(name);
    const blocks = findAttentionBlocks(bytes);
    t.deepEqual(blocks.map((b) => b.block), c.blocks.map((b) => b.block));
    blocks.forEach((b, i) => t.true(sameOptions(b.options, c.blocks[i].options), `${b.block} options ${JSON.stringify(b.options)}, expected ${JSON.stringify(c.blocks[i].options)}`));
    if (blocks.length === 0) return;

    // A dynamic model runs on another shape than it was exported with (N = 3, odd H ≠ W).
    const dims = c.dynamic ? [3, c.input[1], 5, 11] : c.input;
    const x = values(dims.reduce((a, b) => a * b, 1), 7);
    const names = blocks.flatMap((b) => [b.input, b.output]);
    const ortOut = await runOrt(bytes, { name: "input", data: x, dims }, names);
    for (const b of blocks) {
      const bx = ortOut.get(b.input)!, by = ortOut.get(b.output)!;
      const bdims = bx.dims as Dims;
      t.is(typeof (excite as Record<string, unknown>)[b.factory], "function", `excite exports ${b.factory}`);
      const block = await b.create();
      t.is(block.name, b.block);
      const y = block.run(bx.data, bdims);
      block.dispose();
      const { maxErr, maxRef } = compareTo(by.data, y);
      t.log(`${b.block} ${b.name} [${bdims.join(", ")}]: max |excite − ORT| = ${maxErr.toExponential(2)}, max |y| = ${maxRef.toFixed(3)}`);
      t.true(maxErr <= 1e-4 * maxRef, `${b.block}: max error ${maxErr} > 1e-4 · ${maxRef}`);
    }
  });
}
