// The k×k convolution's channel blocks of 4, 2 and 1 (f32-conv2d.ts), through the staged entry
// f32_conv2d_nchw_plan/run, against a double-precision reference: grouped convolutions with 1 to
// 10 output channels per group (the blocks of 2 pair output rows; a row left alone, in an odd
// band or a pointwise segment, goes 16 pixels per tile), widths below, at and above the 4-, 8-
// and 16-pixel tiles, heights around the 4-row bands, dilation 1 and 2, stride 2, pointwise
// planes longer than a 1024-pixel segment, and an input read from a slice of a wider tensor
// (xChannels). Outputs are prefilled with a NaN pattern and followed by a guard zone; each
// call is also run with its stages split at arbitrary item boundaries, which must give the
// same bytes.

import test, { type ExecutionContext } from "ava";
import { CallRecord } from "../dist/call.js";
import { convRecord } from "../dist/conv-params.js";
import { sharedHeap } from "../dist/memory.js";
import { ParamRecord } from "../dist/params.js";
import { type Conv, referenceConv2d } from "./helpers/conv-reference.js";
import { splitStages } from "./helpers/stages.js";
import { Arena, values, wasm } from "./helpers/wasm.js";

const heap = await sharedHeap();

/** `spec` on an input that is channels [offset, offset + cin) of a tensor of `xChannels` channels. */
function check(t: ExecutionContext, spec: Conv & { xChannels?: number; offset?: number }): void {
  const c: Required<Conv> = { sh: 1, sw: 1, dh: 1, dw: 1, ph: 0, pw: 0, groups: 1, bias: false, relu: false, pre: false, ...spec };
  const xChannels = spec.xChannels ?? c.cin, offset = spec.offset ?? 0;
  const what = JSON.stringify(spec);
  const kdim = (c.cin / c.groups) * c.kh * c.kw;
  const full = values(c.n * xChannels * c.h * c.w, c.h * 31 + c.w + c.groups);
  const plane = c.h * c.w;
  const x = new Float32Array(c.n * c.cin * plane);
  for (let i = 0; i < c.n; i++) x.set(full.subarray((i * xChannels + offset) * plane, (i * xChannels + offset + c.cin) * plane), i * c.cin * plane);
  const wt = values(c.cout * kdim, kdim + c.cout).map((v) => v / Math.sqrt(kdim));
  const bias = c.bias ? values(c.cout, 7) : null;
  const ref = referenceConv2d(c, x, wt, bias);
  const a = new Arena();
  const call = new CallRecord(heap, { plan: wasm.f32_conv2d_nchw_plan, run: wasm.f32_conv2d_nchw_run });
  let record: ParamRecord | undefined;
  try {
    const xp = a.put(full), wRaw = a.put(wt), wp = a.fresh(wt.length);
    wasm.f32_conv2d_pack(wRaw, c.cout, kdim, c.groups, wp);
    t.deepEqual(a.unwritten(wp, wt.length), [], `${what}: packed weights fully written`);
    t.true(a.guardIntact(wp, wt.length), `${what}: the pack wrote past its end`);
    const bp = bias ? a.put(bias) : 0;
    record = new ParamRecord(heap, convRecord({
      cin: c.cin, cout: c.cout, kh: c.kh, kw: c.kw, stride: [c.sh, c.sw], padding: [c.ph, c.pw], dilation: [c.dh, c.dw], groups: c.groups,
      epilogue: c.relu ? 1 : 0, weight: "w", bias: bias ? "b" : undefined, inputChannels: xChannels,
    }, { ptr: (key) => (key === "w" ? wp : bp) }));
    const outputs = [false, true].map((split) => {
      const yp = a.fresh(ref.y.length);
      const restore = split ? splitStages(call, c.w * 13 + c.h) : () => {};
      try {
        call.run(call.plan(record!.ptr, { x: xp + offset * plane * 4, y: yp, n: c.n, c: xChannels, h: c.h, w: c.w }, "conv", [c.n, c.cin, c.h, c.w]));
      } finally {
        restore();
      }
      t.deepEqual(a.unwritten(yp, ref.y.length), [], `${what}: unwritten outputs`);
      t.true(a.guardIntact(yp, ref.y.length), `${what}: wrote past the output`);
      return a.read(yp, ref.y.length);
    });
    const got = outputs[0];
    let bad = -1;
    for (let i = 0; i < got.length && bad < 0; i++) {
      // float32 accumulation of K terms: within a few K·2^-24 of Σ|w·x|
      if (!(Math.abs(got[i] - ref.y[i]) <= 1e-6 + 2e-5 * ref.mag[i])) bad = i;
    }
    t.is(bad, -1, `${what}: element ${bad} is ${got[bad]}, expected ${ref.y[bad]}`);
    t.deepEqual(new Uint32Array(outputs[1].buffer), new Uint32Array(got.buffer), `${what}: split stages give the same bytes`);
  } finally {
    record?.free();
    call.free();
    a.free();
  }
}

