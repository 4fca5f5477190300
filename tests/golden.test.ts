// Every golden of every block of the registry, through the copying and the zero-copy path, in
// NCHW as PyTorch wrote it and in NHWC (the same PyTorch values transposed, for the blocks that
// compute in NHWC).

import test from "ava";
import { blocks } from "../dist/index.js";
import { assertGolden, type Golden, goldenAsNhwc, goldenCases, ioGolden, readGolden, runGolden } from "./helpers/golden.js";

for (const { name, folder, create, layouts } of blocks) {
  const cases = goldenCases(folder);
  test(`${folder}: has goldens`, (t) => t.true(cases.length > 0, `${name} has no goldens in tests/golden/${folder}`));
  for (const layout of layouts) {
    for (const file of cases) {
      test(`${folder}/${file}${layout === "nhwc" ? " (NHWC)" : ""}`, async (t) => {
        const nchw = readGolden(folder, file);
        const g: Golden = layout === "nhwc" ? goldenAsNhwc(nchw) : nchw;
        const b = await create(g.options as never, g.weights);
        const y = runGolden(b, g);
        t.deepEqual(b.outputDims(g.dims), g.outDims);
        assertGolden(t, g, y);
        t.deepEqual(Array.from(ioGolden(b, g)), Array.from(y), "zero-copy and copying paths agree bit for bit");
        b.dispose();
      });
    }
  }
}
