// The bad-input suite every block passes: each bad call throws an error naming what was
// expected, before anything is written to `out`, and the block still computes the same answer.

import test, { type ExecutionContext } from "ava";
import type { Block } from "../../dist/index.js";
import { type Golden, readGolden } from "./golden.js";

export type Factory = (options: never, weights: Record<string, Float32Array>) => Promise<Block>;

export const err = (type: typeof TypeError | typeof RangeError | typeof Error, pattern: RegExp) => ({ instanceOf: type, message: pattern });
const escape = (s: string) => s.replace(/[.[\]]/g, "\\$&");

export async function good(create: Factory, g: Golden) {
  const block = await create(g.options as never, g.weights);
  return { block, expected: block.run(g.x, g.dims) };
}

const stillWorks = (t: ExecutionContext, block: Block, g: Golden, expected: Float32Array) =>
  t.deepEqual(block.run(g.x, g.dims), expected, "the block still works");

/** Registers the bad-input tests of block `name` (golden folder), built from the golden `file`. */
export function badInputSuite(name: string, create: Factory, file: string): void {
  const g = readGolden(name, file);
  const [n, c, h, w] = g.dims;

  test(`${name}: run rejects bad input without writing out`, async (t) => {
    const { block, expected } = await good(create, g);
    t.is(expected.length, g.outDims.reduce((a, b) => a * b, 1));
    const cases: Array<[string, unknown, unknown, ReturnType<typeof err>]> = [
      ["wrong length", g.x.subarray(1), g.dims, err(RangeError, new RegExp(`has ${g.x.length - 1} elements, but dims \\[${n}, ${c}, ${h}, ${w}\\] need`))],
      ["wrong C", g.x, [n * c, 1, h, w], err(RangeError, new RegExp(`built for ${c} channels, but dims \\[${n * c}, 1, ${h}, ${w}\\] has C = 1`))],
      ["zero dim", g.x, [0, c, h, w], err(RangeError, /dims\[0\] \(N\) must be a positive safe integer, got number 0/)],
      ["negative dim", g.x, [n, c, -h, -w], err(RangeError, /dims\[2\] \(H\) must be a positive safe integer, got number -/)],
      ["fractional dim", g.x, [n, c, h + 0.5, w], err(RangeError, /dims\[2\] \(H\) must be a positive safe integer, got number \d+\.5/)],
      ["NaN dim", g.x, [n, c, h, NaN], err(RangeError, /dims\[3\] \(W\) must be a positive safe integer, got number NaN/)],
      ["string dim", g.x, [n, c, String(h), w], err(RangeError, /dims\[2\] \(H\) must be a positive safe integer, got string/)],
      ["dims of length 3", g.x, [n * c, h, w], err(TypeError, /dims must be an array \[N, C, H, W\] of length 4, got an array of length 3/)],
      ["dims not an array", g.x, `${n},${c},${h},${w}`, err(TypeError, /dims must be an array \[N, C, H, W\]/)],
      ["x not a Float32Array", Array.from(g.x), g.dims, err(TypeError, /the input must be a Float32Array, got an array of length \d+/)],
      ["x a Float64Array", new Float64Array(g.x), g.dims, err(TypeError, /the input must be a Float32Array, got Float64Array/)],
      ["huge dims", g.x, [2 ** 20, c, 2 ** 10, 2 ** 10], err(RangeError, /has more than \d+ elements/)],
    ];
    for (const [what, x, dims, expectation] of cases) {
      const out = new Float32Array(expected.length).fill(7);
      t.throws(() => block.run(x as Float32Array, dims as number[], out), expectation, what);
      t.true(out.every((v) => v === 7), `${what}: out untouched`);
    }
    stillWorks(t, block, g, expected);
  });

  test(`${name}: run rejects an out of the wrong length or type`, async (t) => {
    const { block, expected } = await good(create, g);
    const short = new Float32Array(expected.length - 1).fill(7);
    t.throws(() => block.run(g.x, g.dims, short), err(RangeError, new RegExp(`out has ${short.length} elements, but the output \\[${g.outDims.join(", ")}\\] has ${expected.length}`)));
    t.true(short.every((v) => v === 7), "out untouched");
    t.throws(() => block.run(g.x, g.dims, new Float32Array(expected.length + 1)), err(RangeError, /out has/));
    t.throws(() => block.run(g.x, g.dims, new Float64Array(expected.length) as never), err(TypeError, /out must be a Float32Array, got Float64Array/));
    const out = new Float32Array(expected.length);
    t.is(block.run(g.x, g.dims, out), out, "a reused out is written and returned");
    t.deepEqual(out, expected);
  });

  test(`${name}: missing, extra, misshaped and mistyped weights name the key`, async (t) => {
    const without = (k: string) => Object.fromEntries(Object.entries(g.weights).filter(([key]) => key !== k));
    for (const key of Object.keys(g.weights)) {
      await t.throwsAsync(create(g.options as never, without(key)), err(Error, new RegExp(`weight '${escape(key)}' \\[[\\d, ]+\\] is missing`)), `missing ${key}`);
      const short = { ...g.weights, [key]: g.weights[key].subarray(1) };
      await t.throwsAsync(create(g.options as never, short), err(RangeError, new RegExp(`weight '${escape(key)}' must be \\[[\\d, ]+\\] \\(${g.weights[key].length} floats\\), got ${g.weights[key].length - 1} floats`)), `short ${key}`);
      const f64 = { ...g.weights, [key]: new Float64Array(g.weights[key]) };
      await t.throwsAsync(create(g.options as never, f64 as never), err(TypeError, new RegExp(`weight '${escape(key)}' .* must be a Float32Array, got Float64Array`)), `f64 ${key}`);
    }
    await t.throwsAsync(create(g.options as never, { ...g.weights, "extra.weight": new Float32Array(1) }), err(Error, /does not use weight 'extra\.weight' \(its weights are /));
    await t.notThrowsAsync(create(g.options as never, { ...g.weights, "bn.num_batches_tracked": new Float32Array(1) }), "num_batches_tracked is ignored");
    await t.throwsAsync(create(null as never, g.weights), err(TypeError, /options must be an object, got null/));
  });

  test(`${name}: use after dispose throws; dispose is idempotent`, async (t) => {
    const { block } = await good(create, g);
    const io = block.io(g.dims);
    block.dispose();
    block.dispose();
    t.throws(() => block.run(g.x, g.dims), err(Error, /has been disposed/));
    t.throws(() => block.io(g.dims), err(Error, /has been disposed/));
    t.throws(() => io.run(), err(Error, /has been disposed/));
    t.throws(() => io.input, err(Error, /has been disposed/));
  });

  test(`${name}: io has the output's shape and agrees with run; shapes change between calls`, async (t) => {
    const { block, expected } = await good(create, g);
    t.throws(() => block.io([n, c + 1, h, w]), err(RangeError, /built for \d+ channels/));
    t.throws(() => block.io([n, c, h]), err(TypeError, /of length 4/));
    const io = block.io(g.dims);
    t.deepEqual(io.outDims, g.outDims);
    io.input.set(g.x);
    t.deepEqual(io.run(), expected);
    const bigger = [n + 2, c, h + 4, w + 3];
    const x2 = new Float32Array(bigger.reduce((a, b) => a * b, 1)).fill(0.25);
    t.is(block.run(x2, bigger).length, block.outputDims(bigger as never).reduce((a, b) => a * b, 1), "a larger shape grows the block's buffers");
    stillWorks(t, block, g, expected);
    io.dispose();
    io.dispose();
    t.throws(() => io.output, err(Error, /io has been disposed/));
  });
}
