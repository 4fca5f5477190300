// Time per call of SK, split attention and GSoP (zero-copy io.run() and copying run()) beside a
// plain TypedArray.set of the input tensor, on [1, 64, 56, 56] and [1, 256, 28, 28]: the best
// and the median over rounds that alternate between the blocks. Weights are deterministic values
// for the keys each block's weightSpecs lists.
//
//   npm run build && npx tsx scripts/time-conv-blocks.ts [rounds]

import { type Block, type BlockFactory, createGSoP, createSK, createSplitAttention } from "../dist/index.js";
import { deterministicWeights } from "./deterministic-weights.js";

const rounds = Number(process.argv[2] ?? 15);

const weightsFor = (create: BlockFactory<never, Block>, options: Record<string, unknown>) =>
  deterministicWeights(create.weightSpecs(options as never).map(({ key, shape }) => [key, shape.reduce((p, q) => p * q, 1)] as const));

const median = (a: number[]) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];

for (const dims of [[1, 64, 56, 56], [1, 256, 28, 28]] as Array<[number, number, number, number]>) {
  const c = dims[1];
  const cases: Array<[string, BlockFactory<never, Block>, Record<string, unknown>]> = [
    ["SK (groups 32, dil 1, 2)", createSK as never, { inChannels: c }],
    ["split attention (R 2, G 1)", createSplitAttention as never, { inChannels: c }],
    ["GSoP (d 128)", createGSoP as never, { channels: c }],
    ["GSoP (d 128, stride 2)", createGSoP as never, { channels: c, stride: 2 }],
  ];
  const blocks = await Promise.all(cases.map(([, create, o]) => create(o as never, weightsFor(create, o))));
  const x = new Float32Array(dims.reduce((a, b) => a * b, 1)).map((_, i) => Math.sin(i));
  for (const b of blocks) b.run(x, dims); // the copying path's staging first: memory does not grow under the ios' views
  const ios = blocks.map((b) => b.io([...dims]));
  for (const io of ios) io.input.set(x);
  const copy = new Float32Array(x.length);
  const timed: Array<[string, () => void]> = [["TypedArray.set of x", () => copy.set(x)]];
  cases.forEach(([name], j) => {
    timed.push([`${name} io.run()`, () => ios[j].run()]);
    timed.push([`${name} run()`, () => blocks[j].run(x, dims)]);
  });
  const times = timed.map(() => [] as number[]);
  for (let round = -2; round < rounds; round++) {
    timed.forEach(([, f], j) => {
      const calls = j === 0 ? 50 : 1;
      const t0 = performance.now();
      for (let k = 0; k < calls; k++) f();
      if (round >= 0) times[j].push((performance.now() - t0) / calls);
    });
  }
  console.log(`[${dims.join(", ")}] (best / median of ${rounds} rounds, ms):`);
  timed.forEach(([name], j) => console.log(`  ${name.padEnd(40)} ${Math.min(...times[j]).toFixed(3).padStart(8)} ${median(times[j]).toFixed(3).padStart(8)}`));
  for (const b of blocks) b.dispose();
}
