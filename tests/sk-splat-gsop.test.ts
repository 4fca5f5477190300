// SK, split attention and GSoP beyond their goldens: bad options name the option and what was
// expected; outputDims; every stage split at arbitrary item boundaries gives the same bytes as
// whole stages; and the blocks at shapes larger than the goldens' (SK's groups 32 at C = 64 with
// dilation 2, long rows and many bands; split attention with groups and radix; GSoP with
// attDim 40, stride 2, and a t whose mean is large beside its spread) against double-precision
// references written from SPEC §3.

import test, { type ExecutionContext } from "ava";
import { blockEntry, createGSoP, createSK, createSplitAttention } from "../dist/index.js";
import { err, smallestGolden } from "./helpers/bad-input.js";
import { assertClose, SPEC_TOLERANCE } from "./helpers/close.js";
import { referenceConv2d } from "./helpers/conv-reference.js";
import { goldenCases, readGolden, runGolden } from "./helpers/golden.js";
import { randomSplit, splitBlockStages } from "./helpers/staged.js";
import { values } from "./helpers/wasm.js";

const bad = async (folder: string, cases: Array<[Record<string, unknown>, ReturnType<typeof err>]>, t: ExecutionContext) => {
  const g = smallestGolden(folder);
  for (const [change, expectation] of cases) {
    await t.throwsAsync(blockEntry(folder).create({ ...g.options, ...change } as never, g.weights), expectation, JSON.stringify(change));
  }
};

