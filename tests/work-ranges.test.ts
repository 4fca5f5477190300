// Every block of the registry as a staged call driven by hand (helpers/staged.ts): each stage run
// whole, in 2 pieces (cut at three points), in 3 pieces run last to first and item by item must
// give the same bytes, since threads will run the pieces of a stage at once. On each golden's
// options and weights, with a second image after the golden's input (the first image must still
// match PyTorch), and on one image size per block with several pixel tiles, channel-statistics
// tiles and convolution bands per image.

import test, { type ExecutionContext } from "ava";
import { blocks, type BlockBase, type BlockEntry } from "../dist/index.js";
import { type Dims, dimsOf, shapeOf } from "../dist/validate.js";
import { goldenInput } from "./golden/prng.js";
import { compareToGolden, goldenAsNhwc, goldenCases, type Golden, readGolden } from "./helpers/golden.js";
import { checkSplits, StagedCall, stagedOf, type Tensor } from "./helpers/staged.js";
import { sameBits, withArena } from "./helpers/wasm.js";

/** Runs `block` on `inputs` of dims `dims` by hand in every split; checks the whole run against the block's zero-copy path, bit for bit. */
function splitsOf(t: ExecutionContext, block: BlockBase, inputs: Float32Array[], dims: Dims, what: string): Float32Array {
  const outDims = block.outputDims(dims);
  const outLength = outDims.reduce((a, b) => a * b, 1);
  const io = block.io(dims);
  io.input.set(inputs[0]);
  if (inputs.length > 1) io.residual.set(inputs[1]);
  const expected = new Uint32Array(io.run().slice().buffer);
  io.dispose();
  return withArena((a) => {
    const { entry, params } = stagedOf(block);
    const tensors: Tensor[] = inputs.map((x) => [a.put(x), x.length]);
    const y = a.fresh(outLength);
    const s = shapeOf(dims, block.layout);
    const call = new StagedCall(a, entry, params);
    const extents = call.plan({ x: tensors[0][0], residual: tensors[1]?.[0], y, n: s.n, c: s.c, h: s.h, w: s.w });
    t.true(extents.some((items) => items > 1), `${what}: some stage has several items (extents ${extents.join(", ")})`);
    const got = checkSplits(t, a, call, tensors, [y, outLength], what);
    sameBits(t, new Uint32Array(got.buffer), expected, `${what}: the hand-driven call = io.run()`);
    return got;
  });
}

/** The golden's inputs with a second image after them (in either layout: images are the outer axis). */
function twoImages(g: Golden): { inputs: Float32Array[]; dims: Dims } {
  const join = (first: Float32Array, seed: number) => {
    const x = new Float32Array(2 * first.length);
    x.set(first);
    x.set(goldenInput(seed, first.length), first.length);
    return x;
  };
  return { inputs: [join(g.x, 91), ...(g.residual ? [join(g.residual, 92)] : [])], dims: [2, g.dims[1], g.dims[2], g.dims[3]] };
}

/** The block's golden of fewest channels (then the first by name): the options of its large case. */
const fewestChannels = (folder: string): Golden =>
  goldenCases(folder).map((f) => readGolden(folder, f)).sort((a, b) => a.dims[1] - b.dims[1] || a.name.localeCompare(b.name))[0];

function registerBlock({ folder, create, layouts }: BlockEntry): void {
  for (const layout of layouts) registerLayout(folder, create, layout);
}

function registerLayout(folder: string, create: BlockEntry["create"], layout: "nchw" | "nhwc"): void {
  const tag = layout === "nhwc" ? " (NHWC)" : "";
  test(`${folder}${tag}: every golden's call, split at any item, gives the bytes of the whole call`, async (t) => {
    const cases = goldenCases(folder);
    t.true(cases.length > 0);
    for (const file of cases) {
      const nchw = readGolden(folder, file);
      const g = layout === "nhwc" ? goldenAsNhwc(nchw) : nchw;
      if (g.dims[0] !== 1) continue; // a batch golden's second image is its own
      const block = await create(g.options as never, g.weights);
      const { inputs, dims } = twoImages(g);
      const y = splitsOf(t, block, inputs, dims, `${folder}/${file}`);
      const { worstRatio, at } = compareToGolden(g, y.subarray(0, g.outDims.reduce((a, b) => a * b, 1)));
      t.true(worstRatio <= 1, `${folder}/${file}: the first image's element ${at} is ${y[at]}, not PyTorch's`);
      block.dispose();
    }
  });

  // 67·65 = 4355 pixels: two sSE/scSE pixel tiles (at most 4096), five 1024-pixel channel-statistics
  // tiles, 17 bands of 4 output rows, five 1024-pixel rows of a pointwise convolution
  test(`${folder}${tag}: on [3, C, 67, 65], split at any item, gives the bytes of the whole call`, async (t) => {
    const g = fewestChannels(folder);
    const block = await create({ ...g.options, layout } as never, g.weights);
    const dims = dimsOf({ n: 3, c: shapeOf(g.dims, "nchw").c, h: 67, w: 65 }, block.layout);
    const length = dims.reduce((a, b) => a * b, 1);
    const inputs = [goldenInput(5, length), ...(g.residual ? [goldenInput(6, length)] : [])];
    splitsOf(t, block, inputs, dims, `${folder} ${JSON.stringify(g.options)} on [${dims.join(", ")}]`);
    block.dispose();
  });
}

for (const entry of blocks) registerBlock(entry);
