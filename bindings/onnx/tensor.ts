// TensorProto contents as numbers: float32 weights (raw_data or float_data) and the integer or
// scalar constants that patterns read (shapes, axes, the 3 and 6 of relu6(x + 3)/6).

import type { TensorProto } from "./proto.js";

// onnx.proto TensorProto.DataType
const FLOAT = 1, INT32 = 6, INT64 = 7, DOUBLE = 11;
const DTYPE_NAMES: Record<number, string> = {
  0: "UNDEFINED", 1: "float32", 2: "uint8", 3: "int8", 4: "uint16", 5: "int16", 6: "int32", 7: "int64", 8: "string",
  9: "bool", 10: "float16", 11: "float64", 12: "uint32", 13: "uint64", 14: "complex64", 15: "complex128", 16: "bfloat16",
};
export const dtypeName = (t: TensorProto): string => DTYPE_NAMES[t.dataType] ?? `data type ${t.dataType}`;

export const elementCount = (t: TensorProto): number => t.dims.reduce((a, b) => a * b, 1);

function checkInline(t: TensorProto, role: string): void {
  if (t.externalLocation !== undefined) {
    throw new RangeError(`excite: ONNX tensor '${t.name}' (${role}) keeps its data outside the model (in ${t.externalLocation}); ` +
      "findAttentionBlocks reads models whose weights are inside the .onnx file (onnx.save_model(model, path, save_as_external_data=False))");
  }
}

function view(raw: Uint8Array): DataView {
  return new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
}

function checkRawLength(t: TensorProto, raw: Uint8Array, bytesPer: number, role: string): void {
  if (raw.byteLength !== elementCount(t) * bytesPer) {
    throw new RangeError(`excite: ONNX tensor '${t.name}' (${role}) has ${raw.byteLength} bytes of raw_data, but its dims [${t.dims.join(", ")}] need ${elementCount(t) * bytesPer}`);
  }
}

/** A float32 tensor's values (a copy); another data type is a TypeError naming the tensor and its role. */
export function floats(t: TensorProto, role: string): Float32Array {
  checkInline(t, role);
  if (t.dataType !== FLOAT) throw new TypeError(`excite: ONNX tensor '${t.name}' (${role}) is ${dtypeName(t)}; excite's blocks take float32 weights`);
  const n = elementCount(t);
  if (t.rawData !== undefined) {
    checkRawLength(t, t.rawData, 4, role);
    const v = view(t.rawData), out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = v.getFloat32(4 * i, true);
    return out;
  }
  if (t.floatData.length !== n) throw new RangeError(`excite: ONNX tensor '${t.name}' (${role}) has ${t.floatData.length} values, but its dims [${t.dims.join(", ")}] need ${n}`);
  return Float32Array.from(t.floatData);
}

/**
 * The values of a numeric tensor as JS numbers (int64 beyond 2^53 loses precision, which no
 * shape or axis reaches), or undefined for another data type or data outside the model.
 */
export function numbers(t: TensorProto): number[] | undefined {
  if (t.externalLocation !== undefined) return undefined;
  const n = elementCount(t), raw = t.rawData;
  const size = { [FLOAT]: 4, [INT32]: 4, [INT64]: 8, [DOUBLE]: 8 }[t.dataType];
  if (size === undefined) return undefined;
  if (raw !== undefined) {
    if (raw.byteLength !== n * size) return undefined;
    const v = view(raw), out: number[] = [];
    for (let i = 0; i < n; i++) {
      out.push(t.dataType === FLOAT ? v.getFloat32(4 * i, true) : t.dataType === INT32 ? v.getInt32(4 * i, true)
        : t.dataType === INT64 ? Number(v.getBigInt64(8 * i, true)) : v.getFloat64(8 * i, true));
    }
    return out;
  }
  const data = t.dataType === FLOAT ? t.floatData : t.dataType === INT32 ? t.int32Data : t.dataType === INT64 ? t.int64Data.map(Number) : t.doubleData;
  return data.length === n ? data : undefined;
}
