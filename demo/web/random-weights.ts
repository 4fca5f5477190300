// Seeded random weights under each block's canonical keys (SPEC §2), initialised as the
// benchmark's export script does: W ~ N(0, 1/fan_in), biases N(0, 1), batch norm weight and
// running_var U(0.5, 1.5), bias and running_mean N(0, 0.2²). No trained model ships offline,
// so the demo shows what such weights do; the timing panel uses the benchmark's exported
// weights instead whenever they exist (the same ones onnxruntime-web runs).

export type Weights = Record<string, Float32Array>;
type Options = Record<string, unknown>;

/** mulberry32 (the goldens' generator) for uniforms, Box–Muller for normals. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(this.state ^ (this.state >>> 15), this.state | 1);
    t = (t + Math.imul(t ^ (t >>> 7), t | 61)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  }

  normal(): number {
    return Math.sqrt(-2 * Math.log(1 - this.uniform())) * Math.cos(2 * Math.PI * this.uniform());
  }

  /** `length` values from `draw`. */
  fill(length: number, draw: () => number): Float32Array {
    return Float32Array.from({ length }, draw);
  }
}

/** The blocks this module can make weights for. */
export const RANDOM_WEIGHT_BLOCKS = ["se", "cse", "sse", "scse", "cbam", "bam"] as const;

const reduced = (c: number, o: Options): number => (o.reducedChannels as number | undefined) ?? Math.max(1, Math.floor(c / ((o.reduction as number | undefined) ?? 16)));

/** Random weights for `block` (an id of bench/blocks.json) with `options` (channels included). */
export function randomWeights(block: string, o: Options, seed: number): Weights {
  const rng = new Rng(seed);
  const w: Weights = {};
  const conv = (key: string, shape: number[], bias: boolean) => {
    const fanIn = shape.slice(1).reduce((a, b) => a * b, 1);
    w[`${key}.weight`] = rng.fill(shape.reduce((a, b) => a * b, 1), () => rng.normal() / Math.sqrt(fanIn));
    if (bias) w[`${key}.bias`] = rng.fill(shape[0], () => rng.normal());
  };
  const bn = (key: string, n: number) => {
    w[`${key}.weight`] = rng.fill(n, () => rng.uniform() + 0.5);
    w[`${key}.bias`] = rng.fill(n, () => rng.normal() * 0.2);
    w[`${key}.running_mean`] = rng.fill(n, () => rng.normal() * 0.2);
    w[`${key}.running_var`] = rng.fill(n, () => rng.uniform() + 0.5);
  };
  const c = o.channels as number;
  const r = reduced(c, o);
  const bias = o.bias !== false;
  const mlp = (prefix: string) => {
    conv(`${prefix}fc1`, [r, c], bias);
    conv(`${prefix}fc2`, [c, r], bias);
  };
  switch (block) {
    case "se":
    case "cse":
      mlp("");
      break;
    case "sse":
      conv("conv", [1, c], bias);
      break;
    case "scse":
      mlp("cse.");
      conv("sse.conv", [1, c], bias);
      break;
    case "cbam": {
      mlp("channel.");
      if (o.spatial === false) break;
      const k = (o.spatialKernel as number | undefined) ?? 7;
      conv("spatial.conv", [1, 2, k, k], false);
      if (o.spatialNorm !== false) bn("spatial.bn", 1);
      break;
    }
    case "bam": {
      conv("channel.fc1", [r, c], true);
      bn("channel.bn", r);
      conv("channel.fc2", [c, r], true);
      conv("spatial.reduce", [r, c, 1, 1], true);
      bn("spatial.reduce_bn", r);
      for (let i = 0; i < ((o.dilatedConvs as number | undefined) ?? 2); i++) {
        conv(`spatial.dilated.${i}`, [r, r, 3, 3], true);
        bn(`spatial.dilated_bn.${i}`, r);
      }
      conv("spatial.final", [1, r, 1, 1], true);
      break;
    }
    default:
      throw new Error(`the demo has no random weights for '${block}'`);
  }
  return w;
}
