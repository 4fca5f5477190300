// Bad input to the SE family: each case throws a clear error naming what was expected, leaves
// `out` untouched, and the block still computes the right answer afterwards.

import test, { type ExecutionContext } from "ava";
import { type Block, createCSE, createSCSE, createSE, createSSE } from "../dist/index.js";
import { readGolden } from "./helpers/golden.js";

type Factory = (options: never, weights: Record<string, Float32Array>) => Promise<Block>;
const BLOCKS: Array<[string, Factory, string]> = [
  ["se", createSE, "default_c6.safetensors"],
  ["cse", createCSE, "default.safetensors"],
  ["sse", createSSE, "default.safetensors"],
  ["scse", createSCSE, "default.safetensors"],
];

const err = (type: typeof TypeError | typeof RangeError | typeof Error, pattern: RegExp) => ({ instanceOf: type, message: pattern });

for (const [name, create, file] of BLOCKS) {
  const g = readGolden(name, file);
  const [n, c, h, w] = g.dims;
  const good = async () => {
    const block = await create(g.options as never, g.weights);
    return { block, expected: block.run(g.x, g.dims) };
  };
  /** After a failed call: `out` is untouched and the block gives the same answer as before. */
  const stillWorks = (t: ExecutionContext, block: Block, expected: Float32Array) => {
    t.deepEqual(block.run(g.x, g.dims), expected, "the block still works");
  };

  test(`${name}: run rejects bad input without writing out`, async (t) => {
    const { block, expected } = await good();
    const cases: Array<[string, unknown, unknown, ReturnType<typeof err>]> = [
      ["wrong length", g.x.subarray(1), g.dims, err(RangeError, new RegExp(`has ${g.x.length - 1} elements, but dims \\[${n}, ${c}, ${h}, ${w}\\] need`))],
      ["wrong C", g.x, [n * c, 1, h, w], err(RangeError, new RegExp(`built for ${c} channels, but dims \\[${n * c}, 1, ${h}, ${w}\\] has C = 1`))],
      ["zero dim", g.x, [0, c, h, w], err(RangeError, /dims\[0\] \(N\) must be a positive safe integer, got number 0/)],
      ["negative dim", g.x, [n, c, -h, -w], err(RangeError, /dims\[2\] \(H\) must be a positive safe integer, got number -/)],
      ["fractional dim", g.x, [n, c, h + 0.5, w], err(RangeError, /dims\[2\] \(H\) must be a positive safe integer, got number \d+\.5/)],
      ["NaN dim", g.x, [n, c, h, NaN], err(RangeError, /dims\[3\] \(W\) must be a positive safe integer, got number NaN/)],
      ["string dim", g.x, [n, c, String(h), w], err(RangeError, /dims\[2\] \(H\) must be a positive safe integer, got string/)],
      ["dims of length 3", g.x, [n * c, h, w], err(TypeError, /dims must be an array \[N, C, H, W\] of length 4, got an array of length 3/)],
      ["dims not an array", g.x, "1,6,7,5", err(TypeError, /dims must be an array \[N, C, H, W\]/)],
      ["x not a Float32Array", Array.from(g.x), g.dims, err(TypeError, /the input must be a Float32Array, got an array of length \d+/)],
      ["x a Float64Array", new Float64Array(g.x), g.dims, err(TypeError, /the input must be a Float32Array, got Float64Array/)],
      ["huge dims", g.x, [2 ** 20, c, 2 ** 10, 2 ** 10], err(RangeError, /has more than \d+ elements/)],
    ];
    for (const [what, x, dims, expectation] of cases) {
      const out = new Float32Array(expected.length).fill(7);
      t.throws(() => block.run(x as Float32Array, dims as number[], out), expectation, what);
      t.true(out.every((v) => v === 7), `${what}: out untouched`);
    }
    stillWorks(t, block, expected);
  });

  test(`${name}: run rejects an out of the wrong length or type`, async (t) => {
    const { block, expected } = await good();
    const short = new Float32Array(expected.length - 1).fill(7);
    t.throws(() => block.run(g.x, g.dims, short), err(RangeError, new RegExp(`out has ${short.length} elements, but the output \\[${g.dims.join(", ")}\\] has ${expected.length}`)));
    t.true(short.every((v) => v === 7), "out untouched");
    t.throws(() => block.run(g.x, g.dims, new Float32Array(expected.length + 1)), err(RangeError, /out has/));
    t.throws(() => block.run(g.x, g.dims, new Float64Array(expected.length) as never), err(TypeError, /out must be a Float32Array, got Float64Array/));
    stillWorks(t, block, expected);
  });

  test(`${name}: out may be x itself (in place), or a reused buffer`, async (t) => {
    const { block, expected } = await good();
    const x = g.x.slice();
    t.is(block.run(x, g.dims, x), x);
    t.deepEqual(x, expected);
    const out = new Float32Array(expected.length);
    t.is(block.run(g.x, g.dims, out), out);
    t.deepEqual(out, expected);
  });

  test(`${name}: missing, extra, misshaped and mistyped weights`, async (t) => {
    const keys = Object.keys(g.weights);
    const without = (k: string) => Object.fromEntries(Object.entries(g.weights).filter(([key]) => key !== k));
    for (const key of keys) {
      await t.throwsAsync(create(g.options as never, without(key)), err(Error, new RegExp(`weight '${key.replace(/\./g, "\\.")}' \\[[\\d, ]+\\] is missing`)), `missing ${key}`);
      const short = { ...g.weights, [key]: g.weights[key].subarray(1) };
      await t.throwsAsync(create(g.options as never, short), err(RangeError, new RegExp(`weight '${key.replace(/\./g, "\\.")}' must be \\[[\\d, ]+\\] \\(${g.weights[key].length} floats\\), got ${g.weights[key].length - 1} floats`)), `short ${key}`);
      const f64 = { ...g.weights, [key]: new Float64Array(g.weights[key]) };
      await t.throwsAsync(create(g.options as never, f64 as never), err(TypeError, new RegExp(`weight '${key.replace(/\./g, "\\.")}' .* must be a Float32Array, got Float64Array`)), `f64 ${key}`);
    }
    await t.throwsAsync(create(g.options as never, { ...g.weights, "fc3.weight": new Float32Array(1) }), err(Error, /does not use weight 'fc3\.weight' \(its weights are /));
    await t.notThrowsAsync(create(g.options as never, { ...g.weights, "bn.num_batches_tracked": new Float32Array(1) }), "num_batches_tracked is ignored");
  });

  test(`${name}: bad options name the option and the values expected`, async (t) => {
    const o = g.options;
    await t.throwsAsync(create({ ...o, gate: "tanh" } as never, g.weights), err(RangeError, /option gate must be one of 'sigmoid', 'hardsigmoid', got string tanh/));
    await t.throwsAsync(create({ ...o, channels: 0 } as never, g.weights), err(RangeError, /option channels must be a positive integer, got number 0/));
    await t.throwsAsync(create({ ...o, chanels: 6 } as never, g.weights), err(TypeError, /has no option 'chanels'; its options are channels, /));
    await t.throwsAsync(create({ ...o, bias: "yes" } as never, g.weights), err(TypeError, /option bias must be true or false/));
    await t.throwsAsync(create({ ...o, hardSigmoid: { alpha: NaN } } as never, g.weights), err(RangeError, /hardSigmoid\.alpha must be a finite number/));
    await t.throwsAsync(create({ ...o, hardSigmoid: { slope: 1 } } as never, g.weights), err(TypeError, /hardSigmoid has no option 'slope'/));
    await t.throwsAsync(create(null as never, g.weights), err(TypeError, /options must be an object, got null/));
  });

  test(`${name}: use after dispose throws; dispose is idempotent`, async (t) => {
    const { block } = await good();
    const io = block.io(g.dims);
    block.dispose();
    block.dispose();
    t.throws(() => block.run(g.x, g.dims), err(Error, /has been disposed/));
    t.throws(() => block.io(g.dims), err(Error, /has been disposed/));
    t.throws(() => io.run(), err(Error, /has been disposed/));
    t.throws(() => io.input, err(Error, /has been disposed/));
  });

  test(`${name}: io rejects bad dims and is independent of run`, async (t) => {
    const { block, expected } = await good();
    t.throws(() => block.io([n, c + 1, h, w]), err(RangeError, /built for \d+ channels/));
    t.throws(() => block.io([n, c, h]), err(TypeError, /of length 4/));
    const io = block.io(g.dims);
    io.input.set(g.x);
    t.deepEqual(io.run(), expected);
    io.dispose();
    io.dispose();
    t.throws(() => io.output, err(Error, /io has been disposed/));
    stillWorks(t, block, expected);
  });
}

test("the shapes of a block are free per call: N, H and W change between calls", async (t) => {
  const g1 = readGolden("se", "shape_n1_c20_7x5.safetensors");
  const g3 = readGolden("se", "shape_n3_c20_13x17.safetensors");
  t.deepEqual(g1.options, g3.options);
  t.deepEqual(Object.keys(g1.weights), Object.keys(g3.weights));
  // Same options, different weights: run each golden through its own block, alternating shapes on one block.
  const b1 = await createSE(g1.options as never, g1.weights);
  const first = b1.run(g1.x, g1.dims);
  const big = b1.run(g3.x, g3.dims); // grows the block's buffers
  t.is(big.length, g3.x.length);
  t.deepEqual(b1.run(g1.x, g1.dims), first, "back to the small shape gives the same result");
});
