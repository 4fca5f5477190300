// The F(4×4, 3×3) Winograd convolution (assembly/kernels/f32-conv3x3-winograd.ts,
// f32-winograd-gemm.ts, f32-winograd-f43.ts): the weight transform, every output against a
// double-precision reference at the edges of its tiles, groups, blocks and work items, the same
// bytes whatever the split of its stages, the selection rule of bindings/conv-params.ts, and
// every golden of the blocks with a 3×3 convolution run with Winograd wherever it can be.
// Serial: the Winograd policy is module state of the bindings, read as blocks are created.

import test, { type ExecutionContext } from "ava";
import { blocks, kernels } from "../dist/index.js";
import { type Conv, setWinogradPolicy, usesWinograd } from "../dist/conv-params.js";
import { EPILOGUE_NONE, EPILOGUE_RELU, EPILOGUE_SIGMOID } from "../dist/constants.js";
import { runConv } from "./helpers/conv-check.js";
import { referenceConv2d } from "./helpers/conv-reference.js";
import { assertGolden, goldenAsNhwc, readGolden, runGolden } from "./helpers/golden.js";
import { randomSplit } from "./helpers/staged.js";
import { exactPassPoisons, finiteGoldens, WINOGRAD_BLOCKS } from "./helpers/winograd-goldens.js";
import { Arena, values, wasm } from "./helpers/wasm.js";

await kernels.ready();

/** Where |winograd − float64| must lie: a float32 Winograd convolution's error is a few 1e-7 of Σ|w·x| (measured ≤ 5.2e-7 up to 512 channels). */
const tolerance = (mag: number) => 1e-6 + 4e-6 * mag;

interface Case {
  n: number; cin: number; cout: number; h: number; w: number;
  bias?: boolean; epilogue?: number; pre?: boolean;
  /** Dilation and padding (default 1). */
  d?: number;
}

const conv3x3 = (c: Case): Conv => ({ cin: c.cin, cout: c.cout, kh: 3, kw: 3, padding: [c.d ?? 1, c.d ?? 1], dilation: c.d ?? 1, epilogue: c.epilogue ?? EPILOGUE_NONE, weight: "weight" });

/** Inputs in [−2, 2), weights scaled by 1/√(9·cin), bias, and the input transform's scale and shift. */
function inputsOf(c: Case) {
  const x = values(c.n * c.cin * c.h * c.w, c.h * 31 + c.w + c.cin);
  const weight = values(c.cout * c.cin * 9, c.cin * 7 + c.cout).map((v) => v / Math.sqrt(9 * c.cin));
  return {
    x, dims: [c.n, c.cin, c.h, c.w] as const, weight,
    bias: c.bias ? values(c.cout, 3) : undefined,
    scale: c.pre ? values(c.cin, 11) : undefined, shift: c.pre ? values(c.cin, 13) : undefined,
  };
}

function reference(c: Case, inputs: ReturnType<typeof inputsOf>) {
  const d = c.d ?? 1;
  const spec = { n: c.n, cin: c.cin, h: c.h, w: c.w, cout: c.cout, kh: 3, kw: 3, sh: 1, sw: 1, dh: d, dw: d, ph: d, pw: d, groups: 1, bias: !!c.bias, relu: c.epilogue === EPILOGUE_RELU, pre: !!c.pre };
  const ref = referenceConv2d(spec, inputs.x, inputs.weight, inputs.bias ?? null, inputs.scale, inputs.shift);
  if (c.epilogue === EPILOGUE_SIGMOID) ref.y.forEach((v, i) => (ref.y[i] = 1 / (1 + Math.exp(-v))));
  return ref;
}

