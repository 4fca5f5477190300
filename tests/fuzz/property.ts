// The fuzz suite's property, shared by tests/fuzz.test.ts (a few runs in `npm test`) and
// scripts/fuzz.ts (`npm run fuzz`, a long run): for a drawn block configuration, shape, layout,
// weights and input,
// - excite's run() is within SPEC §5 of the block's float64 reference (tests/fuzz/reference/);
//   where the output is a sum of large terms (a residual add: SEResBlock, CBAMBasicBlock, AFF,
//   iAFF, GC's channel_add) the tolerance scales with the terms' magnitude, 1e-5 + 1e-4·Σ|terms|
//   (SPEC §5), as tests/conv2d.test.ts scales its own by Σ|w·x|;
// - outputDims() are the reference's;
// - io().run() gives run()'s bytes, and so does run() in place (out = x, and out = residual).

import fc from "fast-check";
import type { BlockBase, BlockEntry, FusionBlock, Block } from "../../dist/index.js";
import { closeness, SPEC_TOLERANCE } from "../helpers/close.js";
import { nchwToNhwc } from "../helpers/golden.js";
import { ARBITRARIES, type Draw } from "./arbitraries.js";
import { randomInput, randomWeights } from "./random.js";
import { REFERENCES } from "./reference/index.js";

export interface FuzzCase {
  readonly draw: Draw;
  readonly layout: "nchw" | "nhwc";
  /** Seeds the weights and the inputs. */
  readonly seed: number;
}

/** Whether the fuzz suite can check the registry block `entry` (it has a reference and an arbitrary). */
export const fuzzable = (entry: BlockEntry): boolean => entry.folder in REFERENCES && entry.folder in ARBITRARIES;

/** The seed of block `folder`'s cases in a run of seed `seed` (each block its own sequence). */
export function blockSeed(seed: number, folder: string): number {
  let h = seed | 0;
  for (const ch of folder) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193);
  return h | 0;
}

export const fuzzCases = (entry: BlockEntry): fc.Arbitrary<FuzzCase> =>
  fc.record({ draw: ARBITRARIES[entry.folder], layout: fc.constantFrom(...entry.layouts), seed: fc.integer({ min: 0, max: 0x7fffffff }) });

/** A case in one line, to replay by hand. */
export const describeCase = (c: FuzzCase): string => `${JSON.stringify(c.draw.options)} dims [${c.draw.dims}] ${c.layout} seed ${c.seed}`;

const bits = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);
const sameBytes = (a: Float32Array, b: Float32Array) => a.length === b.length && bits(a).every((v, i) => v === bits(b)[i]);
const numel = (d: readonly number[]) => d.reduce((a, b) => a * b, 1);

/** A float64 NCHW tensor as NHWC. */
function toNhwc(a: Float64Array, [n, c, h, w]: readonly number[]): Float64Array {
  const y = new Float64Array(a.length);
  for (let i = 0; i < n; i++) for (let ch = 0; ch < c; ch++) for (let p = 0; p < h * w; p++) y[(i * h * w + p) * c + ch] = a[(i * c + ch) * h * w + p];
  return y;
}

/** Checks one case; returns what went wrong (empty when nothing did). */
export async function checkCase(entry: BlockEntry, c: FuzzCase): Promise<string[]> {
  const { options, dims } = c.draw;
  const nhwc = c.layout === "nhwc";
  const config = { ...options, ...(nhwc ? { layout: "nhwc" } : {}) };
  const weights = randomWeights(entry.create.weightSpecs(config as never), c.seed);
  const x = randomInput(numel(dims), c.seed ^ 0x5bd1e995);
  const residual = entry.create.inputs === 2 ? randomInput(numel(dims), c.seed ^ 0x27d4eb2f) : undefined;
  const ref = REFERENCES[entry.folder](options, weights, x, dims, residual);
  const [n, ch, h, w] = dims, [on, oc, oh, ow] = ref.dims;
  const inDims = nhwc ? [n, h, w, ch] : [...dims];
  const outDims = nhwc ? [on, oh, ow, oc] : [...ref.dims];
  const xl = nhwc ? nchwToNhwc(x, dims) : x, rl = residual && (nhwc ? nchwToNhwc(residual, dims) : residual);
  const want = nhwc ? toNhwc(ref.y, ref.dims) : ref.y;
  const scale = ref.scale && (nhwc ? toNhwc(ref.scale, ref.dims) : ref.scale);

  const problems: string[] = [];
  const block: BlockBase = await entry.create(config as never, weights);
  try {
    const run = (a: Float32Array, r?: Float32Array, out?: Float32Array) =>
      r ? (block as FusionBlock).run(a, r, inDims, out) : (block as Block).run(a, inDims, out);
    const got = JSON.stringify(block.outputDims(inDims));
    if (got !== JSON.stringify(outDims)) problems.push(`outputDims ${got}, the reference's [${outDims}]`);
    const y = run(xl, rl);
    const cl = closeness(y, want, { ...SPEC_TOLERANCE, scale });
    if (!(cl.worstRatio <= 1)) {
      problems.push(`element ${cl.at} is ${y[cl.at]}, the reference ${want[cl.at]} (${cl.worstRatio === Infinity ? "NaN or ∞ unmatched" : `${cl.worstRatio.toFixed(2)}× the tolerance`}${scale ? ", scaled by the terms' magnitude" : ""})`);
    }
    const io = block.io(inDims);
    io.input.set(xl);
    if (rl) io.residual.set(rl);
    if (!sameBytes(io.run(), y)) problems.push("io().run() differs from run()");
    io.dispose();
    if (numel(outDims) === numel(inDims)) {
      const inPlace = xl.slice();
      if (!sameBytes(run(inPlace, rl, inPlace), y)) problems.push("run() in place (out = x) differs from run()");
      if (rl) {
        const over = rl.slice();
        if (!sameBytes(run(xl, over, over), y)) problems.push("run() in place (out = residual) differs from run()");
      }
    }
  } finally {
    block.dispose();
  }
  return problems;
}
