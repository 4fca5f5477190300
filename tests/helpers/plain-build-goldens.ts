// A child process of relaxed-simd.test.ts: every golden of every block of the registry through
// the plain SIMD build (dist/excite.wasm, loaded before any block is created), the outputs sent
// back to the parent (which has the relaxed build) keyed "folder/file".

import { readFileSync } from "node:fs";
import { blocks, loadModule, moduleFlavour } from "../../dist/index.js";
import { goldenCases, readGolden, runGolden } from "./golden.js";

await loadModule(readFileSync(new URL("../../dist/excite.wasm", import.meta.url)));
const outputs = new Map<string, Float32Array>();
for (const { folder, create } of blocks) {
  for (const file of goldenCases(folder)) {
    const g = readGolden(folder, file);
    const block = await create(g.options as never, g.weights);
    outputs.set(`${folder}/${file}`, runGolden(block, g));
    block.dispose();
  }
}
process.send!({ flavour: moduleFlavour(), outputs });