/** runConv of case c (Winograd) against float64: fully written, no write past any buffer, within tolerance. */
function check(t: ExecutionContext, c: Case): void {
  const what = JSON.stringify(c);
  const conv = conv3x3(c);
  t.true(usesWinograd(conv, false), `${what}: runs as Winograd`);
  const inputs = inputsOf(c);
  const run = runConv(conv, inputs);
  t.is(run.packedUnwritten, 0, `${what}: transformed weights fully written`);
  t.deepEqual(run.unwritten, [], `${what}: outputs left unwritten`);
  t.true(run.guardsIntact, `${what}: wrote past the output, the scratch or the weights`);
  const ref = reference(c, inputs);
  const bad = run.y.findIndex((v, i) => !(Math.abs(v - ref.y[i]) <= tolerance(ref.mag[i])));
  t.is(bad, -1, `${what}: element ${bad} is ${run.y[bad]}, expected ${ref.y[bad]} (Σ|w·x| ${ref.mag[bad]})`);
}

test.before(() => {
  setWinogradPolicy("always");
});

test.serial("the weight transform: U = G·g·Gᵀ in float64 rounded once, as [36][⌈cout/4⌉][cin][4], zeros past cout", (t) => {
  const G = [[64 / 81, 0, 0], [-128 / 243, -32 / 81, -8 / 27], [-128 / 243, 32 / 81, -8 / 27], [32 / 243, 16 / 81, 8 / 27], [32 / 243, -16 / 81, 8 / 27], [0, 0, 1]];
  for (const [cin, cout] of [[1, 1], [3, 5], [2, 8], [5, 9]]) {
    const a = new Arena();
    try {
      const w = values(cout * cin * 9, cin + 10 * cout);
      const blocks4 = Math.ceil(cout / 4), length = 36 * blocks4 * 4 * cin;
      const packed = a.fresh(length);
      wasm.f32_winograd_f43_pack(a.put(w), cin, cout, packed);
      t.deepEqual(a.unwritten(packed, length), [], `cin ${cin} cout ${cout}: fully written`);
      t.true(a.guardIntact(packed, length), `cin ${cin} cout ${cout}: nothing past the end`);
      const got = a.read(packed, length);
      let worst = 0;
      for (let co = 0; co < blocks4 * 4; co++) {
        for (let ci = 0; ci < cin; ci++) {
          for (let i = 0; i < 6; i++) {
            for (let j = 0; j < 6; j++) {
              let u = 0;
              if (co < cout) for (let k = 0; k < 3; k++) for (let l = 0; l < 3; l++) u += G[i][k] * w[((co * cin + ci) * 3 + k) * 3 + l] * G[j][l];
              const at = (i * 6 + j) * blocks4 * 4 * cin + (Math.floor(co / 4) * cin + ci) * 4 + (co % 4);
              worst = Math.max(worst, Math.abs(got[at] - u) / Math.max(Math.abs(u), 1e-30));
              if (co >= cout && got[at] !== 0) t.fail(`channel ${co} past cout is ${got[at]}`);
            }
          }
        }
      }
      t.true(worst <= 2 ** -24, `cin ${cin} cout ${cout}: U rounded once from float64 (worst relative error ${worst})`);
    } finally {
      a.free();
    }
  }
});

test.serial("images smaller than one tile, and every size around the 4-pixel tile", (t) => {
  for (const [h, w] of [[1, 1], [2, 3], [3, 2], [1, 7], [4, 4], [5, 5], [7, 9], [8, 8], [9, 12], [13, 6]]) check(t, { n: 1, cin: 3, cout: 5, h, w, bias: true });
});

test.serial("output channels 1..9 (around the 4-channel block), input channels not a multiple of 4, N 1 and 3", (t) => {
  for (let cout = 1; cout <= 9; cout++) check(t, { n: cout % 2 ? 3 : 1, cin: 6, cout, h: 7, w: 5, bias: true });
  for (const cin of [1, 2, 5, 7]) check(t, { n: 3, cin, cout: 4, h: 5, w: 9 });
});

test.serial("tile counts around the groups of 4, the blocks of 8 and the bands of 32 tiles", (t) => {
  // tiles: 4·4 = 16, 5·3 = 15, 6·3 = 18, 3·3 = 9, 7·7 = 49 (2 bands), 9·9 = 81
  for (const [h, w] of [[16, 16], [17, 12], [21, 10], [9, 9], [25, 28], [33, 36]]) check(t, { n: 1, cin: 4, cout: 3, h, w });
});

