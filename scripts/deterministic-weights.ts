// Deterministic weights for the timing scripts: the same small LCG values for every key asked
// for, in [−0.1, 0.1), batch-norm running variances in [0.5, 1.5) (kept positive).

/** Float32Arrays of the given lengths, keyed as given, filled in order from one LCG stream. */
export function deterministicWeights(lengths: Iterable<readonly [string, number]>): Record<string, Float32Array> {
  let s = 12345;
  const out: Record<string, Float32Array> = {};
  for (const [key, length] of lengths) {
    const a = new Float32Array(length);
    for (let i = 0; i < length; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      a[i] = key.endsWith("running_var") ? 0.5 + s / 2 ** 32 : (s / 2 ** 32 - 0.5) * 0.2;
    }
    out[key] = a;
  }
  return out;
}
