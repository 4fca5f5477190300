// Effective SE's own options: the hard-sigmoid gate by default (PyTorch's α 1/6, β 1/2), addMaxpool,
// the C × C fc's keys, and bad values naming the option and what was expected. (Its kernels are the
// SE family's: f32_gpool_cw, f32_dense, f32_vgate, tested in kernels.test.ts and through the goldens.)

import test from "ava";
import { createEffectiveSE } from "../dist/index.js";
import { err, smallestGolden } from "./helpers/bad-input.js";
import { assertClose, SPEC_TOLERANCE } from "./helpers/close.js";
import { values } from "./helpers/wasm.js";

const C = 5, HW = 6, dims = [2, C, 2, 3];
const weights = { "fc.weight": values(C * C, 1), "fc.bias": values(C, 2) };
const x = values(2 * C * HW, 3);

/** y = x·gate(fc(pool(x))) in double. */
function reference(gate: (z: number) => number, addMaxpool: boolean): number[] {
  const y: number[] = [];
  for (let n = 0; n < 2; n++) {
    const plane = (c: number) => Array.from(x.subarray((n * C + c) * HW, (n * C + c + 1) * HW));
    const pooled = Array.from({ length: C }, (_, c) => {
      const v = plane(c), mean = v.reduce((a, b) => a + b, 0) / HW;
      return addMaxpool ? 0.5 * mean + 0.5 * Math.max(...v) : mean;
    });
    for (let o = 0; o < C; o++) {
      let z = weights["fc.bias"][o];
      for (let i = 0; i < C; i++) z += weights["fc.weight"][o * C + i] * pooled[i];
      for (const v of plane(o)) y.push(v * gate(z));
    }
  }
  return y;
}

test("the gate is PyTorch's hard sigmoid unless told otherwise; addMaxpool pools 0.5·avg + 0.5·max", async (t) => {
  const hard = (alpha: number, beta: number) => (z: number) => Math.min(1, Math.max(0, alpha * z + beta));
  const cases: Array<[Record<string, unknown>, (z: number) => number, boolean]> = [
    [{}, hard(1 / 6, 0.5), false],
    [{ addMaxpool: true }, hard(1 / 6, 0.5), true],
    [{ hardSigmoid: { alpha: 0.2, beta: 0.5 } }, hard(0.2, 0.5), false],
    [{ gate: "sigmoid", addMaxpool: true }, (z) => 1 / (1 + Math.exp(-z)), true],
  ];
  for (const [o, gate, addMaxpool] of cases) {
    const ese = await createEffectiveSE({ channels: C, ...o }, weights);
    assertClose(t, ese.run(x, dims), reference(gate, addMaxpool), SPEC_TOLERANCE, JSON.stringify(o));
    ese.dispose();
  }
});

test("bad options name the option and the values expected", async (t) => {
  const g = smallestGolden("effective_se");
  const bad: Array<[Record<string, unknown>, ReturnType<typeof err>]> = [
    [{ channels: -1 }, err(RangeError, /EffectiveSE option channels must be a positive integer, got number -1/)],
    [{ addMaxpool: "yes" }, err(TypeError, /EffectiveSE option addMaxpool must be true or false, got string yes/)],
    [{ gate: "relu6" }, err(RangeError, /EffectiveSE option gate must be one of 'sigmoid', 'hardsigmoid', got string relu6/)],
    [{ hardSigmoid: { alpha: 0.2, slope: 1 } }, err(TypeError, /EffectiveSE hardSigmoid has no option 'slope'/)],
    [{ reduction: 4 }, err(TypeError, /EffectiveSE has no option 'reduction'; its options are channels, addMaxpool, gate, hardSigmoid/)],
  ];
  for (const [change, expectation] of bad) await t.throwsAsync(createEffectiveSE({ ...g.options, ...change } as never, g.weights), expectation, JSON.stringify(change));
  await t.throwsAsync(createEffectiveSE({ channels: 4 }, { "fc.weight": new Float32Array(16), "fc.bias": new Float32Array(3) }),
    err(RangeError, /EffectiveSE weight 'fc\.bias' must be \[4\] \(4 floats\), got 3 floats/));
  t.deepEqual(createEffectiveSE.weightSpecs({ channels: 4 }), [{ key: "fc.weight", shape: [4, 4] }, { key: "fc.bias", shape: [4] }]);
});