test.serial("input channels around the blocks of 16 of the sum, and enough for several tile chunks per position", (t) => {
  for (const cin of [15, 16, 17, 33]) check(t, { n: 1, cin, cout: 5, h: 9, w: 7, bias: true });
  // 64 KB of V per work item: 24 tiles of 600 channels, so 36 tiles are 2 chunks (and a block of 4 at the end)
  check(t, { n: 2, cin: 600, cout: 3, h: 24, w: 24 });
});

test.serial("the epilogues (bias + ReLU, bias + sigmoid) and the input transform relu(x·scale + shift) before the zero padding", (t) => {
  for (const epilogue of [EPILOGUE_RELU, EPILOGUE_SIGMOID]) check(t, { n: 3, cin: 5, cout: 6, h: 9, w: 7, bias: true, epilogue });
  check(t, { n: 1, cin: 6, cout: 7, h: 6, w: 11, pre: true });
  check(t, { n: 3, cin: 17, cout: 9, h: 13, w: 5, pre: true, bias: true, epilogue: EPILOGUE_RELU });
});

test.serial("dilation 4 and 8 (padding = dilation, BAM's): lanes are 4 interleaved sub-images, at every size around the sub-images' tiles", (t) => {
  for (const [h, w] of [[1, 1], [2, 3], [5, 3], [4, 4], [9, 7], [16, 16], [17, 23], [29, 37]]) check(t, { n: 1, cin: 3, cout: 5, h, w, d: 4, bias: true });
  check(t, { n: 3, cin: 6, cout: 9, h: 13, w: 11, d: 4, pre: true, epilogue: EPILOGUE_RELU });
  check(t, { n: 1, cin: 5, cout: 2, h: 31, w: 20, d: 8, bias: true, epilogue: EPILOGUE_SIGMOID });
});

test.serial("Winograd and the direct convolution (kernels.conv2d) agree on random shapes within the float64 reference's Σ|w·x|", (t) => {
  let seed = 12345;
  const rand = (k: number) => { seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0; return 1 + (seed % k); };
  for (let i = 0; i < 24; i++) {
    const c: Case = { n: rand(3), cin: rand(40), cout: rand(12), h: rand(30), w: rand(30), bias: i % 2 === 0 };
    const inputs = inputsOf(c);
    const params = { weight: inputs.weight, weightShape: [c.cout, c.cin, 3, 3] as [number, number, number, number], bias: inputs.bias, padding: 1 };
    setWinogradPolicy("never");
    const direct = kernels.conv2d(inputs.x, inputs.dims, params);
    setWinogradPolicy("always");
    const winograd = kernels.conv2d(inputs.x, inputs.dims, params);
    const ref = reference(c, inputs);
    const bad = winograd.findIndex((v, k) => !(Math.abs(v - direct[k]) <= 2 * tolerance(ref.mag[k])));
    t.is(bad, -1, `${JSON.stringify(c)}: element ${bad} is ${winograd[bad]} with Winograd, ${direct[bad]} direct`);
  }
});

test.serial("every stage split at arbitrary item boundaries gives the same bytes", (t) => {
  for (const c of [
    { n: 3, cin: 5, cout: 6, h: 9, w: 13, bias: true, pre: true }, { n: 1, cin: 40, cout: 9, h: 21, w: 17 }, { n: 2, cin: 600, cout: 5, h: 24, w: 24 },
    { n: 2, cin: 7, cout: 5, h: 23, w: 19, d: 4 },
  ] as Case[]) {
    const inputs = inputsOf(c);
    const whole = runConv(conv3x3(c), inputs);
    t.is(whole.extents.length, 3, "input transform, product, output transform");
    for (let trial = 0; trial < 4; trial++) {
      const split = runConv(conv3x3(c), inputs, randomSplit(99 + trial, 1 + trial));
      t.deepEqual(split.unwritten, [], `${JSON.stringify(c)}: outputs left unwritten`);
      t.deepEqual(new Uint32Array(split.y.buffer), new Uint32Array(whole.y.buffer), `${JSON.stringify(c)}: split ${trial} differs`);
    }
  }
});

