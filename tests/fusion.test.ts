// MS-CAM, AFF, iAFF and shuffle attention beyond their goldens: their options (bad values name the
// option and what was expected), double-precision references on shapes with several work items,
// strips and partial vectors, iAFF's two second-stage globals, and every stage split at arbitrary
// item boundaries (run in reverse order, over a scratch reset to NaN: helpers/staged.ts
// splitBlockStages) giving the same bytes as the stages run whole.

import test, { type ExecutionContext } from "ava";
import { type BlockBase, createAFF, createIAFF, createMSCAM, createShuffleAttention, type FusionBlock } from "../dist/index.js";
import { err } from "./helpers/bad-input.js";
import { assertClose, SPEC_TOLERANCE } from "./helpers/close.js";
import { fractionSplit, splitBlockStages } from "./helpers/staged.js";
import { values } from "./helpers/wasm.js";

type Weights = Record<string, Float32Array>;
type Factory = { weightSpecs(o: never): Array<{ key: string; shape: readonly number[] }> };

/** Weights for every key of `create` with options `o`: convs ~ U(±√(3/fan_in)), BNs as the goldens' (running_var in [0.5, 1.5)). */
function weightsFor(create: Factory, o: object, seed: number): Weights {
  const out: Weights = {};
  for (const [j, { key, shape }] of create.weightSpecs(o as never).entries()) {
    const n = shape.reduce((a, b) => a * b, 1);
    const u = values(n, seed * 101 + j).map((v) => v / 2); // [-1, 1)
    const fanIn = shape.length > 1 ? shape.slice(1).reduce((a, b) => a * b, 1) : 1;
    if (/running_var$/.test(key)) out[key] = u.map((v) => 1 + v / 2);
    else if (/\.(1|2|4|5)\.weight$/.test(key) && shape.length === 1) out[key] = u.map((v) => 1 + v / 2); // BN gamma
    else if (shape.length === 4 && shape[2] === 1 && fanIn > 1) out[key] = u.map((v) => v * Math.sqrt(3 / fanIn));
    else out[key] = u.map((v) => v / 2);
  }
  return out;
}

// ---- double-precision references of fusion.py's modules ----

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
const bn = (w: Weights, p: string, c: number, v: number) => ((v - w[`${p}running_mean`][c]) / Math.sqrt(w[`${p}running_var`][c] + 1e-5)) * w[`${p}weight`][c] + w[`${p}bias`][c];

/** conv 1×1 (w [O, I], bias) then BN of a vector. */
function convBn(w: Weights, conv: string, norm: string, v: number[], out: number): number[] {
  const wt = w[`${conv}.weight`], b = w[`${conv}.bias`], n = v.length;
  return Array.from({ length: out }, (_, o) => bn(w, norm, o, v.reduce((s, vi, i) => s + wt[o * n + i] * vi, b[o])));
}

/** MS-CAM's branch `prefix` on a vector (local: indices 0/1, 3/4; global: 1/2, 4/5). */
function branch(w: Weights, prefix: string, global: boolean, v: number[], inner: number): number[] {
  const [a, b, c, d] = global ? [1, 2, 4, 5] : [0, 1, 3, 4];
  const t = convBn(w, `${prefix}.${a}`, `${prefix}.${b}.`, v, inner).map((z) => Math.max(z, 0));
  return convBn(w, `${prefix}.${c}`, `${prefix}.${d}.`, t, v.length);
}

/** w(v) = σ(L(v) + G(GAP v)) of one image v [C, hw]. */
function fusionWeight(w: Weights, local: string, global: string, v: number[][], inner: number): number[][] {
  const c = v.length, hw = v[0].length;
  const g = branch(w, global, true, v.map((row) => row.reduce((s, a) => s + a, 0) / hw), inner);
  const out = v.map(() => new Array<number>(hw));
  for (let p = 0; p < hw; p++) {
    const l = branch(w, local, false, v.map((row) => row[p]), inner);
    for (let ch = 0; ch < c; ch++) out[ch][p] = sigmoid(l[ch] + g[ch]);
  }
  return out;
}

type Reference = { y: number[]; scale?: number[] };

