// The property-based suite (tests/fuzz/property.ts) on every block of the registry: random
// options (within SPEC's rules), shapes (N 1–3, C 1–70, H, W 1–40, 1×1, 1×200, 200×1), layouts,
// weights and inputs against the block's float64 reference (tests/fuzz/reference/, itself checked
// against the PyTorch goldens by tests/fuzz-references.test.ts), within SPEC §5 — of the terms'
// magnitude for residual sums — plus io() = run() bytes and in place. A few runs per block here
// (FUZZ_RUNS, default 4); `npm run fuzz -- <runs> <seed>` is the long run. The seed is random per
// run and printed; FUZZ_SEED=<seed> replays it, and fast-check prints the failing case's seed and path.

import { testProp } from "@fast-check/ava";
import test from "ava";
import { blocks } from "../dist/index.js";
import { blockSeed, checkCase, describeCase, fuzzable, fuzzCases } from "./fuzz/property.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 4);
const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;
console.log(`fuzz: ${RUNS} runs per block, seed ${SEED} (FUZZ_SEED=${SEED} replays them)`);

for (const entry of blocks) {
  if (!fuzzable(entry)) {
    test(`fuzz: ${entry.folder} has a reference and an arbitrary`, (t) => t.fail(`tests/fuzz/reference/index.ts or tests/fuzz/arbitraries.ts has no '${entry.folder}'`));
    continue;
  }
  testProp(
    `fuzz: ${entry.folder} within SPEC §5 of its float64 reference (residual sums: of the terms' magnitude), io() = run(), in place`,
    [fuzzCases(entry)],
    async (t, c) => t.deepEqual(await checkCase(entry, c), [], describeCase(c)),
    { numRuns: RUNS, seed: blockSeed(SEED, entry.folder) },
  );
}
