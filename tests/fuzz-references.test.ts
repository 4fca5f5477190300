// The fuzz suite's float64 references (tests/fuzz/reference/, written from SPEC §2–§3) against
// every PyTorch golden of their block, all 22 folders, registered blocks or not: a reference is
// trusted by tests/fuzz.test.ts only once it reproduces its goldens within SPEC §5. The poison_*
// goldens are left out: their ±3e38 overflow float32 where a float64 reference does not.

import test from "ava";
import { REFERENCES } from "./fuzz/reference/index.js";
import { assertClose, SPEC_TOLERANCE } from "./helpers/close.js";
import { goldenCases, readGolden } from "./helpers/golden.js";

for (const [folder, reference] of Object.entries(REFERENCES)) {
  test(`the ${folder} reference reproduces its goldens`, (t) => {
    const files = goldenCases(folder).filter((f) => !f.startsWith("poison_"));
    t.true(files.length > 0, `no goldens in tests/golden/${folder}`);
    let worst = 0, worstCase = "";
    for (const file of files) {
      const g = readGolden(folder, file);
      const ref = reference(g.options, g.weights, g.x, g.dims, g.residual);
      t.deepEqual(ref.dims, g.outDims, `${folder}/${g.name}: output dims`);
      const c = assertClose(t, ref.y, g.y, { ...SPEC_TOLERANCE, index: g.index }, `${folder}/${g.name}`);
      if (c.worstRatio > worst) { worst = c.worstRatio; worstCase = g.name; }
    }
    t.log(`${files.length} goldens, worst ${(worst * 100).toFixed(1)}% of the tolerance (${worstCase})`);
  });
}
