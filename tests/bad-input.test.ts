// The bad-input suite (tests/helpers/bad-input.ts) on every block of the registry, and the SE
// family's own options.

import test from "ava";
import { blockEntry, blocks } from "../dist/index.js";
import { badInputSuite, err, smallestGolden } from "./helpers/bad-input.js";

for (const entry of blocks) badInputSuite(entry);

for (const folder of ["se", "cse", "sse", "scse"]) {
  test(`${folder}: bad options name the option and the values expected`, async (t) => {
    const entry = blockEntry(folder);
    const g = smallestGolden(folder);
    const o = g.options;
    const bad: Array<[Record<string, unknown>, ReturnType<typeof err>]> = [
      [{ gate: "tanh" }, err(RangeError, /option gate must be one of 'sigmoid', 'hardsigmoid', got string tanh/)],
      [{ channels: 0 }, err(RangeError, /option channels must be a positive integer, got number 0/)],
      [{ chanels: 6 }, err(TypeError, /has no option 'chanels'; its options are channels, /)],
      [{ bias: "yes" }, err(TypeError, /option bias must be true or false/)],
      [{ hardSigmoid: { alpha: NaN } }, err(RangeError, /hardSigmoid\.alpha must be a finite number/)],
      [{ hardSigmoid: { slope: 1 } }, err(TypeError, /hardSigmoid has no option 'slope'/)],
    ];
    if (folder !== "sse") {
      bad.push([{ activation: "gelu" }, err(RangeError, /option activation must be one of 'none', 'relu', 'silu', 'hardswish', got string gelu/)]);
      bad.push([{ pool: "lp" }, err(RangeError, /option pool must be one of 'avg', 'max', 'avgmax', got string lp/)]);
      bad.push([{ reduction: 1.5 }, err(RangeError, /option reduction must be a positive integer, got number 1.5/)]);
      // a bad reduction is an error even where reducedChannels overrides it
      for (const reduction of [0, -2, "4"]) bad.push([{ reduction, reducedChannels: 3 }, err(RangeError, /option reduction must be a positive integer/)]);
    }
    if (folder === "scse") bad.push([{ combine: "mul" }, err(RangeError, /option combine must be one of 'add', 'max', got string mul/)]);
    for (const [change, expectation] of bad) await t.throwsAsync(entry.create({ ...o, ...change } as never, g.weights), expectation, JSON.stringify(change));
  });
}
