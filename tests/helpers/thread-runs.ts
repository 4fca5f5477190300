// The outputs of a list of goldens at 1, 2 and 3 threads, every stage split over the threads
// (minFloats 0). The thread count changes three times per list, not per golden: each change stops
// or starts the pool of workers, which costs far more than a small golden's run.

import { setThreads } from "../../dist/index.js";
import { type Golden, runGolden } from "./golden.js";

export const THREAD_COUNTS = [1, 2, 3] as const;

export interface ThreadCase {
  readonly g: Golden;
  readonly create: (options: never, weights: Golden["weights"]) => Promise<{ dispose(): void }>;
}

/** outputs[k][i]: case i's output at THREAD_COUNTS[k] threads (a block created and disposed per run). */
export async function outputsAtThreadCounts(cases: readonly ThreadCase[]): Promise<Float32Array[][]> {
  const outputs: Float32Array[][] = [];
  for (const n of THREAD_COUNTS) {
    await setThreads(n, { minFloats: 0 });
    const ys: Float32Array[] = [];
    for (const { g, create } of cases) {
      const block = await create(g.options as never, g.weights);
      ys.push(runGolden(block as never, g));
      block.dispose();
    }
    outputs.push(ys);
  }
  return outputs;
}

/** The first element where `y` differs bit for bit from `y0`, or −1. */
export function firstBitDifference(y0: Float32Array, y: Float32Array): number {
  const a = new Uint32Array(y0.buffer, y0.byteOffset, y0.length), b = new Uint32Array(y.buffer, y.byteOffset, y.length);
  if (a.length !== b.length) return 0;
  return b.findIndex((v, k) => v !== a[k]);
}
