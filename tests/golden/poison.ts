// The `poison` of a golden (tests/golden/README.md, gen.py's poison_cases): NaN, ±Inf and ±3e38
// written at chosen flat indices of the inputs, which are not stored but made from their seeds.

/** The values by the names the metadata uses (gen.py's POISON_VALUES). */
const POISON_VALUES: Readonly<Record<string, number>> = { nan: NaN, inf: Infinity, "-inf": -Infinity, "3e38": 3e38, "-3e38": -3e38 };

/**
 * `x` with the poison of `target` ("x" or "residual") written in, from the metadata's `poison`
 * (JSON `{target: [[flat index, value name], ...]}`, or undefined for a golden without one).
 */
export function applyPoison(x: Float32Array, poisonJson: string | undefined, target: "x" | "residual"): Float32Array {
  if (poisonJson === undefined) return x;
  const entries: [number, string][] = JSON.parse(poisonJson)[target] ?? [];
  for (const [i, v] of entries) {
    if (!(v in POISON_VALUES) || !Number.isInteger(i) || i < 0 || i >= x.length) throw new RangeError(`golden poison ${target}[${i}] = ${v}: not a poison value, or outside the ${x.length} elements`);
    x[i] = POISON_VALUES[v];
  }
  return x;
}
