// The safetensors format (as written by safetensors.torch.save_file): an 8-byte little-endian
// header length, a JSON header { name: { dtype, shape, data_offsets: [begin, end] }, __metadata__? },
// then the tensors' bytes, little-endian, offsets relative to the end of the header.

export interface SafetensorsEntry {
  readonly dtype: string;
  readonly shape: readonly number[];
  /** The tensor's raw little-endian bytes (a view into the input). */
  readonly bytes: Uint8Array;
}

export interface SafetensorsFile {
  readonly metadata: Record<string, string>;
  readonly tensors: Record<string, SafetensorsEntry>;
}

/** Bytes per element of every dtype the format defines (safetensors' `Dtype`, the sub-byte F4/F6 aside). */
const DTYPE_BYTES: Record<string, number> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, F8_E4M3: 1, F8_E5M2: 1, F8_E8M0: 1, C64: 8,
  I64: 8, I32: 4, I16: 2, I8: 1, U64: 8, U32: 4, U16: 2, U8: 1, BOOL: 1,
};
const INTEGER = new Set(["I64", "I32", "I16", "I8", "U64", "U32", "U16", "U8", "BOOL"]);
/** BatchNorm's step counter: an integer that no block reads (weights.ts ignores it too). */
const BATCHES_TRACKED = /(^|\.)num_batches_tracked$/;

const bad = (why: string): never => {
  throw new RangeError(`excite: not a valid safetensors file: ${why}`);
};

/** Splits a safetensors file into its metadata and tensors (any dtype), checking every offset. */
export function parseSafetensors(input: ArrayBuffer | ArrayBufferView): SafetensorsFile {
  if (!(input instanceof ArrayBuffer) && !ArrayBuffer.isView(input)) throw new TypeError("excite: loadSafetensors expects an ArrayBuffer or a Uint8Array");
  const bytes = input instanceof ArrayBuffer ? new Uint8Array(input) : new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  if (bytes.length < 8) bad(`${bytes.length} bytes is shorter than the 8-byte header length`);
  const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (headerLength > bytes.length - 8) bad(`the header length ${headerLength} (bytes 8 to ${8 + headerLength}) runs past the end of the ${bytes.length}-byte file`);
  const dataStart = 8 + headerLength;
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, dataStart)));
  } catch (err) {
    return bad(`the header (bytes 8 to ${dataStart}) is not UTF-8 JSON (${(err as Error).message})`);
  }
  if (header === null || typeof header !== "object" || Array.isArray(header)) bad(`the header (bytes 8 to ${dataStart}) is ${Array.isArray(header) ? "an array" : String(header)}, not a JSON object`);
  const data = bytes.subarray(dataStart);
  const tensors: Record<string, SafetensorsEntry> = {};
  const ranges: { key: string; begin: number; end: number }[] = [];
  let metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(header as Record<string, unknown>)) {
    if (key === "__metadata__") {
      metadata = checkMetadata(value);
      continue;
    }
    const { dtype, shape, data_offsets: offsets } = (value ?? {}) as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof dtype !== "string" || !(dtype in DTYPE_BYTES)) bad(`tensor '${key}' has an unknown dtype ${JSON.stringify(dtype)}`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) bad(`tensor '${key}' has no valid shape`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) bad(`tensor '${key}' has no valid data_offsets`);
    const [begin, end] = offsets as [number, number];
    const expected = (shape as number[]).reduce((a, b) => a * b, 1) * DTYPE_BYTES[dtype as string];
    const where = `data_offsets [${begin}, ${end}] (file bytes ${dataStart + begin} to ${dataStart + end})`;
    if (end < begin) bad(`tensor '${key}' ${where} end before they begin`);
    if (end > data.length) bad(`tensor '${key}' ${where} run past the end of the ${bytes.length}-byte file (${data.length} data bytes from byte ${dataStart}): truncated?`);
    if (end - begin !== expected) bad(`tensor '${key}' ${dtype} [${(shape as number[]).join(", ")}] needs ${expected} bytes, its data_offsets give ${end - begin}`);
    tensors[key] = { dtype: dtype as string, shape: shape as number[], bytes: data.subarray(begin, end) };
    if (end > begin) ranges.push({ key, begin, end });
  }
  ranges.sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < ranges.length; i++) {
    const a = ranges[i - 1], b = ranges[i];
    if (b.begin < a.end) bad(`tensors '${a.key}' [${a.begin}, ${a.end}] and '${b.key}' [${b.begin}, ${b.end}] overlap at file byte ${dataStart + b.begin}`);
  }
  return { metadata, tensors };
}

