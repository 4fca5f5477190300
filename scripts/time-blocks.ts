// Time per call of CBAM and BAM (and, for scale, SE and the residual blocks) on [1, 64, 56, 56]
// and [1, 256, 28, 28], measured side by side in one process: rounds alternate between the
// blocks, and each block's median over the rounds is reported, with its ratio to SE's.
//
//   npm run build && npx tsx scripts/time-blocks.ts [rounds]

import { type Block, createBAM, createCBAM, createCBAMBasicBlock, createSE, createSEResBlock } from "../dist/index.js";
import { deterministicWeights } from "./deterministic-weights.js";

const rounds = Number(process.argv[2] ?? 30);

/** Deterministic weights for every key the block asks for. */
const weightsFor = (specs: Record<string, number>): Record<string, Float32Array> => deterministicWeights(Object.entries(specs));

const bn = (prefix: string, c: number) => ({ [`${prefix}weight`]: c, [`${prefix}bias`]: c, [`${prefix}running_mean`]: c, [`${prefix}running_var`]: c });

async function blocks(c: number): Promise<Array<[string, Block]>> {
  const r = Math.max(1, Math.floor(c / 16));
  const se = { "fc1.weight": r * c, "fc1.bias": r, "fc2.weight": c * r, "fc2.bias": c };
  const cbam = {
    "channel.fc1.weight": r * c, "channel.fc1.bias": r, "channel.fc2.weight": c * r, "channel.fc2.bias": c,
    "spatial.conv.weight": 2 * 49, ...bn("spatial.bn.", 1),
  };
  const bam = {
    "channel.fc1.weight": r * c, "channel.fc1.bias": r, ...bn("channel.bn.", r), "channel.fc2.weight": c * r, "channel.fc2.bias": c,
    "spatial.reduce.weight": r * c, "spatial.reduce.bias": r, ...bn("spatial.reduce_bn.", r),
    "spatial.dilated.0.weight": r * r * 9, "spatial.dilated.0.bias": r, ...bn("spatial.dilated_bn.0.", r),
    "spatial.dilated.1.weight": r * r * 9, "spatial.dilated.1.bias": r, ...bn("spatial.dilated_bn.1.", r),
    "spatial.final.weight": r, "spatial.final.bias": 1,
  };
  const res = { ...bn("bn1.", c), "conv1.weight": c * c * 9, ...bn("bn2.", c), "conv2.weight": c * c * 9, ...Object.fromEntries(Object.entries(se).map(([k, v]) => [`se.${k}`, v])) };
  const basic = { "conv1.weight": c * c * 9, ...bn("bn1.", c), "conv2.weight": c * c * 9, ...bn("bn2.", c), ...Object.fromEntries(Object.entries(cbam).map(([k, v]) => [`cbam.${k}`, v])) };
  return [
    ["SE", await createSE({ channels: c }, weightsFor(se))],
    ["CBAM", await createCBAM({ channels: c }, weightsFor(cbam))],
    ["BAM", await createBAM({ channels: c }, weightsFor(bam))],
    ["SEResBlock", await createSEResBlock({ channels: c }, weightsFor(res))],
    ["CBAMBasicBlock", await createCBAMBasicBlock({ channels: c }, weightsFor(basic))],
  ];
}

const median = (a: number[]) => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];

for (const dims of [[1, 64, 56, 56], [1, 256, 28, 28]] as Array<[number, number, number, number]>) {
  const list = await blocks(dims[1]);
  const ios = list.map(([, b]) => b.io([...dims]));
  const x = new Float32Array(dims.reduce((a, b) => a * b, 1)).map((_, i) => Math.sin(i));
  for (const io of ios) io.input.set(x);
  const times = list.map(() => [] as number[]);
  for (let round = -3; round < rounds; round++) {
    ios.forEach((io, j) => {
      // enough calls per sample to last about a millisecond
      const calls = j < 3 ? 10 : 1;
      const t0 = performance.now();
      for (let k = 0; k < calls; k++) io.run();
      if (round >= 0) times[j].push((performance.now() - t0) / calls);
    });
  }
  const se = median(times[0]);
  console.log(`[${dims.join(", ")}], median of ${rounds} rounds (zero-copy io.run()):`);
  list.forEach(([name], j) => console.log(`  ${name.padEnd(15)} ${median(times[j]).toFixed(3).padStart(8)} ms/call   ${(median(times[j]) / se).toFixed(2)}× SE`));
  for (const [, b] of list) b.dispose();
}