/** The reference of `block` on [n, c, h, w]: y, and for AFF and iAFF the terms' magnitude per element. */
function reference(block: "mscam" | "aff" | "iaff", w: Weights, dims: number[], inner: number, x: Float32Array, r: Float32Array, secondGlobal = "global_att2"): Reference {
  const [n, c, h, wd] = dims, hw = h * wd;
  const y: number[] = [], scale: number[] = [];
  for (let img = 0; img < n; img++) {
    const plane = (t: Float32Array) => Array.from({ length: c }, (_, ch) => Array.from(t.subarray((img * c + ch) * hw, (img * c + ch + 1) * hw)));
    const xs = plane(x), rs = plane(r);
    if (block === "mscam") {
      const a = fusionWeight(w, "local_att", "global_att", xs, inner);
      xs.forEach((row, ch) => row.forEach((v, p) => y.push(v * a[ch][p])));
      continue;
    }
    const a = fusionWeight(w, "local_att", "global_att", xs.map((row, ch) => row.map((v, p) => v + rs[ch][p])), inner);
    if (block === "aff") {
      xs.forEach((row, ch) => row.forEach((v, p) => {
        y.push(2 * v * a[ch][p] + 2 * rs[ch][p] * (1 - a[ch][p]));
        scale.push(Math.abs(2 * v * a[ch][p]) + Math.abs(2 * rs[ch][p] * (1 - a[ch][p])));
      }));
      continue;
    }
    const xi = xs.map((row, ch) => row.map((v, p) => v * a[ch][p] + rs[ch][p] * (1 - a[ch][p])));
    const a2 = fusionWeight(w, "local_att2", secondGlobal, xi, inner);
    xs.forEach((row, ch) => row.forEach((v, p) => {
      y.push(v * a2[ch][p] + rs[ch][p] * (1 - a2[ch][p]));
      scale.push(Math.abs(v * a2[ch][p]) + Math.abs(rs[ch][p] * (1 - a2[ch][p])));
    }));
  }
  return block === "mscam" ? { y } : { y, scale };
}

const FUSION = { mscam: createMSCAM, aff: createAFF, iaff: createIAFF } as const;

// [options, dims, inner width]: C not a multiple of 4, I of 1, 3, 5, 9; several tiles of 512 pixels and strips of 64, partial vectors
const SHAPES: Array<[Record<string, unknown>, number[], number]> = [
  [{ channels: 37 }, [2, 37, 23, 29], 9],
  [{ channels: 8, reducedChannels: 5 }, [1, 8, 1, 1030], 5],
  [{ channels: 3, reduction: 1 }, [3, 3, 5, 1], 3],
  [{ channels: 6, reduction: 4 }, [1, 6, 9, 65], 1],
];

for (const block of ["mscam", "aff", "iaff"] as const) {
  for (const [o, dims, inner] of SHAPES) {
    const modes = block === "iaff" ? ["global_att2", "global_att"] : [undefined];
    for (const secondGlobal of modes) {
      const options = secondGlobal ? { ...o, secondGlobal } : o;
      test(`${block} ${JSON.stringify(options)} on [${dims}] matches a double-precision reference`, async (t) => {
        const create = FUSION[block];
        const w = weightsFor(create as never, options, dims[1] + inner);
        const len = dims.reduce((a, b) => a * b, 1);
        const x = values(len, 11), r = values(len, 12).map((v) => v * 0.8);
        const b = await create(options as never, w);
        const y = block === "mscam" ? (b as never as { run: (x: Float32Array, d: number[]) => Float32Array }).run(x, dims) : (b as FusionBlock).run(x, r, dims);
        const ref = reference(block, w, dims, inner, x, r, secondGlobal);
        // AFF and iAFF: a weighted sum of x and r, measured against its terms' magnitude (SPEC §5)
        assertClose(t, y, ref.y, { ...SPEC_TOLERANCE, scale: ref.scale }, `${block} [${dims}]`);
        b.dispose();
      });
    }
  }
}

test("iAFF: 'global_att' reuses global_att in the second stage, 'global_att2' uses global_att2; both require global_att2.*", async (t) => {
  const dims = [2, 12, 5, 7], len = 2 * 12 * 35;
  const x = values(len, 3), r = values(len, 4);
  const o = { channels: 12, reduction: 2 };
  const w = weightsFor(createIAFF as never, o, 5);
  const other = { ...w, ...Object.fromEntries(Object.entries(weightsFor(createIAFF as never, o, 6)).filter(([k]) => k.startsWith("global_att2."))) };
  const run = async (mode: string, weights: Weights) => {
    const b = await createIAFF({ ...o, secondGlobal: mode as never }, weights);
    const y = b.run(x, r, dims);
    b.dispose();
    return y;
  };
  t.deepEqual(await run("global_att", other), await run("global_att", w), "global_att2.* do not matter in 'global_att' mode");
  t.notDeepEqual(await run("global_att2", other), await run("global_att2", w), "global_att2.* are the second stage's global branch");
  t.notDeepEqual(await run("global_att", w), await run("global_att2", w));
  const without = Object.fromEntries(Object.entries(w).filter(([k]) => k !== "global_att2.4.bias"));
  await t.throwsAsync(createIAFF({ ...o, secondGlobal: "global_att" }, without), err(Error, /iAFF weight 'global_att2\.4\.bias' \[12\] is missing/));
});

