// Seeded random weights for the fuzz suite, drawn as tests/golden/gen.py draws the goldens' (so
// that gates and activations see pre-activations of order 1): conv and linear weights
// N(0, 1/fan_in), biases and raw parameters N(0, 1), batch norm (and LayerNorm / GroupNorm)
// weight and running_var U(0.5, 1.5), its bias and running_mean N(0, 0.2²).

import type { WeightSpec } from "../../dist/index.js";

/** mulberry32: a u32 stream from a seed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t = (t + Math.imul(t ^ (t >>> 7), t | 61)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

export class Random {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
  /** A standard normal (Box–Muller). */
  normal(): number {
    return Math.sqrt(-2 * Math.log(1 - this.next())) * Math.cos(2 * Math.PI * this.next());
  }
  floats(n: number, f: () => number): Float32Array {
    return Float32Array.from({ length: n }, f);
  }
}

/** Weights for `specs` (a block's weightSpecs) from `seed`. */
export function randomWeights(specs: readonly WeightSpec[], seed: number): Record<string, Float32Array> {
  const rnd = new Random(seed);
  const keys = new Set(specs.map((s) => s.key));
  const out: Record<string, Float32Array> = {};
  for (const { key, shape } of specs) {
    const n = shape.reduce((a, b) => a * b, 1);
    const prefix = key.slice(0, key.lastIndexOf(".") + 1), leaf = key.slice(prefix.length);
    // a norm layer's affine: a BatchNorm's (it has running stats), shuffle attention's GroupNorm `gn.`, GC's LayerNorms `*_conv.1.`
    const norm = keys.has(`${prefix}running_mean`) || /(^|\.)gn\.$/.test(prefix) || /_conv\.1\.$/.test(prefix);
    if (leaf === "running_var" || (norm && leaf === "weight")) out[key] = rnd.floats(n, () => rnd.uniform(0.5, 1.5));
    else if (leaf === "running_mean" || (norm && leaf === "bias")) out[key] = rnd.floats(n, () => 0.2 * rnd.normal());
    else if (shape.length >= 2 && leaf === "weight") {
      const fanIn = shape.slice(1).reduce((a, b) => a * b, 1);
      out[key] = rnd.floats(n, () => rnd.normal() / Math.sqrt(fanIn));
    } else out[key] = rnd.floats(n, () => rnd.normal());
  }
  return out;
}

/** An input of n floats in [−2, 2) from `seed`. */
export function randomInput(n: number, seed: number): Float32Array {
  const rnd = new Random(seed);
  return rnd.floats(n, () => rnd.uniform(-2, 2));
}
