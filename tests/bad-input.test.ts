// Bad input to the SE family (the shared suite, tests/helpers/bad-input.ts) and the SE family's own options.

import test from "ava";
import { createCSE, createSCSE, createSE, createSSE } from "../dist/index.js";
import { badInputSuite, err, type Factory, good } from "./helpers/bad-input.js";
import { readGolden } from "./helpers/golden.js";

const BLOCKS: Array<[string, Factory, string]> = [
  ["se", createSE, "default_c6.safetensors"],
  ["cse", createCSE, "default.safetensors"],
  ["sse", createSSE, "default.safetensors"],
  ["scse", createSCSE, "default.safetensors"],
];

for (const [name, create, file] of BLOCKS) {
  badInputSuite(name, create, file);

  test(`${name}: out may be x itself (in place)`, async (t) => {
    const g = readGolden(name, file);
    const { block, expected } = await good(create, g);
    const x = g.x.slice();
    t.is(block.run(x, g.dims, x), x);
    t.deepEqual(x, expected);
  });

  test(`${name}: bad options name the option and the values expected`, async (t) => {
    const g = readGolden(name, file);
    const o = g.options;
    const bad: Array<[Record<string, unknown>, ReturnType<typeof err>]> = [
      [{ gate: "tanh" }, err(RangeError, /option gate must be one of 'sigmoid', 'hardsigmoid', got string tanh/)],
      [{ channels: 0 }, err(RangeError, /option channels must be a positive integer, got number 0/)],
      [{ chanels: 6 }, err(TypeError, /has no option 'chanels'; its options are channels, /)],
      [{ bias: "yes" }, err(TypeError, /option bias must be true or false/)],
      [{ hardSigmoid: { alpha: NaN } }, err(RangeError, /hardSigmoid\.alpha must be a finite number/)],
      [{ hardSigmoid: { slope: 1 } }, err(TypeError, /hardSigmoid has no option 'slope'/)],
    ];
    if (name !== "sse") {
      bad.push([{ activation: "gelu" }, err(RangeError, /option activation must be one of 'none', 'relu', 'silu', 'hardswish', got string gelu/)]);
      bad.push([{ pool: "lp" }, err(RangeError, /option pool must be one of 'avg', 'max', 'avgmax', got string lp/)]);
      bad.push([{ reduction: 1.5 }, err(RangeError, /option reduction must be a positive integer, got number 1.5/)]);
    }
    if (name === "scse") bad.push([{ combine: "mul" }, err(RangeError, /option combine must be one of 'add', 'max', got string mul/)]);
    for (const [change, expectation] of bad) await t.throwsAsync(create({ ...o, ...change } as never, g.weights), expectation, JSON.stringify(change));
  });
}
