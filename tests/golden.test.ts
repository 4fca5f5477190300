// Every golden of the implemented blocks, through the copying and the zero-copy path.

import test from "ava";
import { createBAM, createCBAM, createCBAMBasicBlock, createCSE, createSCSE, createSE, createSEResBlock, createSSE, type Block } from "../dist/index.js";
import { compareToGolden, goldenCases, readGolden } from "./helpers/golden.js";

type Factory = (options: never, weights: Record<string, Float32Array>) => Promise<Block>;
const FACTORIES: Record<string, Factory> = {
  se: createSE, cse: createCSE, sse: createSSE, scse: createSCSE,
  cbam: createCBAM, bam: createBAM, se_resblock: createSEResBlock, cbam_basicblock: createCBAMBasicBlock,
};

for (const [block, create] of Object.entries(FACTORIES)) {
  const cases = goldenCases(block);
  test(`${block}: has goldens`, (t) => t.true(cases.length > 0));
  for (const file of cases) {
    test(`${block}/${file}`, async (t) => {
      const g = readGolden(block, file);
      const b = await create(g.options as never, g.weights);
      const y = b.run(g.x, g.dims);
      t.deepEqual(b.outputDims(g.dims), g.outDims);
      const { maxAbs, worstRatio, at } = compareToGolden(g, y);
      t.log(`max |err| ${maxAbs.toExponential(2)}, ${(worstRatio * 100).toFixed(1)}% of tolerance`);
      t.true(worstRatio <= 1, `element ${at}: got ${y[at]}, PyTorch ${g.index ? "(sampled)" : g.y[at]}; max |err| ${maxAbs}`);

      const io = b.io(g.dims);
      io.input.set(g.x);
      const z = io.run();
      t.deepEqual(Array.from(z), Array.from(y), "zero-copy and copying paths agree bit for bit");
      b.dispose();
    });
  }
}