test.serial("the rule: 3×3, stride 1, padding = dilation (1 or a multiple of 4), one group, 16 channels or more; kernels.conv2d keeps the direct path", (t) => {
  setWinogradPolicy("auto");
  const base: Conv = { cin: 16, cout: 16, kh: 3, kw: 3, padding: [1, 1], weight: "w" };
  t.true(usesWinograd(base, false));
  t.true(usesWinograd({ ...base, dilation: 4, padding: [4, 4] }, false), "BAM's dilation 4");
  for (const [what, c] of [
    ["8 input channels", { ...base, cin: 8 }], ["8 output channels", { ...base, cout: 8 }], ["stride 2", { ...base, stride: 2 }],
    ["dilation 2", { ...base, dilation: 2, padding: [2, 2] }], ["dilation 4, padding 1", { ...base, dilation: 4 }], ["dilation [4, 8]", { ...base, dilation: [4, 8], padding: [4, 8] }],
    ["padding 0", { ...base, padding: [0, 0] }], ["2 groups", { ...base, groups: 2 }],
    ["5×5", { ...base, kh: 5, kw: 5, padding: [2, 2] }], ["exactNonFinite", { ...base, exactNonFinite: true }],
  ] as [string, Conv][]) t.false(usesWinograd(c, false), what);
  t.false(usesWinograd(base, true), "on the exact pass");
  setWinogradPolicy("always");
  t.true(usesWinograd({ ...base, cin: 1, cout: 1, exactNonFinite: true }, false), "always: every convolution that fits");
  t.false(usesWinograd({ ...base, stride: 2 }, false), "always: but only those");
  t.false(usesWinograd(base, true), "always: but none on the exact pass");
  setWinogradPolicy("never");
  t.false(usesWinograd(base, false));
  setWinogradPolicy("always");
});

test.serial("a NaN in kernels.conv2d's input stays in its 3×3 window, as PyTorch, and with Winograd too (its tiles found NaN recomputed by the direct sum)", (t) => {
  const n = 1, c = 32, h = 12, w = 12;
  const x = values(n * c * h * w, 1);
  x[5 * w + 5] = NaN;
  const params = { weight: values(c * c * 9, 2), weightShape: [c, c, 3, 3] as [number, number, number, number], padding: 1 };
  const nanAt = (y: Float32Array) => [...y.subarray(0, h * w)].flatMap((v, i) => (Number.isNaN(v) ? [i] : []));
  setWinogradPolicy("auto");
  const window = [4, 5, 6].flatMap((r) => [4, 5, 6].map((col) => r * w + col));
  t.deepEqual(nanAt(kernels.conv2d(x, [n, c, h, w], params)), window);
  setWinogradPolicy("always");
  t.deepEqual(nanAt(kernels.conv2d(x, [n, c, h, w], params)), window, "Winograd");
});

test.serial("Winograd's tiles with a NaN, ±Inf or an overflow near 3e38 (before the epilogue) take PyTorch's direct sum, in both tilings", (t) => {
  for (const d of [1, 4]) {
    for (const epilogue of [EPILOGUE_NONE, EPILOGUE_RELU, EPILOGUE_SIGMOID]) {
      const c: Case = { n: 2, cin: 5, cout: 6, h: 13, w: 11, d, bias: true, epilogue };
      const inputs = inputsOf(c);
      const plane = c.h * c.w;
      // image 0: a NaN, +Inf and −Inf in channel 1; image 1: 3e38 and −3e38, finite sums in PyTorch
      [[1 * plane + 2 * c.w + 3, NaN], [1 * plane + 9 * c.w + 8, Infinity], [1 * plane + 12 * c.w + 0, -Infinity],
        [(c.cin + 2) * plane + 6 * c.w + 5, 3e38], [(c.cin + 4) * plane + 0 * c.w + 10, -3e38]].forEach(([i, v]) => (inputs.x[i] = v));
      const run = runConv(conv3x3(c), inputs);
      const ref = reference(c, inputs);
      const what = `dilation ${d}, epilogue ${epilogue}`;
      t.deepEqual(run.unwritten, [], what);
      t.true(ref.y.some((v) => Number.isNaN(v)) && ref.mag.some((m, i) => i >= c.cout * plane && m > 1e36 && m < Infinity), `${what}: the poison reaches the outputs`);
      const bad = run.y.findIndex((v, i) => (Number.isFinite(ref.y[i]) ? !(Math.abs(v - ref.y[i]) <= tolerance(ref.mag[i])) : !Object.is(v, ref.y[i]) && !(Number.isNaN(v) && Number.isNaN(ref.y[i]))));
      t.is(bad, -1, `${what}: element ${bad} is ${run.y[bad]}, expected ${ref.y[bad]}`);
    }
  }
});

