// Timing one engine for one slice of a round, and telling whether another job had the CPU
// meanwhile. Used in the benchmark's process and in the child process that runs onnxruntime-web
// on two threads (engines/ort-web-child.ts).

import { readFileSync } from "node:fs";

export interface SliceOptions {
  /** Untimed runs first (the engines take turns: an engine's weights may have left the cache). */
  readonly warmups: number;
  /** At least this many timed runs… */
  readonly iterations: number;
  /** …and at least this many milliseconds of them. */
  readonly budgetMs: number;
}

/** Runs over this long are timed once per slice, after one warm-up run. */
export const SLOW_MS = 100;

/** The slice for an engine whose one run takes `oneRunMs`, with `budgetMs` of timed runs. */
export function sliceFor(oneRunMs: number, budgetMs: number): SliceOptions {
  return oneRunMs > SLOW_MS ? { warmups: 1, iterations: 1, budgetMs: 0 } : { warmups: 2, iterations: 3, budgetMs };
}

/** The latency of each timed run of `run` (ms). */
export async function slice(run: () => unknown, o: SliceOptions): Promise<number[]> {
  const once = async () => {
    const r = run();
    if (r instanceof Promise) await r;
  };
  for (let i = 0; i < o.warmups; i++) await once();
  const samples: number[] = [];
  const start = performance.now();
  while (samples.length < o.iterations || performance.now() - start < o.budgetMs) {
    const t0 = performance.now();
    await once();
    samples.push(performance.now() - t0);
  }
  return samples;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b), m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** CPU time, in clock ticks, of the machine (busy, all cores) and of the given processes. */
interface Ticks {
  readonly busy: number;
  readonly total: number;
  readonly own: number;
}

function ticks(pids: readonly (number | "self")[]): Ticks | undefined {
  try {
    // /proc/stat's first line: cpu user nice system idle iowait irq softirq steal …
    const cpu = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0), idle = cpu[3] + cpu[4];
    let own = 0;
    for (const pid of pids) {
      // /proc/<pid>/stat: fields 14 and 15 (utime, stime), counted after the ")" that ends the name
      const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
      own += Number(f[11]) + Number(f[12]);
    }
    return { busy: total - idle, total, own };
  } catch {
    return undefined;
  }
}

/**
 * Measures how much of the machine's CPU other jobs took during a slice: start it before the
 * slice and call the function it returns after. The share is (busy ticks − this process's and
 * `children`'s ticks) ÷ all ticks of all cores; undefined where /proc is not readable.
 */
export function othersShare(children: readonly number[] = []): () => number | undefined {
  const pids: (number | "self")[] = ["self", ...children];
  const before = ticks(pids);
  return () => {
    const after = ticks(pids);
    if (!before || !after || after.total === before.total) return undefined;
    const others = after.busy - before.busy - (after.own - before.own);
    return Math.max(0, others) / (after.total - before.total);
  };
}
