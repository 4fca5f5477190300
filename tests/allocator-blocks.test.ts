// Issue 14's reproduction through the public API: a run on 151M floats, dispose, then a run of
// 157.5M floats on another block must not overwrite a third block's weights. Its own process:
// it stages ~1.2 GB in the module and holds ~1.2 GB of JS arrays.

import test from "ava";
import { createSE } from "../dist/index.js";
import { values } from "./helpers/wasm.js";

const C = 16, R = 4;
const weights = (seed: number) => ({
  "fc1.weight": values(R * C, seed), "fc1.bias": values(R, seed + 1),
  "fc2.weight": values(C * R, seed + 2), "fc2.bias": values(C, seed + 3),
});

/** Bitwise equality by memcmp (ava's deepEqual takes ~30 s on 16M floats). */
const sameBits = (a: Float32Array, b: Float32Array): boolean =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

test.serial("a larger run after a dispose leaves a third block's weights intact", async (t) => {
  const third = await createSE({ channels: C, reduction: 4 }, weights(30));
  const small = values(C * 64, 7), smallDims = [1, C, 8, 8];
  const expected = third.run(small, smallDims);

  const first = await createSE({ channels: C, reduction: 4 }, weights(10));
  let big = new Float32Array(151_000_000).fill(0.5); // [1, 16, 2500, 3775]
  first.run(big, [1, C, 2500, 3775], big); // stages 604 MB in the module, kept until dispose
  const second = await createSE({ channels: C, reduction: 4 }, weights(20));
  const third2 = await createSE({ channels: C, reduction: 4 }, weights(30)); // weights placed after the staging
  const expected2 = third2.run(small, smallDims);
  const io = third2.io([1, C, 1024, 1024]); // 64 MiB more: the module's memory now reaches past the staging
  io.input.fill(1);
  const ioExpected = io.run().slice();
  first.dispose();
  big = new Float32Array(0);

  let larger = new Float32Array(157_500_000).fill(0.25); // [1, 16, 3125, 3150]: 630 MB staged
  const out = second.run(larger, [1, C, 3125, 3150], larger);
  t.is(out[3125 * 3150 - 1], out[0], "the larger run computed (a constant input gives a constant channel)");
  larger = new Float32Array(0);

  t.deepEqual(third.run(small, smallDims), expected, "the block created before is unchanged");
  t.deepEqual(third2.run(small, smallDims), expected2, "the block created after the first run is unchanged");
  t.deepEqual(expected2, expected);
  io.input.fill(1);
  t.true(sameBits(io.run(), ioExpected), "its io buffers still compute the same");
  for (const b of [second, third, third2]) b.dispose();
});

test.serial("the largest tensor a block accepts (2^28 floats, 1 GiB) has room for its input and output", async (t) => {
  const block = await createSE({ channels: C, reduction: 4 }, weights(40));
  const io = block.io([1, C, 16384, 1024]); // 2 × 1 GiB: above TLSF's largest block, which refused it
  io.input.fill(2);
  const y = io.run();
  t.is(y.length, 2 ** 28);
  t.is(y[16384 * 1024 - 1], y[0], "channel 0 is constant");
  t.is(y[2 ** 28 - 1], y[2 ** 28 - 16384 * 1024], "so is the last channel");
  block.dispose();
});
