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

const DTYPE_BYTES: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

const bad = (why: string): never => {
  throw new RangeError(`excite: not a valid safetensors file: ${why}`);
};

/** Splits a safetensors file into its metadata and tensors (any dtype), checking every offset. */
export function parseSafetensors(input: ArrayBuffer | ArrayBufferView): SafetensorsFile {
  if (!(input instanceof ArrayBuffer) && !ArrayBuffer.isView(input)) throw new TypeError("excite: loadSafetensors expects an ArrayBuffer or a Uint8Array");
  const bytes = input instanceof ArrayBuffer ? new Uint8Array(input) : new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  if (bytes.length < 8) bad(`${bytes.length} bytes is shorter than the 8-byte header length`);
  const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (headerLength > bytes.length - 8) bad(`the header length ${headerLength} runs past the end of the ${bytes.length}-byte file`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch (err) {
    return bad(`the header is not JSON (${(err as Error).message})`);
  }
  if (header === null || typeof header !== "object" || Array.isArray(header)) bad("the header is not a JSON object");
  const data = bytes.subarray(8 + headerLength);
  const tensors: Record<string, SafetensorsEntry> = {};
  let metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(header)) {
    if (key === "__metadata__") {
      metadata = value as Record<string, string>;
      continue;
    }
    const { dtype, shape, data_offsets: offsets } = (value ?? {}) as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof dtype !== "string" || !(dtype in DTYPE_BYTES)) bad(`tensor '${key}' has an unknown dtype ${JSON.stringify(dtype)}`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) bad(`tensor '${key}' has no valid shape`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) bad(`tensor '${key}' has no valid data_offsets`);
    const [begin, end] = offsets as [number, number];
    const expected = (shape as number[]).reduce((a, b) => a * b, 1) * DTYPE_BYTES[dtype as string];
    if (end < begin || end > data.length) bad(`tensor '${key}' data_offsets [${begin}, ${end}] fall outside the ${data.length} data bytes`);
    if (end - begin !== expected) bad(`tensor '${key}' ${dtype} [${(shape as number[]).join(", ")}] needs ${expected} bytes, its data_offsets give ${end - begin}`);
    tensors[key] = { dtype: dtype as string, shape: shape as number[], bytes: data.subarray(begin, end) };
  }
  return { metadata, tensors };
}

/**
 * Weights from a safetensors file: every tensor as a flat Float32Array (a copy) under its name.
 * Only float32 tensors are accepted; cast in PyTorch (`t.float()`) before saving others.
 */
export function loadSafetensors(input: ArrayBuffer | ArrayBufferView): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const [key, t] of Object.entries(parseSafetensors(input).tensors)) {
    if (t.dtype !== "F32") throw new TypeError(`excite: safetensors tensor '${key}' is ${t.dtype}; excite needs F32 (float32) weights`);
    out[key] = f32FromBytes(t.bytes);
  }
  return out;
}

/** A Float32Array copy of little-endian float bytes. */
export function f32FromBytes(bytes: Uint8Array): Float32Array {
  return new Float32Array(bytes.slice().buffer);
}
