// What each block multiplies the stem's features by, read back from the block's own output
// through the public API. These blocks compute y = a·x with a factor a that is per channel
// (SE), per pixel (sSE) or a product of both (CBAM); the factor is recovered by least squares,
// a_c = Σ_p x·y / Σ_p x² (or over channels for a_p), exact up to float rounding whenever y = a·x.
// CBAM's two factors are separated by a second block with `spatial: false`; BAM's branches
// (y = (1 + σ(mc·ms))·x) by pinning the other branch to 1 through its last layer's weights.

import * as excite from "excite";
import { randomWeights } from "../../tests/fuzz/random.js";

export interface AttentionView {
  readonly block: string;
  readonly caption: string;
  /** Per-channel gate (bars), if the block has one. */
  readonly channel?: Float32Array;
  /** Per-pixel gate (heatmap, H·W), if the block has one. */
  readonly spatial?: Float32Array;
}

type Weights = excite.Weights;
type Factory = (options: Record<string, unknown>, weights: Weights) => Promise<excite.Block>;
interface SeededFactory extends Factory {
  weightSpecs(options: Record<string, unknown>): excite.WeightSpec[];
}

/** Seeded random weights (the fuzz suite's draw, from the block's own weight specs) for `create` with `options`. */
const seeded = (create: SeededFactory, options: Record<string, unknown>, seed: number): Weights => randomWeights(create.weightSpecs(options), seed);

/** a_c minimising Σ_p (y − a_c·x)², for x, y of dims [1, C, H, W]. */
export function channelFactors(x: Float32Array, y: Float32Array, c: number): Float32Array {
  const hw = x.length / c;
  return Float32Array.from({ length: c }, (_, ch) => {
    let xy = 0, xx = 0;
    for (let i = ch * hw; i < (ch + 1) * hw; i++) { xy += x[i] * y[i]; xx += x[i] * x[i]; }
    return xy / xx;
  });
}

/** a_p minimising Σ_c (y − a_p·x)², for x, y of dims [1, C, H, W]. */
export function spatialFactors(x: Float32Array, y: Float32Array, c: number): Float32Array {
  const hw = x.length / c;
  const xy = new Float64Array(hw), xx = new Float64Array(hw);
  for (let ch = 0; ch < c; ch++) {
    for (let p = 0, i = ch * hw; p < hw; p++, i++) { xy[p] += x[i] * y[i]; xx[p] += x[i] * x[i]; }
  }
  return Float32Array.from(xy, (v, p) => v / xx[p]);
}

/** y = block(x) for a block made, run and disposed here. */
async function apply(create: Factory, options: Record<string, unknown>, weights: Weights, x: Float32Array, dims: number[]): Promise<Float32Array> {
  const block = await create(options, weights);
  try {
    return block.run(x, dims);
  } finally {
    block.dispose();
  }
}

const minus1 = (a: Float32Array): Float32Array => a.map((v) => v - 1);
const filled = (length: number, value: number): Float32Array => new Float32Array(length).fill(value);

/** The gates of SE, sSE, CBAM and BAM on features x [1, C, H, W]. */
export async function attentionViews(x: Float32Array, dims: number[], seed: number): Promise<AttentionView[]> {
  const c = dims[1];
  const [createSE, createSSE, createCBAM, createBAM] = [excite.createSE, excite.createSSE, excite.createCBAM, excite.createBAM] as unknown as SeededFactory[];
  const views: AttentionView[] = [];
  {
    const o = { channels: c, reduction: 4 };
    const y = await apply(createSE, o, seeded(createSE, o, seed), x, dims);
    views.push({ block: "SE", caption: "s = σ(fc2(relu(fc1(GAP(x))))), y = x·s", channel: channelFactors(x, y, c) });
  }
  {
    const o = { channels: c };
    const y = await apply(createSSE, o, seeded(createSSE, o, seed), x, dims);
    views.push({ block: "sSE", caption: "q = σ(conv1×1(x)), y = x·q", spatial: spatialFactors(x, y, c) });
  }
  {
    const o = { channels: c, reduction: 4 };
    const w = seeded(createCBAM, o, seed);
    const y = await apply(createCBAM, o, w, x, dims);
    const channelOnly = Object.fromEntries(Object.entries(w).filter(([k]) => !k.startsWith("spatial.")));
    const x1 = await apply(createCBAM, { ...o, spatial: false }, channelOnly, x, dims);
    views.push({ block: "CBAM", caption: "ca = σ(Σ_pool MLP(pool(x))), sa = σ(bn(conv7×7([maxC, meanC](x·ca)))), y = x·ca·sa", channel: channelFactors(x, x1, c), spatial: spatialFactors(x1, y, c) });
  }
  {
    const o = { channels: c, reduction: 4 };
    const w = seeded(createBAM, o, seed);
    const r = w["channel.fc2.weight"].length / c;
    // mc ≡ 1 leaves y = (1 + σ(ms))·x; ms ≡ 1 leaves y = (1 + σ(mc))·x.
    const ySpatial = await apply(createBAM, o, { ...w, "channel.fc2.weight": filled(c * r, 0), "channel.fc2.bias": filled(c, 1) }, x, dims);
    const yChannel = await apply(createBAM, o, { ...w, "spatial.final.weight": filled(r, 0), "spatial.final.bias": filled(1, 1) }, x, dims);
    views.push({ block: "BAM", caption: "σ(mc) of the channel branch, σ(ms) of the dilated spatial branch; y = (1 + σ(mc·ms))·x", channel: minus1(channelFactors(x, yChannel, c)), spatial: minus1(spatialFactors(x, ySpatial, c)) });
  }
  return views;
}
