// The bad-input suite every block of the registry passes: each bad call throws an error naming
// what was expected, before anything is written to `out`, and the block still computes the same
// answer; `out` may be an input, and an `out` that partly overlaps an input gets the right answer.

import test, { type ExecutionContext } from "ava";
import type { BlockBase, BlockEntry } from "../../dist/index.js";
import { type Golden, goldenCases, readGolden, runGolden } from "./golden.js";

export const err = (type: typeof TypeError | typeof RangeError | typeof Error, pattern: RegExp) => ({ instanceOf: type, message: pattern });
const escape = (s: string) => s.replace(/[.[\]]/g, "\\$&");

export async function good(entry: BlockEntry, g: Golden) {
  const block = await entry.create(g.options as never, g.weights);
  return { block, expected: runGolden(block, g) };
}

/**
 * The block's smallest golden (fewest input elements, then by name) whose output is finite (an
 * all-NaN output, SimAM's at H·W = 1, could not tell a working block from a broken one): the
 * suite's subject.
 */
export function smallestGolden(folder: string): Golden {
  const all = goldenCases(folder).map((f) => readGolden(folder, f)).filter((g) => g.y.every(Number.isFinite));
  return all.sort((a, b) => a.x.length - b.x.length || a.name.localeCompare(b.name))[0];
}

/** run with the golden's inputs replaced: x (and residual) for one- and two-input blocks. */
const runWith = (block: BlockBase, g: Golden, x: unknown, dims: unknown, out?: Float32Array) =>
  g.residual ? (block as never as { run: (...a: unknown[]) => Float32Array }).run(x, g.residual, dims, out) : (block as never as { run: (...a: unknown[]) => Float32Array }).run(x, dims, out);

const stillWorks = (t: ExecutionContext, block: BlockBase, g: Golden, expected: Float32Array) =>
  t.deepEqual(runGolden(block, g), expected, "the block still works");

