// Worker threads: every golden of every block of the registry, in both layouts, gives the same
// bytes at 1, 2 and 3 threads (every stage split over the threads: minFloats 0), and PyTorch's
// values within SPEC §5.

import test from "ava";
import { blocks, getThreads, moduleFlavour, setThreads, threadSupport } from "../dist/index.js";
import { compareToGolden, goldenAsNhwc, goldenCases, readGolden, runGolden } from "./helpers/golden.js";

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
    let cases = 0;
    for (const file of goldenCases(folder)) {
      for (const layout of layouts) {
        const nchw = readGolden(folder, file);
        const g = layout === "nhwc" ? goldenAsNhwc(nchw) : nchw;
        const block = await create(g.options as never, g.weights);
        const outputs: Float32Array[] = [];
        for (const n of [1, 2, 3]) {
          await setThreads(n, { minFloats: 0 });
          outputs.push(runGolden(block, g));
        }
        block.dispose();
        const bits = outputs.map((y) => new Uint32Array(y.buffer, y.byteOffset, y.length));
        const differs = (i: number) => bits[i].findIndex((v, k) => v !== bits[0][k]);
        t.is(differs(1), -1, `${g.name}: 2 threads differ from 1 at element ${differs(1)}`);
        t.is(differs(2), -1, `${g.name}: 3 threads differ from 1 at element ${differs(2)}`);
        t.true(compareToGolden(g, outputs[2]).worstRatio <= 1, `${g.name}: within tolerance at 3 threads`);
        cases++;
      }
    }
    t.log(`${cases} goldens × layouts`);
  });
}

test.serial.after.always(async () => {
  await setThreads(1);
});
