// The items of every stage are independent (assembly/call.ts): every block of the registry, on its
// smallest and largest golden, run with each stage split at random item boundaries and the pieces
// run last to first over a scratch and an output poisoned with NaN, gives the same bytes as the
// whole stages. An item that read what another item of its stage writes, or wrote past its own
// part of an output, would differ.

import test from "ava";
import { blocks } from "../dist/index.js";
import { CALL_EXTENTS, CALL_SCRATCH, CALL_SCRATCH_BYTES } from "../dist/constants.js";
import { goldenCases, readGolden } from "./helpers/golden.js";

/** What a block keeps private, as this test reaches it. */
interface Internals {
  readonly heap: { readonly i32: Int32Array; readonly f32: Float32Array; readonly f64: Float64Array };
  readonly params: { readonly ptr: number };
  readonly call: { readonly ptr: number; readonly entry: { run: (params: number, call: number, stage: number, begin: number, end: number) => void } };
}

/** Cuts [0, items) at up to `pieces` − 1 random places (a small LCG): the pieces, in order. */
function cut(items: number, pieces: number, seed: number): Array<[number, number]> {
  const at = new Set<number>();
  let s = seed >>> 0;
  for (let i = 1; i < pieces; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    at.add(1 + (s % Math.max(1, items - 1)));
  }
  const bounds = [0, ...[...at].filter((b) => b < items).sort((a, b) => a - b), items];
  return bounds.slice(1).map((b, i) => [bounds[i], b] as [number, number]).filter(([a, b]) => b > a);
}

for (const { folder, create } of blocks) {
  const sizes = goldenCases(folder).map((f) => readGolden(folder, f)).sort((a, b) => a.x.length - b.x.length);
  for (const g of new Set([sizes[0], sizes[sizes.length - 1]])) {
    test(`${folder}/${g.name}: every stage split at random item boundaries gives the same bytes`, async (t) => {
      const block = await create(g.options as never, g.weights);
      const io = block.io(g.dims);
      io.input.set(g.x);
      if (g.residual) io.residual.set(g.residual);
      const whole = io.run().slice();
      const { heap, params, call } = block as never as Internals;
      const stages = (io as never as { replan: () => number }).replan();
      const at = call.ptr >>> 2, scratch = heap.i32[at + CALL_SCRATCH], bytes = heap.f64[(call.ptr >>> 3) + CALL_SCRATCH_BYTES / 2];
      for (let seed = 1; seed <= 3; seed++) {
        heap.f32.fill(NaN, scratch >>> 2, (scratch + bytes) >>> 2);
        io.output.fill(NaN);
        for (let s = 0; s < stages; s++) {
          const items = heap.i32[at + CALL_EXTENTS + s];
          for (const [begin, end] of cut(items, 2 + seed * 3, seed * 7919 + s).reverse()) call.entry.run(params.ptr, call.ptr, s, begin, end);
        }
        const got = new Uint32Array(io.output.slice().buffer), want = new Uint32Array(whole.buffer);
        const differs = want.findIndex((bits, i) => bits !== got[i]);
        t.is(differs, -1, `seed ${seed}: element ${differs} is ${io.output[differs]}, whole stages give ${whole[differs]}`);
      }
      block.dispose();
    });
  }
}