// ---- shuffle attention ----

function shuffleReference(w: Weights, dims: number[], groups: number, x: Float32Array): number[] {
  const [n, c, h, wd] = dims, hw = h * wd, p = c / (2 * groups);
  const z: number[][] = [];
  for (let img = 0; img < n; img++) {
    for (let ch = 0; ch < c; ch++) {
      const v = Array.from(x.subarray((img * c + ch) * hw, (img * c + ch + 1) * hw));
      const mean = v.reduce((s, a) => s + a, 0) / hw;
      const j = ch % (2 * p);
      if (j < p) {
        const s = sigmoid(w.cweight[j] * mean + w.cbias[j]);
        z.push(v.map((a) => a * s));
      } else {
        const k = j - p;
        const variance = v.reduce((s, a) => s + (a - mean) ** 2, 0) / hw;
        z.push(v.map((a) => a * sigmoid(w.sweight[k] * (((a - mean) / Math.sqrt(variance + 1e-5)) * w["gn.weight"][k] + w["gn.bias"][k]) + w.sbias[k])));
      }
    }
  }
  // channel_shuffle(·, 2): y[:, 2q + i] = z[:, i·C/2 + q]
  const y: number[] = [];
  for (let img = 0; img < n; img++) for (let oc = 0; oc < c; oc++) y.push(...z[img * c + (oc % 2) * (c / 2) + Math.floor(oc / 2)]);
  return y;
}

for (const [groups, dims] of [[1, [2, 2, 37, 41]], [3, [1, 18, 1, 1100]], [2, [3, 12, 8, 1]], [4, [1, 24, 33, 33]]] as Array<[number, number[]]>) {
  test(`ShuffleAttention groups ${groups} on [${dims}] matches a double-precision reference; an offset plane keeps its variance`, async (t) => {
    const o = { channels: dims[1], groups };
    const w = weightsFor(createShuffleAttention as never, o, groups);
    const hw = dims[2] * dims[3];
    // plane 1 (a spatial plane when P = 1) sits at 100 with a spread of 0.01
    const x = values(dims.reduce((a, b) => a * b, 1), groups).map((v, i) => (Math.floor(i / hw) === 1 ? 100 + v / 200 : v));
    const b = await createShuffleAttention(o, w);
    assertClose(t, b.run(x, dims), shuffleReference(w, dims, groups, x), SPEC_TOLERANCE, `shuffle attention [${dims}]`);
    b.dispose();
  });
}

// ---- every stage split at arbitrary item boundaries ----

async function splitAgrees(t: ExecutionContext, block: BlockBase, dims: number[], inputs: number): Promise<void> {
  const io = block.io(dims);
  io.input.set(values(io.input.length, 21));
  if (inputs === 2) io.residual.set(values(io.input.length, 22));
  const whole = io.run().slice();
  for (const cuts of [[0.5], [0.13, 0.37, 0.71], [0.01, 0.99]]) {
    const restore = splitBlockStages(block, fractionSplit(cuts));
    try {
      io.output.fill(NaN);
      t.deepEqual(new Uint32Array(io.run().slice().buffer), new Uint32Array(whole.buffer), `${block.name} cut at ${cuts}`);
    } finally {
      restore();
    }
  }
  io.dispose();
}

test("every stage of MS-CAM, AFF, iAFF and shuffle attention split into pieces gives the same bytes", async (t) => {
  const dims = [3, 20, 29, 37];
  for (const create of [createMSCAM, createAFF, createIAFF] as const) {
    const b = await create({ channels: 20 }, weightsFor(create as never, { channels: 20 }, 1));
    await splitAgrees(t, b, dims, create.inputs);
    b.dispose();
  }
  const sa = await createShuffleAttention({ channels: 20, groups: 2 }, weightsFor(createShuffleAttention as never, { channels: 20, groups: 2 }, 2));
  await splitAgrees(t, sa, dims, 1);
  sa.dispose();
});

