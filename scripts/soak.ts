// The soak run (`npm run soak -- [runs] [cycles] [folder ...]`, default 100,000 and 10,000): per
// registry block, with the options and weights of its smallest PyTorch golden, `runs` run() calls
// of one block over four shapes (the golden's C, H, W with other N and sizes; an io made, run and
// disposed every 100th), then, that block disposed, `cycles` create → run → io → dispose cycles.
// Over each phase the module's memory size must stay the same, and so must where the used heap
// ends and where a 64-byte probe allocation lands (a leak would move the end, a fragmenting free
// list the probe: assembly/memory.ts takes the best fitting free block, else extends the top).
// Every output is compared bit for bit with the block's first output for its shape.

import { type Block, type BlockBase, type BlockEntry, blockEntry, blocks, type FusionBlock, loadModule } from "../dist/index.js";
import { randomInput } from "../tests/fuzz/random.js";
import { goldenCases, readGolden } from "../tests/helpers/golden.js";

const wasm = await loadModule();

interface MemoryState { bytes: number; top: number; probe64: number }

// A probe larger than the memory the blocks use lands at the start of the free space at the end
// of memory, after every block in use (tests/memory.test.ts): where the heap's used part ends.
const PROBE_BYTES = 8 << 20;

/** The module's memory size, where the used heap ends, and where a 64-byte allocation lands (a hole it fits first). */
function memoryState(): MemoryState {
  const small = wasm.alloc(64), top = wasm.alloc(PROBE_BYTES);
  wasm.free(top);
  wasm.free(small);
  return { bytes: wasm.memory.buffer.byteLength, top, probe64: small };
}

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** The block's smallest golden (fewest input floats; the poison_* ones aside): valid options, weights and dims. */
function smallestGolden(folder: string) {
  const all = goldenCases(folder).filter((f) => !f.startsWith("poison_")).map((f) => readGolden(folder, f));
  return all.sort((a, b) => a.x.length - b.x.length || a.name.localeCompare(b.name))[0];
}

async function soak(entry: BlockEntry, runs: number, cycles: number) {
  const { options, weights, dims: [, c, h, w], name } = smallestGolden(entry.folder);
  const shapes = [[1, c, h, w], [3, c, h, w], [2, c, h + 2, w + 3], [1, c, h + 15, w + 22]];
  const inputs = shapes.map((d, i) => randomInput(d.reduce((p, q) => p * q, 1), 100 + i));
  const runOnce = (b: BlockBase, i: number) => (entry.create.inputs === 2 ? (b as FusionBlock).run(inputs[i], inputs[i], shapes[i]) : (b as Block).run(inputs[i], shapes[i]));
  const ioOnce = (b: BlockBase, i: number) => {
    const io = b.io(shapes[i]);
    io.input.set(inputs[i]);
    if (entry.create.inputs === 2) io.residual.set(inputs[i]);
    const y = io.run().slice();
    io.dispose();
    return y;
  };

  // warm-up: every shape through run and io, so that the staging and call scratch have their sizes
  const block = await entry.create(options as never, weights);
  const expected = shapes.map((_, i) => bits(runOnce(block, i)));
  shapes.forEach((_, i) => ioOnce(block, i));
  const before = memoryState();
  const start = performance.now();
  let wrong = 0;
  for (let r = 0; r < runs; r++) {
    const i = r % shapes.length;
    const y = r % 100 === 99 ? ioOnce(block, i) : runOnce(block, i);
    if (!bits(y).equals(expected[i])) wrong++;
  }
  const afterRuns = memoryState();
  const runSeconds = (performance.now() - start) / 1000;
  block.dispose();
  const beforeCycles = memoryState();
  const cyclesStart = performance.now();
  for (let k = 0; k < cycles; k++) {
    const b = await entry.create(options as never, weights);
    const i = k % shapes.length;
    if (!bits(runOnce(b, i)).equals(expected[i]) || !bits(ioOnce(b, i)).equals(expected[i])) wrong++;
    b.dispose();
  }
  const after = memoryState();
  return { golden: name, shapes, before, afterRuns, beforeCycles, after, wrong, runSeconds, cycleSeconds: (performance.now() - cyclesStart) / 1000 };
}

const args = process.argv.slice(2);
const runs = Number(args[0] ?? 100_000), cycles = Number(args[1] ?? 10_000);
const chosen = args.length > 2 ? args.slice(2).map(blockEntry) : blocks;
const fmt = (s: MemoryState) => `memory ${s.bytes} B, heap used up to ${s.top}, 64 B probe at ${s.probe64}`;
let flat = true;
console.log(`soak: ${runs} runs and ${cycles} create/dispose cycles per block`);
for (const entry of chosen) {
  const r = await soak(entry, runs, cycles);
  const same = (a: MemoryState, b: MemoryState) => a.bytes === b.bytes && a.top === b.top && a.probe64 === b.probe64;
  const ok = same(r.before, r.afterRuns) && same(r.beforeCycles, r.after) && r.wrong === 0;
  flat &&= ok;
  console.log(`${entry.folder.padEnd(16)} ${ok ? "flat" : "NOT FLAT"} (golden ${r.golden}, shapes ${r.shapes.map((d) => `[${d}]`).join(" ")}): runs (${r.runSeconds.toFixed(1)} s) ${fmt(r.before)} → ${fmt(r.afterRuns)}; cycles (${r.cycleSeconds.toFixed(1)} s) ${fmt(r.beforeCycles)} → ${fmt(r.after)}; ${r.wrong} outputs differing from the first`);
}
console.log(`soak: ${flat ? "memory flat and every output the same for every block" : "FAILED"}`);
process.exitCode = flat ? 0 : 1;
