// The best time of each stage of SK, split attention and GSoP over a few rounds, stage by stage
// (the stage's code, as the block's _plan lists it, then its time in ms), on [1, 64, 56, 56] and
// [1, 256, 28, 28]: where a block's time goes. It drives the block's call record directly.
//
//   npm run build && npx tsx scripts/time-stages.ts [rounds]

import type { Block, BlockFactory } from "../dist/index.js";
import { createGSoP, createSK, createSplitAttention } from "../dist/index.js";
import { CALL_EXTENTS, CALL_KINDS, CALL_STAGES } from "../dist/constants.js";
import { deterministicWeights } from "./deterministic-weights.js";

const rounds = Number(process.argv[2] ?? 15);

/** The parts of a block's call record (bindings/call.ts) this script reads. */
interface CallInternals {
  ptr: number;
  params: number;
  heap: { i32: Int32Array };
  entry: { run: (params: number, call: number, stage: number, begin: number, end: number) => void };
}

const cases: Array<[string, BlockFactory<never, Block>, Record<string, unknown>]> = [
  ["SK", createSK as never, {}], ["SplitAttention", createSplitAttention as never, {}],
  ["GSoP", createGSoP as never, {}], ["GSoP stride 2", createGSoP as never, { stride: 2 }],
];

for (const dims of [[1, 64, 56, 56], [1, 256, 28, 28]] as Array<[number, number, number, number]>) {
  for (const [name, create, extra] of cases) {
    const options = { ...(name === "GSoP" || name === "GSoP stride 2" ? { channels: dims[1] } : { inChannels: dims[1] }), ...extra };
    const lengths = create.weightSpecs(options as never).map(({ key, shape }) => [key, shape.reduce((p, q) => p * q, 1)] as const);
    const block = await create(options as never, deterministicWeights(lengths));
    const io = block.io([...dims]);
    io.input.set(new Float32Array(dims.reduce((a, b) => a * b, 1)).map((_, i) => Math.sin(i)));
    io.run();
    const call = (block as unknown as { call: CallInternals }).call, at = call.ptr >>> 2;
    const stages = call.heap.i32[at + CALL_STAGES];
    const best = new Array<number>(stages).fill(Infinity);
    for (let r = 0; r < rounds; r++) {
      for (let s = 0; s < stages; s++) {
        const items = call.heap.i32[at + CALL_EXTENTS + s];
        const t0 = performance.now();
        if (items > 0) call.entry.run(call.params, call.ptr, s, 0, items);
        best[s] = Math.min(best[s], performance.now() - t0);
      }
    }
    const list = best.map((t, s) => `${call.heap.i32[at + CALL_KINDS + s]}: ${t.toFixed(3)}`).join("  ");
    console.log(`${name.padEnd(15)} [${dims.join(", ")}]  ${list}   total ${best.reduce((a, b) => a + b, 0).toFixed(3)}`);
    block.dispose();
  }
}