/** Registers the bad-input tests of the registry entry `entry` on the golden `g`. */
export function badInputSuite(entry: BlockEntry, g: Golden = smallestGolden(entry.folder)): void {
  const name = entry.folder;
  const [n, c, h, w] = g.dims;
  const outLength = g.outDims.reduce((a, b) => a * b, 1);

  test(`${name}: run rejects bad input without writing out`, async (t) => {
    const { block, expected } = await good(entry, g);
    t.is(expected.length, outLength);
    const cases: Array<[string, unknown, unknown, ReturnType<typeof err>]> = [
      ["wrong length", g.x.subarray(1), g.dims, err(RangeError, new RegExp(`the input has ${g.x.length - 1} elements, but dims \\[${n}, ${c}, ${h}, ${w}\\] need`))],
      ["wrong C", g.x, [n * c, 1, h, w], err(RangeError, new RegExp(`built for ${c} channels, but dims \\[${n * c}, 1, ${h}, ${w}\\] \\(NCHW\\) has C = 1`))],
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
      const out = new Float32Array(outLength).fill(7);
      t.throws(() => runWith(block, g, x, dims, out), expectation, what);
      t.true(out.every((v) => v === 7), `${what}: out untouched`);
    }
    if (g.residual) {
      const out = new Float32Array(outLength).fill(7);
      const run = (r: unknown) => (block as never as { run: (...a: unknown[]) => Float32Array }).run(g.x, r, g.dims, out);
      t.throws(() => run(g.residual!.subarray(1)), err(RangeError, new RegExp(`the residual has ${g.x.length - 1} elements, but dims`)), "short residual");
      t.throws(() => run(Array.from(g.residual!)), err(TypeError, /the residual must be a Float32Array, got an array/), "residual not a Float32Array");
      t.true(out.every((v) => v === 7), "residual: out untouched");
    }
    stillWorks(t, block, g, expected);
  });

  test(`${name}: run rejects an out of the wrong length or type`, async (t) => {
    const { block, expected } = await good(entry, g);
    const short = new Float32Array(expected.length - 1).fill(7);
    t.throws(() => runGolden(block, g, short), err(RangeError, new RegExp(`out has ${short.length} elements, but the output \\[${g.outDims.join(", ")}\\] has ${expected.length}`)));
    t.true(short.every((v) => v === 7), "out untouched");
    t.throws(() => runGolden(block, g, new Float32Array(expected.length + 1)), err(RangeError, /out has/));
    t.throws(() => runGolden(block, g, new Float64Array(expected.length) as never), err(TypeError, /out must be a Float32Array, got Float64Array/));
    const out = new Float32Array(expected.length);
    t.is(runGolden(block, g, out), out, "a reused out is written and returned");
    t.deepEqual(out, expected);
  });

  test(`${name}: out may be an input (in place), and an out that partly overlaps an input is right`, async (t) => {
    const { block, expected } = await good(entry, g);
    if (outLength !== g.x.length) return t.pass(`the output's shape is not the input's: no in-place case`);
    for (const which of g.residual ? ["x", "residual"] as const : ["x"] as const) {
      const inputs = { x: g.x.slice(), residual: g.residual?.slice() };
      const target = inputs[which]!;
      const y = g.residual ? (block as never as { run: (...a: unknown[]) => Float32Array }).run(inputs.x, inputs.residual, g.dims, target) : runWith(block, g, inputs.x, g.dims, target);
      t.is(y, target);
      t.deepEqual(y, expected, `out = ${which}`);
    }
    // out shifted by one element against x, within one buffer, at one image and at a batch staged in chunks
    for (const images of [1, 1 + Math.ceil((1 << 18) / (g.x.length / n))]) {
      const per = g.x.length / n;
      const x = new Float32Array(per * images);
      for (let i = 0; i < images; i++) x.set(g.x.subarray((i % n) * per, (i % n + 1) * per), i * per);
      const dims = [images, c, h, w];
      const residual = g.residual ? new Float32Array(x.length).map((_, i) => g.residual![i % g.residual!.length]) : undefined;
      const call = (xx: Float32Array, out?: Float32Array) => (residual ? (block as never as { run: (...a: unknown[]) => Float32Array }).run(xx, residual, dims, out) : runWith(block, g, xx, dims, out));
      const want = call(x.slice());
      const buffer = new Float32Array(x.length + 1);
      buffer.set(x, 0);
      const shifted = call(buffer.subarray(0, x.length), buffer.subarray(1));
      t.deepEqual(shifted, want, `out one element past x, ${images} image(s)`);
    }
  });

  if (entry.layouts.includes("nhwc")) {
    test(`${name}: in NHWC, dims are [N, H, W, C]: NCHW dims on NHWC data are refused when their C is not the block's`, async (t) => {
      const block = await entry.create({ ...g.options, layout: "nhwc" } as never, g.weights);
      t.is(block.layout, "nhwc");
      const out = new Float32Array(outLength).fill(7);
      if (w !== c) t.throws(() => runWith(block, g, g.x, g.dims, out), err(RangeError, new RegExp(`built for ${c} channels, but dims \\[${n}, ${c}, ${h}, ${w}\\] \\(NHWC\\) has C = ${w}`)));
      t.throws(() => runWith(block, g, g.x, [n, h, w], out), err(TypeError, /dims must be an array \[N, H, W, C\] of length 4/));
      t.throws(() => runWith(block, g, g.x, [n, h, 0, c], out), err(RangeError, /dims\[2\] \(W\) must be a positive safe integer/));
      t.true(out.every((v) => v === 7), "out untouched");
      await t.throwsAsync(entry.create({ ...g.options, layout: "NHWC" } as never, g.weights), err(RangeError, /option layout must be one of 'nchw', 'nhwc', got string NHWC/));
    });
  }

  test(`${name}: missing, extra, misshaped and mistyped weights name the key`, async (t) => {
    const without = (k: string) => Object.fromEntries(Object.entries(g.weights).filter(([key]) => key !== k));
    for (const key of Object.keys(g.weights)) {
      await t.throwsAsync(entry.create(g.options as never, without(key)), err(Error, new RegExp(`weight '${escape(key)}' \\[[\\d, ]+\\] is missing`)), `missing ${key}`);
      const short = { ...g.weights, [key]: g.weights[key].subarray(1) };
      await t.throwsAsync(entry.create(g.options as never, short), err(RangeError, new RegExp(`weight '${escape(key)}' must be \\[[\\d, ]+\\] \\(${g.weights[key].length} floats\\), got ${g.weights[key].length - 1} floats`)), `short ${key}`);
      const f64 = { ...g.weights, [key]: new Float64Array(g.weights[key]) };
      await t.throwsAsync(entry.create(g.options as never, f64 as never), err(TypeError, new RegExp(`weight '${escape(key)}' .* must be a Float32Array, got Float64Array`)), `f64 ${key}`);
    }
    await t.throwsAsync(entry.create(g.options as never, { ...g.weights, "extra.weight": new Float32Array(1) }), err(Error, /does not use weight 'extra\.weight'/));
    await t.notThrowsAsync(entry.create(g.options as never, { ...g.weights, "bn.num_batches_tracked": new Float32Array(1) }), "num_batches_tracked is ignored");
    await t.throwsAsync(entry.create(null as never, g.weights), err(TypeError, /options must be an object, got null/));
  });

  test(`${name}: use after dispose throws; dispose is idempotent`, async (t) => {
    const { block } = await good(entry, g);
    const io = block.io(g.dims);
    block.dispose();
    block.dispose();
    t.throws(() => runGolden(block, g), err(Error, /has been disposed/));
    t.throws(() => block.io(g.dims), err(Error, /has been disposed/));
    t.throws(() => io.run(), err(Error, /has been disposed/));
    t.throws(() => io.input, err(Error, /has been disposed/));
  });

  test(`${name}: io has the output's shape and agrees with run; shapes change between calls`, async (t) => {
    const { block, expected } = await good(entry, g);
    t.throws(() => block.io([n, c + 1, h, w]), err(RangeError, /built for \d+ channels/));
    t.throws(() => block.io([n, c, h]), err(TypeError, /of length 4/));
    const io = block.io(g.dims);
    t.deepEqual(io.outDims, g.outDims);
    io.input.set(g.x);
    if (g.residual) io.residual.set(g.residual);
    else t.throws(() => io.residual, err(TypeError, /has one input; io\.residual is only for AFF and iAFF/));
    t.deepEqual(io.run(), expected);
    const bigger = [n + 2, c, h + 4, w + 3];
    const x2 = new Float32Array(bigger.reduce((a, b) => a * b, 1)).fill(0.25);
    const y2 = g.residual ? (block as never as { run: (...a: unknown[]) => Float32Array }).run(x2, x2.slice(), bigger) : runWith(block, g, x2, bigger);
    t.is(y2.length, block.outputDims(bigger).reduce((a, b) => a * b, 1), "a larger shape grows the block's buffers");
    stillWorks(t, block, g, expected);
    io.dispose();
    io.dispose();
    t.throws(() => io.output, err(Error, /io has been disposed/));
  });
}