function checkMetadata(value: unknown): Record<string, string> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) bad("__metadata__ is not an object");
  for (const [k, v] of Object.entries(value as object)) if (typeof v !== "string") bad(`__metadata__ '${k}' is not a string`);
  return value as Record<string, string>;
}

/**
 * Weights from a safetensors file: every tensor as a flat Float32Array (a copy) under its name.
 * F32 is copied as is; F16, BF16 and F64 are converted to float32 exactly as PyTorch's
 * `.float()` does (tests/safetensors-torch.test.ts compares them bit for bit). An integer
 * `num_batches_tracked` (BatchNorm's step counter, I64 in a `state_dict()`) is skipped; any
 * other integer or unsupported tensor is a TypeError naming it.
 */
export function loadSafetensors(input: ArrayBuffer | ArrayBufferView): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const [key, t] of Object.entries(parseSafetensors(input).tensors)) {
    const convert = TO_FLOAT32[t.dtype];
    if (convert) out[key] = convert(t.bytes);
    else if (INTEGER.has(t.dtype)) {
      if (!BATCHES_TRACKED.test(key)) throw new TypeError(`excite: safetensors tensor '${key}' is ${t.dtype}, an integer tensor; excite reads float weights (F32, F16, BF16, F64) and skips only an integer num_batches_tracked`);
    } else throw new TypeError(`excite: safetensors tensor '${key}' is ${t.dtype}; excite reads F32, F16, BF16 and F64 (cast with t.float() before saving)`);
  }
  return out;
}

/** A Float32Array copy of little-endian float bytes. */
export function f32FromBytes(bytes: Uint8Array): Float32Array {
  return new Float32Array(bytes.slice().buffer);
}

/** A Float32Array of `bits(h)` for every 16-bit element h of `bytes` (copied to an aligned buffer). */
function fromHalves(bytes: Uint8Array, bits: (h: number) => number): Float32Array {
  const src = new Uint16Array(bytes.slice().buffer), out = new Uint32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = bits(src[i]);
  return new Float32Array(out.buffer);
}

/**
 * The float32 bits of a float16: exact (every float16 is a float32), subnormals normalised,
 * ±Inf kept, a NaN's payload shifted into the float32 mantissa with the quiet bit set, as
 * c10's fp16_ieee_to_fp32_value (and x86 F16C) give it.
 */
function f16Bits(h: number): number {
  const sign = (h & 0x8000) << 16, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (mant ? 0x400000 | (mant << 13) : 0)) >>> 0;
  if (exp !== 0) return (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0;
  if (mant === 0) return sign >>> 0;
  const top = 31 - Math.clz32(mant); // the subnormal mant·2^-24 is 2^(top-24)·1.f in float32
  return (sign | ((top + 103) << 23) | ((mant << (23 - top)) & 0x7fffff)) >>> 0;
}

let f16Table: Uint32Array | undefined;

/** The float32 bits of a float64 that is NaN: quiet, its payload's top 22 bits kept (x86 cvtsd2ss, as PyTorch). */
const f64NaNBits = (hi: number, lo: number): number => ((hi & 0x80000000) | 0x7fc00000 | ((hi & 0xfffff) << 3) | (lo >>> 29)) >>> 0;

const TO_FLOAT32: Record<string, (bytes: Uint8Array) => Float32Array> = {
  F32: f32FromBytes,
  F16: (bytes) => {
    const table = (f16Table ??= Uint32Array.from({ length: 65536 }, (_, h) => f16Bits(h)));
    return fromHalves(bytes, (h) => table[h]);
  },
  // bfloat16 is the top half of a float32: exact, NaN payloads included.
  BF16: (bytes) => fromHalves(bytes, (h) => h << 16),
  // ECMAScript's float64 → float32 is IEEE round-to-nearest-even, overflowing to ±Inf (as C's
  // cast in PyTorch); only a NaN's bits are left to the engine, so they are made here.
  F64: (bytes) => {
    const words = new Uint32Array(bytes.slice().buffer), values = new Float64Array(words.buffer);
    const out = new Float32Array(values.length), outBits = new Uint32Array(out.buffer);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v === v) out[i] = v;
      else outBits[i] = f64NaNBits(words[2 * i + 1], words[2 * i]);
    }
    return out;
  },
};
