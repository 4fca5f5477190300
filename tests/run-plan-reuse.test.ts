// run() keeps its plan across calls on the same operands (bindings/block.ts, planRun) and plans
// again when anything it was made for changes: the batch size, H and W, the staging region
// (memory grown by larger dims), or another call on the record (an io). Each result here, of
// one block instance driven through such a sequence, is compared bit for bit with a fresh
// instance's run() on the same inputs; and a batch that run() stages in chunks (a full chunk,
// then a partial one) with the zero-copy path on the whole batch.

import test from "ava";
import { blocks, type Block, type BlockBase, type FusionBlock, type Layout } from "../dist/index.js";
import { goldenInput } from "./golden/prng.js";
import { goldenCases, readGolden } from "./helpers/golden.js";

type Dims = [number, number, number, number];
const numel = (d: readonly number[]) => d.reduce((a, b) => a * b, 1);
/** [N, C, H, W] in `layout`'s order. */
const inLayout = ([n, c, h, w]: Dims, layout: Layout): Dims => (layout === "nhwc" ? [n, h, w, c] : [n, c, h, w]);

/** `inputs` tensors of dims `d`, drawn from `seed`. */
const inputsFor = (inputs: number, d: Dims, seed: number) => Array.from({ length: inputs }, (_, i) => goldenInput(seed + i, numel(d)));

function run(block: BlockBase, xs: Float32Array[], d: Dims): Float32Array {
  return xs.length === 2 ? (block as FusionBlock).run(xs[0], xs[1], d) : (block as Block).run(xs[0], d);
}

function io(block: BlockBase, xs: Float32Array[], d: Dims): Float32Array {
  const v = block.io(d);
  v.input.set(xs[0]);
  if (xs.length === 2) v.residual.set(xs[1]);
  const y = v.run().slice();
  v.dispose();
  return y;
}

const sameBits = (a: Float32Array, b: Float32Array): boolean => a.length === b.length && new Uint32Array(a.buffer, a.byteOffset, a.length).every((v, i) => v === new Uint32Array(b.buffer, b.byteOffset, b.length)[i]);

for (const { folder, create, layouts } of blocks) {
  const inputs = create.inputs;
  for (const layout of layouts) {
    test(`${folder} ${layout}: run() on a changing sequence of shapes gives a fresh block's bytes`, async (t) => {
      const g = readGolden(folder, goldenCases(folder).find((f) => !f.startsWith("poison")) ?? goldenCases(folder)[0]);
      const options = { ...g.options, layout };
      const [, c, h, w] = g.dims;
      const block = await create(options as never, g.weights);
      // n up (the staging of 1 image would not hold 3), then H and W up (memory grows: a new
      // staging region), H and W down alone (the same staging, n and C: only the plan's H and W
      // differ), an io on the record, back to the first shape, n down
      const steps: { dims: Dims; io?: boolean }[] = [
        { dims: [1, c, h, w] }, { dims: [1, c, h, w] }, { dims: [3, c, h, w] }, { dims: [2, c, h + 9, w + 7] },
        { dims: [2, c, h, w] }, { dims: [3, c, h, w], io: true }, { dims: [3, c, h, w] }, { dims: [1, c, h, w] },
      ];
      for (const [i, step] of steps.entries()) {
        const d = inLayout(step.dims, layout);
        if (step.io) io(block, inputsFor(inputs, d, 900 + i), d);
        const xs = inputsFor(inputs, d, 100 + i);
        const got = run(block, xs, d);
        const fresh = await create(options as never, g.weights);
        const want = run(fresh, xs, d);
        fresh.dispose();
        t.true(sameBits(got, want), `step ${i}, dims [${d.join(", ")}]`);
      }
      block.dispose();
    });
  }
}

// Images of 8·110·110 floats: run() stages 2 images at a time (bindings/block.ts CHUNK_FLOATS),
// so a batch of 3 is a full chunk and a partial one.
for (const folder of ["se", "sse", "cbam", "shuffle_attention", "aff"]) {
  test(`${folder}: a batch staged as a full and a partial chunk gives the zero-copy path's bytes, twice`, async (t) => {
    const entry = blocks.find((b) => b.folder === folder)!;
    const c = 8, options = entry.options(c);
    // weights in [−0.5, 0.5), running variances in [0.5, 1.5)
    const weights = Object.fromEntries(entry.create.weightSpecs(options as never).map((s, i) => [s.key, goldenInput(300 + i, numel(s.shape)).map((v) => (s.key.endsWith("running_var") ? 1 + v / 4 : v / 4))]));
    const block = await entry.create(options as never, weights);
    const d: Dims = [3, c, 110, 110];
    const xs = inputsFor(entry.create.inputs, d, 7);
    const whole = io(block, xs, d);
    t.true(sameBits(run(block, xs, d), whole), "first run");
    t.true(sameBits(run(block, xs, d), whole), "second run (the plans kept)");
    block.dispose();
  });
}