test.serial("256 and 512 input channels (Kaiming weights): within SPEC §5's 1e-5 + 1e-4·|y| with margin", (t) => {
  for (const c of [{ n: 1, cin: 256, cout: 8, h: 10, w: 9 }, { n: 1, cin: 512, cout: 4, h: 7, w: 6, bias: true }] as Case[]) {
    const inputs = inputsOf(c);
    const run = runConv(conv3x3(c), inputs);
    const ref = reference(c, inputs);
    const worst = run.y.reduce((m, v, i) => Math.max(m, Math.abs(v - ref.y[i]) / (1e-5 + 1e-4 * Math.abs(ref.y[i]))), 0);
    t.log(`cin ${c.cin}: ${(worst * 100).toFixed(1)}% of SPEC §5's tolerance`);
    t.true(worst <= 0.5, `cin ${c.cin}: ${worst} of the tolerance`);
  }
});

// Every block of the registry in each of its layouts, with Winograd on every 3×3 convolution
// that fits: those with one (WINOGRAD_BLOCKS; SK's paths read a slice of the input's channels with
// split input, split attention's plane sums then take their own stage) give other bytes than the
// direct convolution on some golden, the others the same bytes on all.
const bytesOf = (y: Float32Array) => new Uint32Array(y.buffer, y.byteOffset, y.length);
for (const { folder, create, layouts } of blocks) {
  test.serial(`${folder}: every golden with Winograd wherever it fits, within SPEC §5`, async (t) => {
    let changed = 0;
    for (const file of finiteGoldens(folder)) {
      for (const layout of layouts) {
        const nchw = readGolden(folder, file);
        const g = layout === "nhwc" ? goldenAsNhwc(nchw) : nchw;
        const outputs: Uint32Array[] = [];
        for (const policy of ["never", "always"] as const) {
          setWinogradPolicy(policy);
          const b = await create(g.options as never, g.weights);
          outputs.push(bytesOf(runGolden(b, g)));
          b.dispose();
        }
        assertGolden(t, g, new Float32Array(outputs[1].buffer, outputs[1].byteOffset, outputs[1].length), `${folder}/${file} (${layout})`);
        if (outputs[0].some((v, i) => v !== outputs[1][i])) changed++;
      }
    }
    if (WINOGRAD_BLOCKS.includes(folder)) t.true(changed > 0, `${folder}: no golden took Winograd`);
    else t.is(changed, 0, `${folder} has no 3×3 convolution that fits, yet ${changed} goldens changed`);
    t.log(`${changed} golden runs took Winograd`);
    setWinogradPolicy("always");
  });
}

// A conv on the exact pass is never Winograd, whatever the policy; the others are, among them
// one sharing its regions (SEResBlock's conv2 with conv1, BAM's second dilated conv with the first).
test.serial("the poison goldens of a conv on the exact pass, Winograd on every other conv that fits: PyTorch's NaN and ±Inf", async (t) => {
  setWinogradPolicy("always");
  let checked = 0;
  for (const { folder, create, layouts } of blocks.filter((b) => WINOGRAD_BLOCKS.includes(b.folder))) {
    for (const file of exactPassPoisons(folder)) {
      for (const layout of layouts) {
        const nchw = readGolden(folder, file);
        const g = layout === "nhwc" ? goldenAsNhwc(nchw) : nchw;
        const b = await create(g.options as never, g.weights);
        assertGolden(t, g, runGolden(b, g), `${folder}/${file} (${layout})`);
        b.dispose();
        checked++;
      }
    }
  }
  t.true(checked >= 30, `only ${checked} poison goldens`);
  t.log(`${checked} poison golden runs`);
});
