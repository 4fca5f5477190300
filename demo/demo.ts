// `npm start`: every block of the registry on its goldens, checked against PyTorch in both
// layouts, and its time per call on its largest golden's input.

import { blocks } from "../dist/index.js";
import { compareToGolden, type Golden, goldenAsNhwc, goldenCases, readGolden, runGolden } from "../tests/helpers/golden.js";

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

const rows: string[][] = [["block", "layouts", "goldens within tolerance", "max |error| (finite goldens)", "worst error / tolerance", "timed on", "run (copying)", "io (zero-copy)"]];
let failures = 0;
for (const { name, folder, create, layouts } of blocks) {
  const goldens = goldenCases(folder).map((f) => readGolden(folder, f));
  let passed = 0, worst = 0, maxError = 0, total = 0;
  for (const layout of layouts) {
    for (const nchw of goldens) {
      const g = layout === "nhwc" ? goldenAsNhwc(nchw) : nchw;
      const block = await create(g.options as never, g.weights);
      const { worstRatio, maxAbs } = compareToGolden(g, runGolden(block, g));
      block.dispose();
      worst = Math.max(worst, worstRatio);
      // (the NaN/±Inf/±3e38 goldens are within tolerance too, but an error of 1e31 on 3e38 says nothing here)
      if (!g.name.startsWith("poison")) maxError = Math.max(maxError, maxAbs);
      total++;
      if (worstRatio <= 1) passed++;
    }
  }
  failures += total - passed;

  const g: Golden = goldens.reduce((a, b) => (b.x.length > a.x.length ? b : a));
  const block = await create(g.options as never, g.weights);
  const out = new Float32Array(block.outputDims(g.dims).reduce((a, b) => a * b, 1));
  const copying = timePerCall(() => runGolden(block, g, out));
  const io = block.io(g.dims);
  io.input.set(g.x);
  if (g.residual) io.residual.set(g.residual);
  const zeroCopy = timePerCall(() => io.run());
  block.dispose();
  rows.push([name, layouts.join(", "), `${passed}/${total}`, maxError.toExponential(2), `${(worst * 100).toFixed(1)}%`, `[${g.dims.join(",")}]`, `${copying.toFixed(3)} ms`, `${zeroCopy.toFixed(3)} ms`]);
}

const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
for (const r of rows) console.log(r.map((cell, i) => cell.padEnd(widths[i])).join("  "));
console.log(failures ? `\n${failures} golden(s) out of tolerance` : "\nEvery golden is within PyTorch's tolerance (1e-5 + 1e-4·|expected|), in every layout.");
process.exitCode = failures ? 1 : 0;
