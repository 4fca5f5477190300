// One convolution as a staged call (helpers/staged.ts StagedCall, through f32_conv2d_nchw_plan /
// _run): weights packed by the bindings' packConv (f32_conv2d_pack, or Winograd's transform where
// usesWinograd), the record written by convRecord, every buffer an Arena's (prefilled with the
// "unwritten" NaN pattern, a guard zone after). checkConv checks the direct convolution against
// the double-precision reference (conv-reference.ts), runConv runs it once for the Winograd tests.

import type { ExecutionContext } from "ava";
import { type Conv as BindingsConv, convRecord, exactWeightKey, packConv, packedFloats, packedKey, usesWinograd } from "../../dist/conv-params.js";
import { EPILOGUE_NONE, EPILOGUE_RELU, EPILOGUE_SIGMOID } from "../../dist/constants.js";
import { Heap } from "../../dist/memory.js";
import { ParamRecord } from "../../dist/params.js";
import { assertClose } from "./close.js";
import { type Conv, outSize, referenceConv2d } from "./conv-reference.js";
import { checkSplits, randomSplit, type Split, SPLITS, StagedCall, type Tensor, WHOLE } from "./staged.js";
import { Arena, values, wasm, withArena, written } from "./wasm.js";

const heap = new Heap(wasm);

export interface ConvInputs {
  /** n images of xChannels channels (dims); the convolution reads c.cin of them from channel `offset`. */
  readonly x: Float32Array;
  readonly dims: readonly [n: number, xChannels: number, h: number, w: number];
  readonly offset?: number;
  /** PyTorch's [cout, cin/groups, kh, kw]. */
  readonly weight: Float32Array;
  readonly bias?: Float32Array;
  /** The input transform relu(x·scale + shift) (Conv.preScale / preShift). */
  readonly scale?: Float32Array;
  readonly shift?: Float32Array;
}

/** A convolution's staged call and its buffers: input, output, and packed weights. */
export interface StagedConv {
  readonly call: StagedCall;
  readonly x: Tensor;
  readonly y: Tensor;
  readonly packed: Tensor;
}

const pair = (v: number | readonly [number, number] | undefined): readonly [number, number] => (v === undefined ? [1, 1] : typeof v === "number" ? [v, v] : v);

/**
 * conv `c` on `inputs`, planned (its weight, bias, preScale, preShift and inputChannels keys are
 * ignored: the inputs given are used). The unpacked weights go under their exact key where the
 * packed ones are Winograd's, for the tiles Winograd finds NaN or ±Inf.
 */
export function stagedConv(a: Arena, c: BindingsConv, inputs: ConvInputs): StagedConv {
  const [n, xChannels, h, w] = inputs.dims;
  const conv: BindingsConv = {
    ...c, weight: "weight", bias: inputs.bias ? "bias" : undefined,
    preScale: inputs.scale ? "scale" : undefined, preShift: inputs.scale ? "shift" : undefined, inputChannels: xChannels,
  };
  const raw = a.put(inputs.weight), packedLength = packedFloats(conv, false), packed = a.fresh(packedLength);
  packConv(wasm, conv, false, raw, packed);
  const at: Record<string, number> = { [packedKey(conv, false)]: packed, [exactWeightKey(conv.weight)]: packedKey(conv, false) === conv.weight ? 0 : raw };
  if (inputs.bias) at.bias = a.put(inputs.bias);
  if (inputs.scale) { at.scale = a.put(inputs.scale); at.shift = a.put(inputs.shift!); }
  const record = new ParamRecord(heap, convRecord(conv, { ptr: (key) => at[key] ?? 0 }));
  a.defer(() => record.free());
  const [sh, sw] = pair(c.stride), [dh, dw] = pair(c.dilation), [ph, pw] = c.padding ?? [0, 0];
  const yLength = n * c.cout * outSize(h, c.kh, sh, dh, ph) * outSize(w, c.kw, sw, dw, pw);
  const x = a.put(inputs.x), y = a.fresh(yLength);
  const call = new StagedCall(a, { plan: wasm.f32_conv2d_nchw_plan, run: wasm.f32_conv2d_nchw_run }, record.ptr);
  call.plan({ x: x + (inputs.offset ?? 0) * h * w * 4, y, n, c: xChannels, h, w });
  return { call, x: [x, inputs.x.length], y: [y, yLength], packed: [packed, packedLength] };
}

