// The long fuzz run (`npm run fuzz -- [runs per block] [seed] [folder ...]`): the property of
// tests/fuzz/property.ts over `runs` random cases of every registry block (or the folders named),
// every case run to the end (a mismatch is counted and printed, not shrunk), then a summary:
// cases, mismatches, the largest input and output reached per block, and the seed that replays it
// all. A mismatching case prints as JSON; `npm run fuzz -- replay <folder> '<json>'` runs it alone.

import fc from "fast-check";
import { blockEntry, blocks, type BlockEntry } from "../dist/index.js";
import { blockSeed, checkCase, describeCase, type FuzzCase, fuzzable, fuzzCases } from "../tests/fuzz/property.js";

const numel = (d: readonly number[]) => d.reduce((a, b) => a * b, 1);

async function replay(folder: string, json: string): Promise<void> {
  const c: FuzzCase = JSON.parse(json);
  const problems = await checkCase(blockEntry(folder), c);
  console.log(problems.length ? `${folder} ${describeCase(c)}:\n  ${problems.join("\n  ")}` : `${folder} ${describeCase(c)}: ok`);
  process.exitCode = problems.length ? 1 : 0;
}

interface Tally { cases: number; mismatches: number; largestIn: number; largestDims: readonly number[]; seconds: number }

async function fuzz(entry: BlockEntry, runs: number, seed: number): Promise<Tally> {
  const tally: Tally = { cases: 0, mismatches: 0, largestIn: 0, largestDims: [], seconds: 0 };
  const start = performance.now();
  await fc.assert(fc.asyncProperty(fuzzCases(entry), async (c) => {
    tally.cases++;
    if (numel(c.draw.dims) > tally.largestIn) { tally.largestIn = numel(c.draw.dims); tally.largestDims = c.draw.dims; }
    let problems: string[];
    try {
      problems = await checkCase(entry, c);
    } catch (err) {
      problems = [`threw ${(err as Error).stack ?? err}`];
    }
    if (problems.length) {
      tally.mismatches++;
      console.log(`MISMATCH ${entry.folder} ${describeCase(c)}\n  ${problems.join("\n  ")}\n  replay: npm run fuzz -- replay ${entry.folder} '${JSON.stringify(c)}'`);
    }
    return true;
  }), { numRuns: runs, seed: blockSeed(seed, entry.folder) });
  tally.seconds = (performance.now() - start) / 1000;
  return tally;
}

async function main(args: string[]): Promise<void> {
  if (args[0] === "replay") return replay(args[1], args[2]);
  const runs = args[0] === undefined ? 1000 : Number(args[0]);
  const seed = args[1] === undefined ? (Date.now() ^ (Math.random() * 0x7fffffff)) | 0 : Number(args[1]);
  if (!Number.isSafeInteger(runs) || runs < 1 || !Number.isSafeInteger(seed)) throw new RangeError(`usage: npm run fuzz -- [runs per block ≥ 1] [seed, an integer] [folder ...], got ${args.join(" ")}`);
  const chosen = args.length > 2 ? args.slice(2).map(blockEntry) : blocks.filter(fuzzable);
  console.log(`fuzz: ${runs} cases per block, seed ${seed}, blocks ${chosen.map((b) => b.folder).join(", ")}`);
  let cases = 0, mismatches = 0;
  for (const entry of chosen) {
    if (!fuzzable(entry)) throw new Error(`${entry.folder}: no reference or arbitrary in tests/fuzz`);
    const t = await fuzz(entry, runs, seed);
    cases += t.cases;
    mismatches += t.mismatches;
    console.log(`${entry.folder.padEnd(16)} ${t.cases} cases, ${t.mismatches} mismatches, largest input [${t.largestDims}] (${t.largestIn} floats), ${t.seconds.toFixed(1)} s`);
  }
  console.log(`fuzz: ${cases} cases, ${mismatches} mismatches (seed ${seed}: npm run fuzz -- ${runs} ${seed} replays them)`);
  process.exitCode = mismatches ? 1 : 0;
}

await main(process.argv.slice(2));