// ---- options ----

test("MS-CAM, AFF and iAFF: bad options name the option and what was expected", async (t) => {
  for (const [name, create] of [["MS-CAM", createMSCAM], ["AFF", createAFF], ["iAFF", createIAFF]] as const) {
    const w = weightsFor(create as never, { channels: 8 }, 1);
    const bad: Array<[Record<string, unknown>, ReturnType<typeof err>]> = [
      [{ channels: 0 }, err(RangeError, new RegExp(`${name} option channels must be a positive integer, got number 0`))],
      [{ channels: 8, reduction: 0 }, err(RangeError, /option reduction must be a positive integer, got number 0/)],
      [{ channels: 8, reduction: 2.5 }, err(RangeError, /option reduction must be a positive integer, got number 2\.5/)],
      // a bad reduction is an error even where reducedChannels overrides it
      [{ channels: 8, reduction: "4", reducedChannels: 2 }, err(RangeError, /option reduction must be a positive integer, got string 4/)],
      [{ channels: 3 }, err(RangeError, /option reduction 4 leaves ⌊channels \/ reduction⌋ = ⌊3 \/ 4⌋ = 0 inner channels: give a reduction of at most 3, or reducedChannels/)],
      [{ channels: 8, reducedChannels: 0 }, err(RangeError, /option reducedChannels must be a positive integer, got number 0/)],
      [{ channels: 8, r: 4 }, err(TypeError, new RegExp(`${name} has no option 'r'; its options are channels, reduction, reducedChannels`))],
    ];
    if (name === "iAFF") bad.push([{ channels: 8, secondGlobal: "global" }, err(RangeError, /iAFF option secondGlobal must be one of 'global_att2', 'global_att', got string global/)]);
    else bad.push([{ channels: 8, secondGlobal: "global_att" }, err(TypeError, /has no option 'secondGlobal'/)]);
    for (const [o, expectation] of bad) await t.throwsAsync(create(o as never, w), expectation, `${name} ${JSON.stringify(o)}`);
  }
  // I = ⌊C / reduction⌋, not rounded up; reducedChannels overrides it
  const shape = (o: object, key: string) => createMSCAM.weightSpecs(o as never).find((s) => s.key === key)!.shape;
  t.deepEqual(shape({ channels: 6 }, "local_att.0.weight"), [1, 6, 1, 1]);
  t.deepEqual(shape({ channels: 20, reduction: 3 }, "global_att.4.weight"), [20, 6, 1, 1]);
  t.deepEqual(shape({ channels: 20, reducedChannels: 3 }, "local_att.1.running_var"), [3]);
  t.deepEqual(shape({ channels: 3, reduction: 4, reducedChannels: 2 }, "local_att.0.weight"), [2, 3, 1, 1]);
});

test("ShuffleAttention: bad options name the option and what was expected", async (t) => {
  const w = weightsFor(createShuffleAttention as never, { channels: 12, groups: 2 }, 1);
  const bad: Array<[Record<string, unknown>, ReturnType<typeof err>]> = [
    [{ channels: 20 }, err(RangeError, /ShuffleAttention option channels must be a multiple of 2·groups = 128 \(groups 64\), got 20/)],
    [{ channels: 12, groups: 4 }, err(RangeError, /must be a multiple of 2·groups = 8 \(groups 4\), got 12/)],
    [{ channels: 12, groups: 0 }, err(RangeError, /ShuffleAttention option groups must be a positive integer, got number 0/)],
    [{ channels: -12, groups: 2 }, err(RangeError, /option channels must be a positive integer, got number -12/)],
    [{ channels: 12, group: 2 }, err(TypeError, /ShuffleAttention has no option 'group'; its options are channels, groups/)],
  ];
  for (const [o, expectation] of bad) await t.throwsAsync(createShuffleAttention(o as never, w), expectation, JSON.stringify(o));
  t.deepEqual(createShuffleAttention.weightSpecs({ channels: 256 }).map((s) => [s.key, s.shape]), [
    ["cweight", [1, 2, 1, 1]], ["cbias", [1, 2, 1, 1]], ["sweight", [1, 2, 1, 1]], ["sbias", [1, 2, 1, 1]], ["gn.weight", [2]], ["gn.bias", [2]],
  ]);
});
