// Worker threads with Winograd on every 3×3 convolution that fits (the Winograd policy "always"):
// the goldens of the blocks with 3×3 convolutions (helpers/winograd-goldens.ts) give the same bytes
// at 1, 2 and 3 threads, every stage split over the threads (minFloats 0), and PyTorch's values
// within SPEC §5.

import test from "ava";
import { blocks, setThreads } from "../dist/index.js";
import { setWinogradPolicy } from "../dist/conv-params.js";
import { compareToGolden, readGolden, runGolden } from "./helpers/golden.js";
import { exactPassPoisons, finiteGoldens, WINOGRAD_BLOCKS } from "./helpers/winograd-goldens.js";

test.before(async () => {
  await setThreads(3, { minFloats: 0 });
  setWinogradPolicy("always");
});

for (const folder of WINOGRAD_BLOCKS) {
  const { create } = blocks.find((b) => b.folder === folder)!;
  test.serial(`${folder}: every golden with Winograd, the same bytes at 1, 2 and 3 threads`, async (t) => {
    for (const file of [...finiteGoldens(folder), ...exactPassPoisons(folder)]) {
      const g = readGolden(folder, file);
      const block = await create(g.options as never, g.weights);
      const outputs: Uint32Array[] = [];
      for (const n of [1, 2, 3]) {
        await setThreads(n, { minFloats: 0 });
        const y = runGolden(block, g);
        outputs.push(new Uint32Array(y.buffer, y.byteOffset, y.length));
        if (n === 3) t.true(compareToGolden(g, y).worstRatio <= 1, `${g.name}: within tolerance at 3 threads`);
      }
      block.dispose();
      for (const k of [1, 2]) t.is(outputs[k].findIndex((v, i) => v !== outputs[0][i]), -1, `${g.name}: ${k + 1} threads differ from 1`);
    }
  });
}

test.after.always(async () => {
  await setThreads(1);
});
