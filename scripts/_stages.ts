import { createGSoP, createSK, createSplitAttention } from "../dist/index.js";
import { CALL_EXTENTS, CALL_KINDS } from "../dist/constants.js";
import { deterministicWeights } from "./deterministic-weights.js";
const w = (f: any, o: any) => deterministicWeights(f.weightSpecs(o).map(({ key, shape }: any) => [key, shape.reduce((p: number, q: number) => p * q, 1)] as const));
for (const [name, f, o, dims] of [
  ["SK64", createSK, { inChannels: 64 }, [1, 64, 56, 56]], ["GSoP64", createGSoP, { channels: 64 }, [1, 64, 56, 56]], ["GSoP64s2", createGSoP, { channels: 64, stride: 2 }, [1, 64, 56, 56]],
  ["GSoP256", createGSoP, { channels: 256 }, [1, 256, 28, 28]], ["SK256", createSK, { inChannels: 256 }, [1, 256, 28, 28]],
] as any[]) {
  const b: any = await f(o, w(f, o));
  const io = b.io(dims);
  io.input.set(new Float32Array(dims.reduce((a: number, c: number) => a * c, 1)).map((_, i) => Math.sin(i)));
  io.run();
  const call = b.call, heap = call.heap, at = call.ptr >>> 2;
  const stages = heap.i32[at + 8];
  const best: number[] = Array(stages).fill(Infinity);
  for (let r = 0; r < 15; r++) {
    for (let s = 0; s < stages; s++) {
      const items = heap.i32[at + CALL_EXTENTS + s];
      const t0 = performance.now();
      if (items > 0) call.entry.run(call.params, call.ptr, s, 0, items);
      best[s] = Math.min(best[s], performance.now() - t0);
    }
  }
  console.log(name, best.map((t, s) => `${heap.i32[at + CALL_KINDS + s]}:${t.toFixed(3)}`).join(" "), "sum", best.reduce((a, c) => a + c, 0).toFixed(3));
}