test("sk: bad options name the option and the values expected", async (t) => {
  await bad("sk", [
    [{ stride: 3 }, err(RangeError, /SK option stride must be 1 or 2, got 3/)],
    [{ stride: 0 }, err(RangeError, /SK option stride must be a positive integer, got number 0/)],
    [{ groups: 5 }, err(RangeError, /SK option groups \(5\) must divide each path's input channels \(\d+\) and channels \(\d+\)/)],
    [{ kernelSizes: [3, 5, 7] }, err(RangeError, /SK option kernelSizes must have one entry per path \(paths = 2\), got 3/)],
    [{ dilations: [1] }, err(RangeError, /SK option dilations must have one entry per path \(paths = 2\), got 1/)],
    [{ kernelSizes: [3, 4] }, err(RangeError, /SK option kernelSizes\[1\] must be an odd positive integer .*, got number 4/)],
    [{ kernelSizes: 3 }, err(TypeError, /SK option kernelSizes must be an array of 2 odd positive integers \(one per path\), got number 3/)],
    [{ dilations: [1, 0] }, err(RangeError, /SK option dilations\[1\] must be a positive integer, got number 0/)],
    [{ paths: 16 }, err(RangeError, /SK option paths must be at most 15, got 16/)],
    [{ inChannels: 13, splitInput: true, groups: 1 }, err(RangeError, /SK option splitInput needs inChannels \(13\) divisible by paths \(2\)/)],
    [{ splitInput: 1 }, err(TypeError, /SK option splitInput must be true or false/)],
    [{ minReducedChannels: 0 }, err(RangeError, /SK option minReducedChannels must be a positive integer, got number 0/)],
    [{ reducedChannels: 2.5 }, err(RangeError, /SK option reducedChannels must be a positive integer, got number 2.5/)],
    [{ channel: 8 }, err(TypeError, /SK has no option 'channel'; its options are inChannels, channels, /)],
  ], t);
});

test("split_attention: bad options name the option and the values expected", async (t) => {
  await bad("split_attention", [
    [{ kernelSize: 4 }, err(RangeError, /SplitAttention option kernelSize 4 is even: give padding/)],
    [{ padding: -1 }, err(RangeError, /SplitAttention option padding must be a non-negative integer, got number -1/)],
    [{ groups: 3 }, err(RangeError, /SplitAttention needs inChannels \(\d+\) divisible by groups·radix \(3·\d = \d+\)/)],
    [{ inChannels: 8, channels: 6, groups: 4, radix: 1, reducedChannels: 8 }, err(RangeError, /SplitAttention needs channels \(6\) divisible by groups \(4\)/)],
    [{ inChannels: 8, channels: 8, groups: 2, reducedChannels: 5 }, err(RangeError, /SplitAttention needs the inner width I \(5, reducedChannels\) divisible by groups \(2\)/)],
    [{ radix: 0 }, err(RangeError, /SplitAttention option radix must be a positive integer, got number 0/)],
    [{ reductionFactor: "4" }, err(RangeError, /SplitAttention option reductionFactor must be a positive integer, got string 4/)],
    [{ norm: "yes" }, err(TypeError, /SplitAttention option norm must be true or false/)],
  ], t);
  // an input smaller than the dilated kernel: a clear error at run, nothing written
  const g = readGolden("split_attention", "padding_0.safetensors");
  const b = await createSplitAttention(g.options as never, g.weights);
  t.throws(() => b.run(new Float32Array(10 * 2 * 2), [1, 10, 2, 2]), err(RangeError, /SplitAttention input 2×2 padded by 0 is smaller than the dilated kernel \(3×3\)/));
  t.throws(() => b.outputDims([1, 10, 2, 5]), err(RangeError, /smaller than the dilated kernel/));
  b.dispose();
});

test("gsop: bad options name the option and the values expected", async (t) => {
  await bad("gsop", [
    [{ attDim: 0 }, err(RangeError, /GSoP option attDim must be a positive integer, got number 0/)],
    [{ stride: 1.5 }, err(RangeError, /GSoP option stride must be a positive integer, got number 1.5/)],
    [{ att_dim: 8 }, err(TypeError, /GSoP has no option 'att_dim'; its options are channels, attDim, stride/)],
  ], t);
});

test("outputDims: SK and split attention change channels and size", async (t) => {
  const sk = readGolden("sk", "timm_selectivekernel_stride2_c12_to_c20.safetensors");
  const a = await createSK(sk.options as never, sk.weights);
  t.deepEqual(a.outputDims([2, 12, 9, 8]), [2, 20, 5, 4]);
  t.deepEqual(a.outputDims([1, 12, 1, 1]), [1, 20, 1, 1]);
  a.dispose();
  const sa = readGolden("split_attention", "dilation_2_padding_1.safetensors");
  const b = await createSplitAttention(sa.options as never, sa.weights);
  t.deepEqual(b.outputDims([3, 10, 9, 7]), [3, 10, 7, 5]);
  b.dispose();
  const gs = readGolden("gsop", "stride2_att_dim_8.safetensors");
  const c = await createGSoP(gs.options as never, gs.weights);
  t.deepEqual(c.outputDims([3, 20, 7, 5]), [3, 20, 7, 5], "GSoP keeps the shape (its stride changes M only)");
  c.dispose();
});

for (const folder of ["sk", "split_attention", "gsop"]) {
  test(`${folder}: every stage split at arbitrary item boundaries gives the same bytes`, async (t) => {
    for (const file of goldenCases(folder)) {
      const g = readGolden(folder, file);
      const b = await blockEntry(folder).create(g.options as never, g.weights);
      const whole = runGolden(b, g);
      for (const seed of [1, 2, 3]) {
        const restore = splitBlockStages(b, randomSplit(seed, 3));
        try {
          t.deepEqual(new Uint32Array(runGolden(b, g).buffer), new Uint32Array(whole.buffer), `${file}, split ${seed}`);
        } finally {
          restore();
        }
      }
      b.dispose();
    }
  });
}

// ---- double-precision references (SPEC §3) ----

type W = Record<string, Float32Array>;
const BN_EPS = 1e-5;
const bnAffine = (w: W, prefix: string, c: number, v: number) => ((v - w[`${prefix}running_mean`][c]) / Math.sqrt(w[`${prefix}running_var`][c] + BN_EPS)) * w[`${prefix}weight`][c] + w[`${prefix}bias`][c];
const bnKeys = (prefix: string, c: number, seed: number): W => ({
  [`${prefix}weight`]: values(c, seed).map((v) => 1 + v / 4), [`${prefix}bias`]: values(c, seed + 1).map((v) => v / 10),
  [`${prefix}running_mean`]: values(c, seed + 2).map((v) => v / 10), [`${prefix}running_var`]: values(c, seed + 3).map((v) => 1 + v / 4),
});
/** Random weights of `length`, scaled by 1/√fanIn. */
const kaiming = (length: number, fanIn: number, seed: number) => values(length, seed).map((v) => v / Math.sqrt(fanIn));
/** y[o] = Σ_i w[g·outG + o'][i]·x[g·inG + i] (+ b) for a grouped 1×1 layer on a vector. */
function grouped(x: ArrayLike<number>, w: Float32Array, b: Float32Array | undefined, groups: number, inG: number, outG: number): number[] {
  const y: number[] = [];
  for (let g = 0; g < groups; g++) {
    for (let o = 0; o < outG; o++) {
      let s = b ? b[g * outG + o] : 0;
      for (let i = 0; i < inG; i++) s += w[(g * outG + o) * inG + i] * x[g * inG + i];
      y.push(s);
    }
  }
  return y;
}
const softmax = (v: number[]) => {
  const m = Math.max(...v), e = v.map((x) => Math.exp(x - m)), s = e.reduce((p, q) => p + q, 0);
  return e.map((x) => x / s);
};

test("sk: groups 32 at C = 64, dilations 1 and 2, stride 1 and 2, against a double reference", async (t) => {
  for (const [stride, h, w] of [[1, 19, 37], [2, 21, 18]]) {
    const n = 2, cin = 64, c = 64, groups = 32, d = 32, paths = 2;
    const weights: W = {};
    for (let i = 0; i < paths; i++) Object.assign(weights, { [`conv.${i}.0.weight`]: kaiming(c * 2 * 9, 18, 10 + i) }, bnKeys(`conv.${i}.1.`, c, 20 + 4 * i));
    Object.assign(weights, { "fc1.0.weight": kaiming(d * c, c, 30) }, bnKeys("fc1.1.", d, 31), { "fc2.weight": kaiming(paths * c * d, d, 35).map((v) => v * 3) });
    const x = values(n * cin * h * w, 40);
    const block = await createSK({ inChannels: cin, stride }, weights);
    const y = block.run(x, [n, cin, h, w]);
    // u_i = relu(bn_i(conv_i(x))), then the attention
    const u = [1, 2].map((dil, i) => {
      const r = referenceConv2d({ n, cin, h, w, cout: c, kh: 3, kw: 3, sh: stride, sw: stride, dh: dil, dw: dil, ph: dil, pw: dil, groups, bias: false, relu: false, pre: false }, x, weights[`conv.${i}.0.weight`], null);
      const m = r.oh * r.ow;
      return { v: r.y.map((v, j) => Math.max(0, bnAffine(weights, `conv.${i}.1.`, Math.floor(j / m) % c, v))), m, oh: r.oh, ow: r.ow };
    });
    const m = u[0].m, want = new Float64Array(n * c * m);
    for (let img = 0; img < n; img++) {
      const s = Array.from({ length: c }, (_, ch) => {
        let sum = 0;
        for (let j = 0; j < m; j++) sum += u[0].v[(img * c + ch) * m + j] + u[1].v[(img * c + ch) * m + j];
        return sum / m;
      });
      const z = grouped(s, weights["fc1.0.weight"], undefined, 1, c, d).map((v, o) => Math.max(0, bnAffine(weights, "fc1.1.", o, v)));
      const a = grouped(z, weights["fc2.weight"], undefined, 1, d, paths * c);
      for (let ch = 0; ch < c; ch++) {
        const att = softmax([a[ch], a[c + ch]]);
        for (let j = 0; j < m; j++) {
          const at = (img * c + ch) * m + j;
          want[at] = att[0] * u[0].v[at] + att[1] * u[1].v[at];
        }
      }
    }
    t.deepEqual(block.outputDims([n, cin, h, w]), [n, c, u[0].oh, u[0].ow]);
    assertClose(t, y, want, SPEC_TOLERANCE, `SK stride ${stride} ${h}×${w}`);
    block.dispose();
  }
});

test("split attention: groups 2, radix 2 and 4, stride 2, against a double reference", async (t) => {
  for (const [radix, groups, stride] of [[2, 2, 1], [4, 2, 2], [1, 4, 1]]) {
    const n = 2, cin = 32, c = 24, h = 13, w = 17, inter = 16, k = 3, rc = radix * c;
    const weights: W = {
      "conv.weight": kaiming(rc * (cin / (groups * radix)) * 9, (cin / (groups * radix)) * 9, 50), ...bnKeys("bn0.", rc, 51),
      "fc1.weight": kaiming(inter * (c / groups), c / groups, 55), "fc1.bias": values(inter, 56).map((v) => v / 4), ...bnKeys("bn1.", inter, 57),
      "fc2.weight": kaiming(rc * (inter / groups), inter / groups, 61).map((v) => v * 3), "fc2.bias": values(rc, 62).map((v) => v / 4),
    };
    const x = values(n * cin * h * w, 63);
    const block = await createSplitAttention({ inChannels: cin, channels: c, radix, groups, stride, reducedChannels: inter }, weights);
    const y = block.run(x, [n, cin, h, w]);
    const r = referenceConv2d({ n, cin, h, w, cout: rc, kh: k, kw: k, sh: stride, sw: stride, dh: 1, dw: 1, ph: 1, pw: 1, groups: groups * radix, bias: false, relu: false, pre: false }, x, weights["conv.weight"], null);
    const m = r.oh * r.ow, cg = c / groups;
    const u = r.y.map((v, j) => Math.max(0, bnAffine(weights, "bn0.", Math.floor(j / m) % rc, v)));
    const want = new Float64Array(n * c * m);
    for (let img = 0; img < n; img++) {
      const at = (q: number, ch: number, j: number) => ((img * radix + q) * c + ch) * m + j;
      const s = Array.from({ length: c }, (_, ch) => {
        let sum = 0;
        for (let q = 0; q < radix; q++) for (let j = 0; j < m; j++) sum += u[at(q, ch, j)];
        return sum / m;
      });
      const z = grouped(s, weights["fc1.weight"], weights["fc1.bias"], groups, cg, inter / groups).map((v, o) => Math.max(0, bnAffine(weights, "bn1.", o, v)));
      const a = grouped(z, weights["fc2.weight"], weights["fc2.bias"], groups, inter / groups, radix * cg);
      for (let g = 0; g < groups; g++) {
        for (let j = 0; j < cg; j++) {
          const logits = Array.from({ length: radix }, (_, q) => a[g * radix * cg + q * cg + j]);
          const att = radix === 1 ? [1 / (1 + Math.exp(-logits[0]))] : softmax(logits);
          const ch = g * cg + j;
          for (let p = 0; p < m; p++) want[(img * c + ch) * m + p] = att.reduce((sum, v, q) => sum + v * u[at(q, ch, p)], 0);
        }
      }
    }
    assertClose(t, y, want, SPEC_TOLERANCE, `split attention radix ${radix} groups ${groups} stride ${stride}`);
    block.dispose();
  }
});

test("gsop: attDim 40, stride 1 and 2, and a t whose mean is 500× its spread, against a double reference", async (t) => {
  for (const [stride, offset] of [[1, 0], [2, 0], [1, 100]]) {
    const n = 2, c = 24, d = 40, h = 23, w = 21;
    // offset: conv_for_DR's bias lifts t to about 100 with a spread of about 0.2; row_bn's small
    // running_var scales Σ (about 0.05) back to O(1), so the output depends on Σ's low digits
    const weights: W = {
      "conv_for_DR.weight": kaiming(d * c, c, 70).map((v) => (offset ? v / 4 : v)), "conv_for_DR.bias": values(d, 71).map((v) => v / 4 + offset), ...bnKeys("bn_for_DR.", d, 72),
      ...bnKeys("row_bn.", d, 76), "row_conv_group.weight": kaiming(4 * d * d, d, 80), "row_conv_group.bias": values(4 * d, 81).map((v) => v / 4),
      "fc_adapt_channels.weight": kaiming(c * 4 * d, 4 * d, 82), "fc_adapt_channels.bias": values(c, 83).map((v) => v / 4),
    };
    if (offset) {
      weights["bn_for_DR.weight"].fill(1);
      weights["bn_for_DR.running_mean"].fill(0);
      weights["row_bn.running_mean"].fill(0);
      weights["row_bn.bias"].fill(0);
      weights["row_bn.running_var"].fill(1e-3);
    }
    const x = values(n * c * h * w, 84);
    const block = await createGSoP({ channels: c, attDim: d, stride }, weights);
    const y = block.run(x, [n, c, h, w]);
    const r = referenceConv2d({ n, cin: c, h, w, cout: d, kh: 1, kw: 1, sh: stride, sw: stride, dh: 1, dw: 1, ph: 0, pw: 0, groups: 1, bias: true, relu: false, pre: true },
      x, weights["conv_for_DR.weight"], weights["conv_for_DR.bias"], new Float32Array(c).fill(1), new Float32Array(c));
    const m = r.oh * r.ow;
    const tt = r.y.map((v, j) => Math.max(0, bnAffine(weights, "bn_for_DR.", Math.floor(j / m) % d, v)));
    const want = new Float64Array(n * c * h * w);
    for (let img = 0; img < n; img++) {
      const row = (i: number) => tt.subarray((img * d + i) * m, (img * d + i + 1) * m);
      const mean = Array.from({ length: d }, (_, i) => row(i).reduce((p, q) => p + q, 0) / m);
      const rr: number[] = [];
      for (let i = 0; i < d; i++) {
        // Σ'[i][k] = row_bn(Σ)[i][k], then the four outputs of row i
        const sigma = Array.from({ length: d }, (_, k) => {
          let s = 0;
          for (let p = 0; p < m; p++) s += (row(i)[p] - mean[i]) * (row(k)[p] - mean[k]);
          return bnAffine(weights, "row_bn.", i, s / m);
        });
        for (let j = 0; j < 4; j++) rr.push(sigma.reduce((s, v, k) => s + weights["row_conv_group.weight"][(4 * i + j) * d + k] * v, weights["row_conv_group.bias"][4 * i + j]));
      }
      const gate = grouped(rr, weights["fc_adapt_channels.weight"], weights["fc_adapt_channels.bias"], 1, 4 * d, c).map((v) => 1 / (1 + Math.exp(-v)));
      if (img === 0) {
        const spread = Math.sqrt(tt.subarray(0, m).reduce((s2, v) => s2 + (v - mean[0]) ** 2, 0) / m);
        t.log(`stride ${stride} offset ${offset}: t_0 mean ${mean[0].toFixed(3)}, spread ${spread.toFixed(3)}; gate ${Math.min(...gate).toFixed(3)}…${Math.max(...gate).toFixed(3)}`);
      }
      for (let ch = 0; ch < c; ch++) for (let p = 0; p < h * w; p++) want[(img * c + ch) * h * w + p] = x[(img * c + ch) * h * w + p] * gate[ch];
    }
    assertClose(t, y, want, SPEC_TOLERANCE, `GSoP stride ${stride} offset ${offset}`);
    block.dispose();
  }
});
