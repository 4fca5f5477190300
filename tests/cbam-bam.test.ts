// CBAM, BAM, SEResBlock and CBAMBasicBlock: their own options, shapes and limits (the bad-input
// suite of bad-input.test.ts and the goldens of golden.test.ts cover the rest).

import test from "ava";
import { createBAM, createCBAM, createCBAMBasicBlock, createSEResBlock } from "../dist/index.js";
import { err } from "./helpers/bad-input.js";
import { readGolden } from "./helpers/golden.js";

test("CBAM: bad options name the option and the values expected", async (t) => {
  const g = readGolden("cbam", "default_c6.safetensors");
  const o = g.options;
  const bad: Array<[Record<string, unknown>, ReturnType<typeof err>]> = [
    [{ pools: [] }, err(TypeError, /CBAM option pools must be a non-empty array of 'avg', 'max', 'lp', 'lse', got \[\]/)],
    [{ pools: "avg" }, err(TypeError, /option pools must be a non-empty array/)],
    [{ pools: ["avg", "mean"] }, err(RangeError, /option pools\[1\] must be one of 'avg', 'max', 'lp', 'lse', got 'mean'/)],
    [{ pools: ["max", "avg", "max"] }, err(RangeError, /option pools lists 'max' twice/)],
    [{ spatialKernel: 4 }, err(RangeError, /option spatialKernel must be odd/)],
    [{ spatialKernel: 0 }, err(RangeError, /option spatialKernel must be a positive integer, got number 0/)],
    [{ spatialOrder: "avg-max" }, err(RangeError, /option spatialOrder must be one of 'max-mean', 'mean-max', got string avg-max/)],
    [{ spatialNorm: 1 }, err(TypeError, /option spatialNorm must be true or false/)],
    [{ spatial: "no" }, err(TypeError, /option spatial must be true or false/)],
    [{ reduction: 0 }, err(RangeError, /option reduction must be a positive integer/)],
    [{ gate: "sigmoid" }, err(TypeError, /CBAM has no option 'gate'; its options are channels, reduction/)],
  ];
  for (const [change, expectation] of bad) await t.throwsAsync(createCBAM({ ...o, ...change } as never, g.weights), expectation, JSON.stringify(change));
  // the keys follow the options: no spatial.* without the spatial branch, no spatial.bn.* without spatialNorm
  await t.throwsAsync(createCBAM({ ...o, spatial: false } as never, g.weights), err(Error, /does not use weight 'spatial\.(conv|bn)\./));
  await t.throwsAsync(createCBAM({ ...o, spatialNorm: false } as never, g.weights), err(Error, /does not use weight 'spatial\.bn\.\w+' \(its weights are channel\.fc1\.weight, channel\.fc1\.bias, channel\.fc2\.weight, channel\.fc2\.bias, spatial\.conv\.weight\)/));
  await t.throwsAsync(createCBAM({ ...o, bias: false } as never, g.weights), err(Error, /does not use weight 'channel\.fc1\.bias'/));
  await t.throwsAsync(createCBAM({ ...o, spatialKernel: 3 } as never, g.weights), err(RangeError, /weight 'spatial\.conv\.weight' must be \[1, 2, 3, 3\] \(18 floats\), got 98 floats/));
});

test("BAM: bad options name the option and the values expected", async (t) => {
  const g = readGolden("bam", "c6_reduction_2_add.safetensors");
  const o = g.options;
  const bad: Array<[Record<string, unknown>, ReturnType<typeof err>]> = [
    [{ dilation: 0 }, err(RangeError, /BAM option dilation must be a positive integer, got number 0/)],
    [{ dilatedConvs: -1 }, err(RangeError, /BAM option dilatedConvs must be an integer from 0 to 12, got -1/)],
    [{ dilatedConvs: 1.5 }, err(RangeError, /dilatedConvs must be an integer from 0 to 12/)],
    [{ dilatedConvs: 13 }, err(RangeError, /dilatedConvs must be an integer from 0 to 12, got 13/)],
    [{ combine: "max" }, err(RangeError, /BAM option combine must be one of 'mul', 'add', got string max/)],
    [{ reducedChannels: 0 }, err(RangeError, /option reducedChannels must be a positive integer/)],
    [{ bias: false }, err(TypeError, /BAM has no option 'bias'/)],
  ];
  for (const [change, expectation] of bad) await t.throwsAsync(createBAM({ ...o, ...change } as never, g.weights), expectation, JSON.stringify(change));
  await t.throwsAsync(createBAM({ ...o, dilatedConvs: 1 } as never, g.weights), err(Error, /does not use weight 'spatial\.dilated(_bn)?\.1\./));
  await t.throwsAsync(createBAM({ ...o, dilatedConvs: 3 } as never, g.weights), err(Error, /weight 'spatial\.dilated\.2\.weight' \[3, 3, 3, 3\] is missing/));
});

test("SEResBlock and CBAMBasicBlock: bad options", async (t) => {
  const r = readGolden("se_resblock", "reduction_3_c10.safetensors");
  await t.throwsAsync(createSEResBlock({ ...r.options, bias: false } as never, r.weights), err(TypeError, /SEResBlock has no option 'bias'; its options are channels, reduction, reducedChannels/));
  await t.throwsAsync(createSEResBlock({ ...r.options, reduction: -2 } as never, r.weights), err(RangeError, /SEResBlock option reduction must be a positive integer/));

  const b = readGolden("cbam_basicblock", "stride2_downsample.safetensors");
  const o = b.options;
  const bad: Array<[Record<string, unknown>, ReturnType<typeof err>]> = [
    [{ downsample: false }, err(RangeError, /CBAMBasicBlock option downsample cannot be false when the shape changes \(stride 2, 6 → 20 channels\)/)],
    [{ stride: 0 }, err(RangeError, /option stride must be a positive integer, got number 0/)],
    [{ inChannels: 2.5 }, err(RangeError, /option inChannels must be a positive integer/)],
    [{ downsample: "yes" }, err(TypeError, /option downsample must be true or false/)],
    [{ cbam: { channels: 20 } }, err(TypeError, /CBAMBasicBlock cbam has no option 'channels'/)],
    [{ cbam: { pools: ["lp", "lp"] } }, err(RangeError, /CBAMBasicBlock cbam option pools lists 'lp' twice/)],
    [{ cbam: 7 }, err(TypeError, /CBAMBasicBlock cbam options must be an object, got number 7/)],
    [{ groups: 2 }, err(TypeError, /CBAMBasicBlock has no option 'groups'/)],
  ];
  for (const [change, expectation] of bad) await t.throwsAsync(createCBAMBasicBlock({ ...o, ...change } as never, b.weights), expectation, JSON.stringify(change));
  // the same channels without a stride: no downsample by default, so its keys are extra
  const identity = readGolden("cbam_basicblock", "identity.safetensors");
  await t.throwsAsync(createCBAMBasicBlock(identity.options as never, { ...identity.weights, "downsample.0.weight": new Float32Array(400) }), err(Error, /does not use weight 'downsample\.0\.weight'/));
});

test("CBAMBasicBlock: takes inChannels, gives [N, C, ⌊(H−1)/s⌋+1, ⌊(W−1)/s⌋+1]", async (t) => {
  const g = readGolden("cbam_basicblock", "stride3_downsample.safetensors");
  const block = await createCBAMBasicBlock(g.options as never, g.weights);
  t.is(block.inChannels, 10);
  t.is(block.channels, 6);
  t.deepEqual(block.outputDims([2, 10, 11, 13]), [2, 6, 4, 5]);
  t.deepEqual(block.outputDims([1, 10, 1, 3]), [1, 6, 1, 1]);
  t.throws(() => block.run(new Float32Array(6 * 11 * 13), [1, 6, 11, 13]), err(RangeError, /built for 10 channels, but dims \[1, 6, 11, 13\] \(NCHW\) has C = 6/));
});

test("CBAMBasicBlock: an output larger than memory allows is refused before anything runs", async (t) => {
  const g = readGolden("cbam_basicblock", "stride1_inchannels.safetensors"); // 6 → 10 channels, stride 1
  const block = await createCBAMBasicBlock(g.options as never, g.weights);
  const expected = block.run(g.x, g.dims);
  // an input of 6·6000² (under 2^28) floats whose output would be 10·6000² floats (over the limit)
  t.throws(() => block.outputDims([1, 6, 6000, 6000]), err(RangeError, /CBAMBasicBlock output \[1, 10, 6000, 6000\] for dims \[1, 6, 6000, 6000\] has more than \d+ elements/));
  t.throws(() => block.io([1, 6, 6000, 6000]), err(RangeError, /has more than \d+ elements/));
  t.deepEqual(block.run(g.x, g.dims), expected, "the block still works");
});

test("a working memory beyond 4 GiB is refused before anything is written (sizes past 4 GiB do not wrap)", async (t) => {
  // BAM with R = 1024 for C = 6: its two [N, R, H, W] buffers take 2 · 4 GiB at 1024 × 1024
  const c = 6, r = 1024;
  const rnd = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + seed) * 0.5);
  const bn = (p: string) => ({ [`${p}weight`]: rnd(r, 1), [`${p}bias`]: rnd(r, 2), [`${p}running_mean`]: rnd(r, 3), [`${p}running_var`]: rnd(r, 4).map((v) => v + 1) });
  const weights = {
    "channel.fc1.weight": rnd(r * c, 5), "channel.fc1.bias": rnd(r, 6), ...bn("channel.bn."), "channel.fc2.weight": rnd(c * r, 7), "channel.fc2.bias": rnd(c, 8),
    "spatial.reduce.weight": rnd(r * c, 9), "spatial.reduce.bias": rnd(r, 10), ...bn("spatial.reduce_bn."), "spatial.final.weight": rnd(r, 11), "spatial.final.bias": rnd(1, 12),
  };
  const block = await createBAM({ channels: c, reducedChannels: r, dilatedConvs: 0 }, weights);
  const small = rnd(2 * c * 5 * 7, 13);
  const expected = block.run(small, [2, c, 5, 7]);
  const dims = [1, c, 1024, 1024];
  const x = new Float32Array(c * 1024 * 1024).fill(0.5);
  const out = new Float32Array(x.length).fill(7);
  t.throws(() => block.run(x, dims, out), err(RangeError, /BAM on dims \[1, 6, 1024, 1024\] needs \d+ bytes of working memory, more than WebAssembly's 4 GiB/));
  t.true(out.every((v) => v === 7), "out untouched");
  t.throws(() => block.io(dims), err(RangeError, /needs \d+ bytes of working memory/), "io plans (and reserves) its scratch when it is made");
  t.deepEqual(block.run(small, [2, c, 5, 7]), expected, "the block still works");
});

test("CBAM: a NaN in a plane makes its max pool NaN, as torch.amax (so the whole image's channel gate)", async (t) => {
  const g = readGolden("cbam", "spatial_false.safetensors");
  const [n, c, h, w] = g.dims;
  t.true(n > 1);
  const block = await createCBAM({ ...g.options, pools: ["max"] } as never, g.weights);
  const x = g.x.slice();
  x[3] = NaN; // image 0, channel 0
  const y = block.run(x, g.dims);
  const image = c * h * w;
  t.true(y.subarray(0, image).every(Number.isNaN), "image 0 all NaN");
  t.true(y.subarray(image).every(Number.isFinite), "the other images unaffected");
});
