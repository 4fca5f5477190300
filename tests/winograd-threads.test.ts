// Worker threads with Winograd on every 3×3 convolution that fits (the Winograd policy "always"):
// the goldens of the blocks with 3×3 convolutions (helpers/winograd-goldens.ts) give the same bytes
// at 1, 2 and 3 threads, every stage split over the threads (minFloats 0), and PyTorch's values
// within SPEC §5.

import test from "ava";
import { blocks, setThreads } from "../dist/index.js";
import { setWinogradPolicy } from "../dist/conv-params.js";
import { compareToGolden, readGolden } from "./helpers/golden.js";
import { firstBitDifference, outputsAtThreadCounts, THREAD_COUNTS, type ThreadCase } from "./helpers/thread-runs.js";
import { exactPassPoisons, finiteGoldens, WINOGRAD_BLOCKS } from "./helpers/winograd-goldens.js";

test.before(async () => {
  await setThreads(3, { minFloats: 0 });
  setWinogradPolicy("always");
});

for (const folder of WINOGRAD_BLOCKS) {
  const { create } = blocks.find((b) => b.folder === folder)!;
  test.serial(`${folder}: every golden with Winograd, the same bytes at 1, 2 and 3 threads`, async (t) => {
    const cases: ThreadCase[] = [...finiteGoldens(folder), ...exactPassPoisons(folder)].map((file) => ({ g: readGolden(folder, file), create: create as never }));
    const outputs = await outputsAtThreadCounts(cases);
    cases.forEach(({ g }, i) => {
      t.true(compareToGolden(g, outputs[2][i]).worstRatio <= 1, `${g.name}: within tolerance at 3 threads`);
      for (const k of [1, 2]) t.is(firstBitDifference(outputs[0][i], outputs[k][i]), -1, `${g.name}: ${THREAD_COUNTS[k]} threads differ from 1`);
    });
  });
}

test.after.always(async () => {
  await setThreads(1);
});
