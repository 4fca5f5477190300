// The items of every stage are independent (assembly/call.ts): every block of the registry, on its
// smallest and largest golden, run through its own call record with each stage split at random
// item boundaries and the pieces run last to first (helpers/staged.ts splitBlockStages), over a
// scratch poisoned with NaN before each run and an output filled with NaN, gives the same bytes as
// the whole stages. An item that read what another item of its stage writes, or wrote past its
// own part of an output, would differ.

import test from "ava";
import { blocks } from "../dist/index.js";
import { goldenCases, readGolden } from "./helpers/golden.js";
import { randomSplit, splitBlockStages } from "./helpers/staged.js";
import { sameBits } from "./helpers/wasm.js";

for (const { folder, create } of blocks) {
  const sizes = goldenCases(folder).map((f) => readGolden(folder, f)).sort((a, b) => a.x.length - b.x.length);
  for (const g of new Set([sizes[0], sizes[sizes.length - 1]])) {
    test(`${folder}/${g.name}: every stage split at random item boundaries gives the same bytes`, async (t) => {
      const block = await create(g.options as never, g.weights);
      const io = block.io(g.dims);
      io.input.set(g.x);
      if (g.residual) io.residual.set(g.residual);
      const whole = new Uint32Array(io.run().slice().buffer);
      for (let seed = 1; seed <= 3; seed++) {
        // up to 4, 7 and 10 pieces
        const restore = splitBlockStages(block, randomSplit(seed, 3 * seed + 1));
        try {
          io.output.fill(NaN);
          sameBits(t, new Uint32Array(io.run().slice().buffer), whole, `seed ${seed}: the same bytes as whole stages`);
        } finally {
          restore();
        }
      }
      block.dispose();
    });
  }
}