test("output channels per group 1 to 10: blocks of 4, 2 and 1", (t) => {
  for (const coutG of [1, 2, 3, 4, 5, 6, 7, 8, 10]) {
    for (const cinG of [1, 2, 3]) check(t, { n: 2, cin: 3 * cinG, h: 9, w: 11, cout: 3 * coutG, kh: 3, kw: 3, ph: 1, pw: 1, groups: 3, bias: true, relu: true });
  }
});

test("blocks of 2: widths around the 4-, 8- and 16-pixel tiles, heights around the 4-row bands", (t) => {
  for (const w of [1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 23, 24, 28, 33]) check(t, { n: 1, cin: 4, h: 5, w, cout: 4, kh: 3, kw: 3, ph: 1, pw: 1, groups: 2 });
  for (const h of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]) check(t, { n: 1, cin: 6, h, w: 10, cout: 6, kh: 3, kw: 3, ph: 1, pw: 1, groups: 3, bias: true });
});

test("SK's and ResNeSt's grouped 3×3: dilation 1 and 2, stride 2", (t) => {
  for (const d of [1, 2]) {
    check(t, { n: 1, cin: 64, h: 13, w: 14, cout: 64, kh: 3, kw: 3, dh: d, dw: d, ph: d, pw: d, groups: 32, bias: true, relu: true });
    check(t, { n: 1, cin: 128, h: 7, w: 9, cout: 128, kh: 3, kw: 3, dh: d, dw: d, ph: d, pw: d, groups: 32, bias: true, relu: true });
    check(t, { n: 2, cin: 64, h: 11, w: 9, cout: 64, kh: 3, kw: 3, sh: 2, sw: 2, dh: d, dw: d, ph: d, pw: d, groups: 32, relu: true });
  }
  check(t, { n: 1, cin: 32, h: 9, w: 10, cout: 64, kh: 3, kw: 3, ph: 1, pw: 1, groups: 2, bias: true, relu: true });
  check(t, { n: 1, cin: 12, h: 7, w: 6, cout: 10, kh: 5, kw: 5, ph: 2, pw: 2, groups: 2 });
});

test("pointwise grouped convolutions read in place, over planes of several 1024-pixel segments", (t) => {
  check(t, { n: 2, cin: 6, h: 50, w: 50, cout: 6, kh: 1, kw: 1, groups: 3, bias: true });
  check(t, { n: 1, cin: 4, h: 40, w: 30, cout: 6, kh: 1, kw: 1, groups: 2 });
  check(t, { n: 1, cin: 4, h: 7, w: 5, cout: 4, kh: 1, kw: 1, groups: 2, relu: true });
});

test("an input that is a slice of a wider tensor's channels (xChannels)", (t) => {
  check(t, { n: 3, cin: 4, h: 7, w: 5, cout: 6, kh: 3, kw: 3, ph: 1, pw: 1, groups: 2, xChannels: 12, offset: 4, bias: true });
  check(t, { n: 3, cin: 6, h: 7, w: 5, cout: 4, kh: 1, kw: 1, groups: 2, xChannels: 12, offset: 6 });
  check(t, { n: 2, cin: 6, h: 9, w: 7, cout: 6, kh: 3, kw: 3, sh: 2, sw: 2, ph: 2, pw: 2, dh: 2, dw: 2, groups: 3, xChannels: 18, offset: 12, relu: true });
});
