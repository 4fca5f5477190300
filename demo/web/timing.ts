// Times several ways of computing the same thing side by side in one run: every sample
// times each contender in turn, so that the machine's noise falls on all of them alike, and
// each result is the median over samples of the time per call.

export interface Contender {
  readonly label: string;
  /** One call; may return a promise (onnxruntime-web's run is async). */
  run(): unknown;
}

export interface Timing {
  readonly label: string;
  /** Median milliseconds per call. */
  readonly ms: number;
  /** Calls per sample and samples taken. */
  readonly reps: number;
  readonly samples: number;
}

export interface TimingOptions {
  readonly samples?: number;
  /** Milliseconds one sample of a contender should last at least (batches short calls). */
  readonly sampleMs?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Calls `c` `n` times, awaiting only calls that are asynchronous (an await costs a microtask turn). */
async function callTimes(c: Contender, n: number): Promise<void> {
  for (let r = 0; r < n; r++) {
    const result = c.run();
    if (result instanceof Promise) await result;
  }
}

const yieldToPage = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

export async function timeSideBySide(contenders: readonly Contender[], o: TimingOptions = {}): Promise<Timing[]> {
  const samples = o.samples ?? 9, sampleMs = o.sampleMs ?? 30;
  const reps: number[] = [];
  for (const c of contenders) {
    await callTimes(c, 1); // warm-up: first-call compilation and allocation are not what is measured
    const t0 = performance.now();
    await callTimes(c, 1);
    reps.push(Math.min(10_000, Math.max(1, Math.ceil(sampleMs / Math.max(performance.now() - t0, 0.005)))));
  }
  const perCall: number[][] = contenders.map(() => []);
  for (let s = 0; s < samples; s++) {
    for (let i = 0; i < contenders.length; i++) {
      const t0 = performance.now();
      await callTimes(contenders[i], reps[i]);
      perCall[i].push((performance.now() - t0) / reps[i]);
    }
    o.onProgress?.(s + 1, samples);
    await yieldToPage();
  }
  return contenders.map((c, i) => ({ label: c.label, ms: median(perCall[i]), reps: reps[i], samples }));
}