export interface ConvRun {
  readonly y: Float32Array;
  /** Output elements left unwritten. */
  readonly unwritten: number[];
  /** Whether nothing was written past the output, the scratch and the packed weights. */
  readonly guardsIntact: boolean;
  /** Packed weight floats left unwritten. */
  readonly packedUnwritten: number;
  /** Items of each stage. */
  readonly extents: number[];
}

/** stagedConv(c, inputs) run once, its stages cut as `split` cuts them (default: whole). */
export function runConv(c: BindingsConv, inputs: ConvInputs, split: Split = WHOLE): ConvRun {
  return withArena((a) => {
    const { call, y: [y, yLength], packed: [packed, packedLength] } = stagedConv(a, c, inputs);
    const packedUnwritten = a.unwritten(packed, packedLength).length;
    call.run(split);
    return {
      y: a.read(y, yLength),
      unwritten: a.unwritten(y, yLength),
      guardsIntact: a.guardIntact(y, yLength) && call.scratchIntact() && a.guardIntact(packed, packedLength),
      packedUnwritten,
      extents: call.extents,
    };
  });
}

/** A direct convolution checkConv runs: with the sigmoid epilogue, on channels [offset, offset + cin) of a tensor of `xChannels` channels (default: all of it). */
export type ConvSpec = Conv & { sigmoid?: boolean; xChannels?: number; offset?: number };

/**
 * Float32 sums of K products, against the double reference: within 2e-5·Σ|w·x| (≈ 4·√K·2⁻²⁴ at
 * the largest K of the tests, 9216: the rounding errors of terms of random sign grow as √K; a
 * wrong or missing tap is off by about Σ|w·x| / K, larger for every K there), plus 3e-7 for the sigmoid.
 */
const RTOL = 2e-5;

/**
 * The direct convolution `spec` against the double-precision reference: packed weights fully
 * written and nothing past them, then the call whole and cut by each of SPLITS and a random
 * split (checkSplits: output fully written, nothing past it or the scratch, inputs and weights
 * unchanged, the same bytes). Returns the worst error as a fraction of the tolerance.
 */
export function checkConv(t: ExecutionContext, spec: ConvSpec): number {
  const c: Required<Conv> = { sh: 1, sw: 1, dh: 1, dw: 1, ph: 0, pw: 0, groups: 1, bias: false, relu: false, pre: false, ...spec };
  const xChannels = spec.xChannels ?? c.cin, offset = spec.offset ?? 0, plane = c.h * c.w;
  const what = JSON.stringify(spec);
  const kdim = (c.cin / c.groups) * c.kh * c.kw;
  const full = values(c.n * xChannels * plane, c.h * 31 + c.w);
  const x = new Float32Array(c.n * c.cin * plane);
  for (let i = 0; i < c.n; i++) x.set(full.subarray((i * xChannels + offset) * plane, (i * xChannels + offset + c.cin) * plane), i * c.cin * plane);
  const weight = values(c.cout * kdim, kdim + c.cout).map((v) => v / Math.sqrt(kdim));
  const bias = c.bias ? values(c.cout, 7) : undefined;
  const scale = values(c.cin, 11), shift = values(c.cin, 13);
  const ref = referenceConv2d(c, x, weight, bias ?? null, scale, shift);
  const want = spec.sigmoid ? ref.y.map((v) => 1 / (1 + Math.exp(-v))) : ref.y;
  const conv: BindingsConv = {
    cin: c.cin, cout: c.cout, kh: c.kh, kw: c.kw, stride: [c.sh, c.sw], padding: [c.ph, c.pw], dilation: [c.dh, c.dw], groups: c.groups,
    epilogue: spec.sigmoid ? EPILOGUE_SIGMOID : c.relu ? EPILOGUE_RELU : EPILOGUE_NONE, weight: "weight", exactNonFinite: true,
  };
  t.false(usesWinograd(conv, false), `${what}: runs as the direct convolution`);
  return withArena((a) => {
    const s = stagedConv(a, conv, { x: full, dims: [c.n, xChannels, c.h, c.w], offset, weight, bias, scale: c.pre ? scale : undefined, shift: c.pre ? shift : undefined });
    written(t, a, s.packed[0], s.packed[1], `${what}: packed weights`);
    const got = checkSplits(t, a, s.call, [s.x, s.packed], s.y, what, [...SPLITS, randomSplit(c.w * 13 + c.h, 3)]);
    return assertClose(t, got, want, { atol: spec.sigmoid ? 3e-7 : 1e-7, rtol: RTOL, scale: ref.mag }, what).worstRatio;
  });
}
