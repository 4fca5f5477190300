// `npm start`: every block on sample tensors, checked against PyTorch's goldens, with its time per call.

import { readdirSync } from "node:fs";
import { type Block, createBAM, createCBAM, createCBAMBasicBlock, createCSE, createSCSE, createSE, createSEResBlock, createSSE } from "../dist/index.js";
import { compareToGolden, GOLDEN_DIR, goldenCases, readGolden } from "../tests/helpers/golden.js";

type Factory = (options: never, weights: Record<string, Float32Array>) => Promise<Block>;

/** Each block, and the golden whose input is timed (the largest at default options, or the articles' own). */
const BLOCKS: Array<[string, Factory, string]> = [
  ["se", createSE, "shape_n1_c64_56x56.safetensors"],
  ["cse", createCSE, "shape_n3_c64_56x56.safetensors"],
  ["sse", createSSE, "shape_n3_c64_56x56.safetensors"],
  ["scse", createSCSE, "shape_n3_c64_56x56.safetensors"],
  ["cbam", createCBAM, "article_official_c64.safetensors"],
  ["bam", createBAM, "article_official_c64.safetensors"],
  ["se_resblock", createSEResBlock, "article_resblocksqex_c64.safetensors"],
  ["cbam_basicblock", createCBAMBasicBlock, "stride2_c20_to_c36_large.safetensors"],
];

/** Median milliseconds per call of `fn` over batches filling about `budgetMs`. */
function timePerCall(fn: () => void, budgetMs = 300): number {
  fn();
  const t0 = performance.now();
  fn();
  const reps = Math.max(1, Math.ceil(10 / Math.max(performance.now() - t0, 1e-3))); // batches of ~10 ms
  const samples: number[] = [];
  const end = performance.now() + budgetMs;
  while (performance.now() < end || samples.length < 5) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) fn();
    samples.push((performance.now() - t0) / reps);
  }
  return samples.sort((a, b) => a - b)[samples.length >> 1];
}

const rows: string[][] = [["block", "goldens within tolerance", "max |error|", "worst error / tolerance", "timed on", "run (copying)", "io (zero-copy)"]];
let failures = 0;
const present = new Set(readdirSync(GOLDEN_DIR));
for (const [name, create, timed] of BLOCKS) {
  if (!present.has(name)) continue;
  let passed = 0, worst = 0, maxError = 0;
  const cases = goldenCases(name);
  for (const file of cases) {
    const g = readGolden(name, file);
    const block = await create(g.options as never, g.weights);
    const { worstRatio, maxAbs } = compareToGolden(g, block.run(g.x, g.dims));
    block.dispose();
    worst = Math.max(worst, worstRatio);
    maxError = Math.max(maxError, maxAbs);
    if (worstRatio <= 1) passed++;
  }
  failures += cases.length - passed;

  const g = readGolden(name, timed);
  const block = await create(g.options as never, g.weights);
  const out = new Float32Array(block.outputDims(g.dims).reduce((a, b) => a * b, 1));
  const copying = timePerCall(() => block.run(g.x, g.dims, out));
  const io = block.io(g.dims);
  io.input.set(g.x);
  const zeroCopy = timePerCall(() => io.run());
  block.dispose();
  rows.push([name, `${passed}/${cases.length}`, maxError.toExponential(2), `${(worst * 100).toFixed(1)}%`, `[${g.dims.join(",")}]`, `${copying.toFixed(3)} ms`, `${zeroCopy.toFixed(3)} ms`]);
}

const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
for (const r of rows) console.log(r.map((cell, i) => cell.padEnd(widths[i])).join("  "));
console.log(failures ? `\n${failures} golden(s) out of tolerance` : "\nEvery golden is within PyTorch's tolerance (1e-5 + 1e-4·|expected|).");
process.exitCode = failures ? 1 : 0;
