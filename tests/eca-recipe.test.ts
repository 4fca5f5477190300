// The README's "Building your own block" example (examples/eca.ts, ECA from the public kernels)
// against PyTorch's ECA goldens.

import test from "ava";
import { kernels } from "../dist/index.js";
import { eca } from "../examples/eca.js";
import { compareToGolden, goldenCases, readGolden } from "./helpers/golden.js";

test.before(() => kernels.ready());

// The recipe is the official ECA: zero padding, sigmoid gate. The goldens' circular padding (timm's
// CecaModule) and hard-sigmoid gates are options of the block, not of the recipe.
const cases = goldenCases("eca").filter((file) => {
  const { options } = readGolden("eca", file);
  return (options.padding ?? "zeros") === "zeros" && (options.gate ?? "sigmoid") === "sigmoid";
});
test("eca: has goldens", (t) => t.true(cases.length > 0));

for (const file of cases) {
  test(`eca/${file}`, (t) => {
    const g = readGolden("eca", file);
    const y = eca(g.x, g.dims, g.weights["conv.weight"]);
    t.deepEqual(Object.keys(g.weights), ["conv.weight"]);
    t.is(y.length, g.x.length);
    const { maxAbs, worstRatio, at } = compareToGolden(g, y);
    t.log(`k = ${g.weights["conv.weight"].length}, max |err| ${maxAbs.toExponential(2)}, ${(worstRatio * 100).toFixed(1)}% of tolerance`);
    t.true(worstRatio <= 1, `element ${at}: got ${y[at]}, PyTorch ${g.index ? "(sampled)" : g.y[at]}; max |err| ${maxAbs}`);
  });
}
