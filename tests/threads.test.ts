// Worker threads: every golden of every block of the registry, in both layouts, gives the same
// bytes at 1, 2 and 3 threads (every stage split over the threads: minFloats 0), and PyTorch's
// values within SPEC §5.

import test from "ava";
import { blocks, getThreads, moduleFlavour, setThreads, threadSupport } from "../dist/index.js";
import { compareToGolden, goldenAsNhwc, goldenCases, readGolden } from "./helpers/golden.js";
import { firstBitDifference, outputsAtThreadCounts, THREAD_COUNTS, type ThreadCase } from "./helpers/thread-runs.js";

const support = threadSupport();

test.serial("the platform has threads, and setThreads loads the shared-memory build", async (t) => {
  t.true(support.available, support.reason);
  await setThreads(3, { minFloats: 0 });
  t.is(getThreads(), 3);
  t.regex(moduleFlavour() ?? "", /-threads$/);
});

test.serial("setThreads rejects what is not a positive integer", async (t) => {
  for (const bad of [0, -1, 1.5, NaN, "2"]) await t.throwsAsync(setThreads(bad as never), { instanceOf: RangeError, message: /setThreads takes a positive integer/ });
  await t.throwsAsync(setThreads(2, { minFloats: -1 }), { instanceOf: RangeError, message: /minFloats must be a non-negative integer/ });
  t.is(getThreads(), 3, "a rejected call changes nothing");
});

for (const { folder, create, layouts } of blocks) {
  test.serial(`${folder}: every golden, the same bytes at 1, 2 and 3 threads`, async (t) => {
    const cases: ThreadCase[] = goldenCases(folder).flatMap((file) => {
      const nchw = readGolden(folder, file);
      return layouts.map((layout) => ({ g: layout === "nhwc" ? goldenAsNhwc(nchw) : nchw, create: create as never }));
    });
    const outputs = await outputsAtThreadCounts(cases);
    cases.forEach(({ g }, i) => {
      for (const k of [1, 2]) {
        const at = firstBitDifference(outputs[0][i], outputs[k][i]);
        t.is(at, -1, `${g.name}: ${THREAD_COUNTS[k]} threads differ from 1 at element ${at}`);
      }
      t.true(compareToGolden(g, outputs[2][i]).worstRatio <= 1, `${g.name}: within tolerance at 3 threads`);
    });
    t.log(`${cases.length} goldens × layouts`);
  });
}

test.serial.after.always(async () => {
  await setThreads(1);
});
