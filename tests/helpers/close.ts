// The one closeness check of the suite: every element of `got` within atol + rtol·scale of `want`,
// where scale is |want| (SPEC §5) or, for outputs that are small differences of large terms (a
// residual add), the terms' magnitude given per element. NaN must meet NaN and an infinity the same
// infinity: neither is ever "close" to a number.

import type { ExecutionContext } from "ava";

export interface Tolerance {
  readonly atol: number;
  readonly rtol: number;
  /** Per-element magnitude to scale rtol by, in place of |want| (e.g. Σ|terms| of a sum). */
  readonly scale?: ArrayLike<number>;
  /** Indices into `got` of the elements `want` holds (sampled goldens); default 0, 1, 2, … */
  readonly index?: ArrayLike<number>;
}

export interface Closeness {
  /** Largest |got − want| over finite pairs (Infinity when a NaN or infinity is unmatched). */
  readonly maxAbs: number;
  /** Largest |got − want| / (atol + rtol·scale): ≤ 1 is close; Infinity for an unmatched NaN or infinity. */
  readonly worstRatio: number;
  /** Index into `got` of the worst element (−1 when there are none). */
  readonly at: number;
}

/** SPEC §5's tolerance. */
export const SPEC_TOLERANCE = { atol: 1e-5, rtol: 1e-4 } as const;

export function closeness(got: ArrayLike<number>, want: ArrayLike<number>, tol: Tolerance): Closeness {
  let maxAbs = 0, worstRatio = 0, at = -1;
  for (let k = 0; k < want.length; k++) {
    const i = tol.index ? tol.index[k] : k;
    const a = got[i], e = want[k];
    let err: number, ratio: number;
    if (Number.isNaN(e) || Number.isNaN(a) || !Number.isFinite(e) || !Number.isFinite(a)) {
      // NaN = NaN and ±∞ = ±∞ exactly; anything else is unmatched
      const same = (Number.isNaN(e) && Number.isNaN(a)) || a === e;
      err = same ? 0 : Infinity;
      ratio = same ? 0 : Infinity;
    } else {
      err = Math.abs(a - e);
      // (an exact match is close under any tolerance, also a zero one: 0/0 is not)
      ratio = err === 0 ? 0 : err / (tol.atol + tol.rtol * (tol.scale ? tol.scale[k] : Math.abs(e)));
    }
    if (err > maxAbs) maxAbs = err;
    if (at < 0 || ratio > worstRatio) { worstRatio = ratio; at = i; }
  }
  return { maxAbs, worstRatio, at };
}

/** Asserts closeness(got, want, tol).worstRatio ≤ 1 (and that the lengths agree when unsampled); returns the closeness. */
export function assertClose(t: ExecutionContext, got: ArrayLike<number>, want: ArrayLike<number>, tol: Tolerance, what: string): Closeness {
  if (!tol.index) t.is(got.length, want.length, `${what}: length`);
  const c = closeness(got, want, tol);
  const k = tol.index ? Array.prototype.indexOf.call(tol.index, c.at) : c.at;
  t.true(c.worstRatio <= 1, `${what}: element ${c.at} is ${got[c.at]}, expected ${want[k]} (${c.worstRatio === Infinity ? "NaN or ∞ unmatched" : `${(c.worstRatio * 100).toFixed(0)}% of the tolerance`})`);
  return c;
}
