// One convolution through the staged entry f32_conv2d_nchw_plan/run against the double-precision
// reference (conv-reference.ts): weights packed by f32_conv2d_pack, outputs prefilled with a NaN
// pattern and followed by a guard zone, and the call run twice, whole and with its stages split
// at arbitrary item boundaries (which must give the same bytes).

import type { ExecutionContext } from "ava";
import { CallRecord } from "../../dist/call.js";
import { convRecord } from "../../dist/conv-params.js";
import { sharedHeap } from "../../dist/memory.js";
import { ParamRecord } from "../../dist/params.js";
import { type Conv, referenceConv2d } from "./conv-reference.js";
import { splitStages } from "./stages.js";
import { Arena, values, wasm } from "./wasm.js";

const heap = await sharedHeap();

/** `spec` on an input that is channels [offset, offset + cin) of a tensor of `xChannels` channels (default: all of it). */
export function checkConv(t: ExecutionContext, spec: Conv & { xChannels?: number; offset?: number }): void {
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
  const scale = values(c.cin, 11), shift = values(c.cin, 13);
  const ref = referenceConv2d(c, x, wt, bias, scale, shift);
  const a = new Arena();
  const call = new CallRecord(heap, { plan: wasm.f32_conv2d_nchw_plan, run: wasm.f32_conv2d_nchw_run });
  let record: ParamRecord | undefined;
  try {
    const xp = a.put(full), wRaw = a.put(wt), wp = a.fresh(wt.length);
    wasm.f32_conv2d_pack(wRaw, c.cout, kdim, c.groups, wp);
    t.deepEqual(a.unwritten(wp, wt.length), [], `${what}: packed weights fully written`);
    t.true(a.guardIntact(wp, wt.length), `${what}: the pack wrote past its end`);
    const at: Record<string, number> = { w: wp, b: bias ? a.put(bias) : 0, s: c.pre ? a.put(scale) : 0, t: c.pre ? a.put(shift) : 0 };
    record = new ParamRecord(heap, convRecord({
      cin: c.cin, cout: c.cout, kh: c.kh, kw: c.kw, stride: [c.sh, c.sw], padding: [c.ph, c.pw], dilation: [c.dh, c.dw], groups: c.groups,
      epilogue: c.relu ? 1 : 0, weight: "w", bias: bias ? "b" : undefined, preScale: c.pre ? "s" : undefined, preShift: c.pre ? "t" : undefined, inputChannels: xChannels,
    }, { ptr: (key) => at[key] }));
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
