// loadSafetensors on files written by hand: the format of safetensors.torch.save_file, F32/F16/BF16/F64,
// integer num_batches_tracked skipped, every offset checked. (safetensors-torch.test.ts: against torch.)

import test from "ava";
import { loadSafetensors, parseSafetensors } from "../dist/index.js";

/** A safetensors file of `header` (JSON-encoded and padded to 8 bytes, as the Python writer does) and `data`. */
function rawFile(header: unknown, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  let json = JSON.stringify(header);
  json += " ".repeat((8 - (json.length % 8)) % 8);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(new TextEncoder().encode(json), 8);
  out.set(data, 8 + json.length);
  return out;
}

/** A safetensors file from entries written by hand, laid out one after another in the order given. */
function file(entries: Record<string, { dtype: string; shape: number[]; data: Uint8Array }>, metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  let offset = 0;
  for (const [k, e] of Object.entries(entries)) {
    header[k] = { dtype: e.dtype, shape: e.shape, data_offsets: [offset, offset + e.data.length] };
    offset += e.data.length;
  }
  const data = new Uint8Array(offset);
  let at = 0;
  for (const e of Object.values(entries)) { data.set(e.data, at); at += e.data.length; }
  return rawFile(header, data);
}
const f32 = (...v: number[]) => new Uint8Array(new Float32Array(v).buffer);
const f64 = (...v: number[]) => new Uint8Array(new Float64Array(v).buffer);
const u16 = (...v: number[]) => new Uint8Array(new Uint16Array(v).buffer);
const i64 = (...v: bigint[]) => new Uint8Array(new BigInt64Array(v).buffer);
/** A float32 array's bits, so that NaN payloads and -0 compare exactly. */
const bitsOf = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length), (b) => "0x" + b.toString(16));
const hexes = (...b: number[]) => b.map((v) => "0x" + v.toString(16));

test("reads float32 tensors by name, flat, whatever their shape", (t) => {
  const bytes = file({ "fc1.weight": { dtype: "F32", shape: [2, 3, 1, 1], data: f32(1, 2, 3, 4, 5, 6) }, "fc1.bias": { dtype: "F32", shape: [2], data: f32(-1, 0.5) } }, { format: "pt" });
  const w = loadSafetensors(bytes);
  t.deepEqual(Object.keys(w).sort(), ["fc1.bias", "fc1.weight"]);
  t.deepEqual(Array.from(w["fc1.weight"]), [1, 2, 3, 4, 5, 6]);
  t.deepEqual(Array.from(w["fc1.bias"]), [-1, 0.5]);
  t.true(w["fc1.bias"] instanceof Float32Array);
  t.deepEqual(parseSafetensors(bytes).metadata, { format: "pt" });
  t.deepEqual(loadSafetensors(bytes.buffer as ArrayBuffer)["fc1.bias"], w["fc1.bias"], "an ArrayBuffer works too");
});

test("copies: the weights do not alias the file's bytes, even at an odd offset", (t) => {
  const inner = file({ a: { dtype: "F32", shape: [1], data: f32(3) } });
  const padded = new Uint8Array(inner.length + 1);
  padded.set(inner, 1);
  const w = loadSafetensors(padded.subarray(1));
  padded.fill(0);
  t.is(w.a[0], 3);
});

test("F16, BF16 and F64 become float32 as PyTorch's .float(): exact halves, F64 rounded to nearest even", (t) => {
  // F16: 1, -2, 65504 (max), 2^-24 (smallest subnormal), 0x3ff·2^-24 (largest subnormal), -0, +Inf, -Inf, quiet NaN, signalling NaN 0x7c01 (quieted, payload kept)
  const h = u16(0x3c00, 0xc000, 0x7bff, 0x0001, 0x03ff, 0x8000, 0x7c00, 0xfc00, 0x7e00, 0x7c01);
  // BF16: 1, the largest finite, the smallest subnormal, -Inf, a NaN with payload (kept as is)
  const b = u16(0x3f80, 0x7f7f, 0x0001, 0xff80, 0x7f81);
  // F64: 1 + 2^-24 (a tie: to 1), 1 + 3·2^-24 (a tie: to the even 1 + 2^-22), just above the first tie,
  // float32's max + half an ulp (a tie: to +Inf), 2^-150 (a tie: to 0), 3·2^-150 (to 2^-148), -0, 1e300 (to +Inf)
  const d = f64(1 + 2 ** -24, 1 + 3 * 2 ** -24, 1 + 2 ** -24 + 2 ** -50, 3.4028234663852886e38 + 2 ** 103, 2 ** -150, 3 * 2 ** -150, -0, 1e300);
  const w = loadSafetensors(file({ h: { dtype: "F16", shape: [10], data: h }, b: { dtype: "BF16", shape: [5], data: b }, d: { dtype: "F64", shape: [8], data: d } }));
  t.deepEqual(bitsOf(w.h), hexes(0x3f800000, 0xc0000000, 0x477fe000, 0x33800000, 0x387fc000, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0x7fc02000));
  t.deepEqual(bitsOf(w.b), hexes(0x3f800000, 0x7f7f0000, 0x00010000, 0xff800000, 0x7f810000));
  t.deepEqual(bitsOf(w.d), hexes(0x3f800000, 0x3f800002, 0x3f800001, 0x7f800000, 0x0, 0x2, 0x80000000, 0x7f800000));
});

test("F64 NaNs: quiet, sign and the payload's top bits kept (x86's cvtsd2ss, as PyTorch)", (t) => {
  const nan = new Uint8Array(new BigUint64Array([0x7ff0000000000001n, 0xfff4000020000000n]).buffer);
  t.deepEqual(bitsOf(loadSafetensors(file({ n: { dtype: "F64", shape: [2], data: nan } })).n), hexes(0x7fc00000, 0xffe00001));
});

test("tensors at offsets that are not a multiple of their size read correctly", (t) => {
  const w = loadSafetensors(file({ a: { dtype: "F16", shape: [1], data: u16(0x3c00) }, b: { dtype: "F64", shape: [1], data: f64(0.5) }, c: { dtype: "F32", shape: [2], data: f32(3, 4) }, e: { dtype: "BF16", shape: [1], data: u16(0xc000) } }));
  t.deepEqual({ a: [...w.a], b: [...w.b], c: [...w.c], e: [...w.e] }, { a: [1], b: [0.5], c: [3, 4], e: [-2] });
});

test("a BatchNorm's integer num_batches_tracked is skipped; any other integer tensor is an error naming it", (t) => {
  const bn = file({ "bn1.weight": { dtype: "F32", shape: [2], data: f32(1, 2) }, "bn1.num_batches_tracked": { dtype: "I64", shape: [], data: i64(7n) }, num_batches_tracked: { dtype: "I32", shape: [], data: new Uint8Array(4) } });
  t.deepEqual(Object.keys(loadSafetensors(bn)), ["bn1.weight"]);
  t.deepEqual(parseSafetensors(bn).tensors["bn1.num_batches_tracked"].shape, [], "parseSafetensors still lists it");
  for (const [key, dtype, bytes] of [["fc.index", "I64", 8], ["mask", "BOOL", 1], ["bn1.num_batches_tracked_2", "I32", 4], ["q", "U8", 1]] as const) {
    const bytesOf = file({ [key]: { dtype, shape: [1], data: new Uint8Array(bytes) } });
    t.throws(() => loadSafetensors(bytesOf), { instanceOf: TypeError, message: new RegExp(`tensor '${key.replace(/\./g, "\\.")}' is ${dtype}, an integer tensor; excite reads float weights .* skips only an integer num_batches_tracked`) });
  }
});

test("float dtypes excite does not read are an error naming the tensor; unknown dtypes are rejected by the parser", (t) => {
  t.throws(() => loadSafetensors(file({ "fc1.weight": { dtype: "F8_E4M3", shape: [2], data: new Uint8Array(2) } })), { instanceOf: TypeError, message: /tensor 'fc1\.weight' is F8_E4M3; excite reads F32, F16, BF16 and F64/ });
  t.throws(() => loadSafetensors(file({ w: { dtype: "F128", shape: [1], data: new Uint8Array(16) } })), { instanceOf: RangeError, message: /tensor 'w' has an unknown dtype "F128"/ });
});

test("malformed files are rejected with the reason, naming the tensor or the byte offset", (t) => {
  t.throws(() => loadSafetensors(new Uint8Array(4)), { instanceOf: RangeError, message: /4 bytes is shorter than the 8-byte header length/ });
  const good = file({ a: { dtype: "F32", shape: [2], data: f32(1, 2) } }); // header 56 bytes, data at byte 64
  t.throws(() => loadSafetensors(good.subarray(0, good.length - 1)), { instanceOf: RangeError, message: /tensor 'a' data_offsets \[0, 8\] \(file bytes 64 to 72\) run past the end of the 71-byte file \(7 data bytes from byte 64\): truncated\?/ });
  const badLen = good.slice();
  new DataView(badLen.buffer).setBigUint64(0, 10n ** 9n, true);
  t.throws(() => loadSafetensors(badLen), { instanceOf: RangeError, message: /the header length 1000000000 \(bytes 8 to 1000000008\) runs past the end of the 72-byte file/ });
  t.throws(() => loadSafetensors(good.subarray(0, 40)), { instanceOf: RangeError, message: /header length 56 .* runs past the end of the 40-byte file/ });
  const wrongShape = file({ a: { dtype: "F32", shape: [3], data: f32(1, 2) } });
  t.throws(() => loadSafetensors(wrongShape), { instanceOf: RangeError, message: /tensor 'a' F32 \[3\] needs 12 bytes, its data_offsets give 8/ });
  const notJson = good.slice();
  notJson[8] = 0x7b + 1;
  t.throws(() => loadSafetensors(notJson), { instanceOf: RangeError, message: /the header \(bytes 8 to 64\) is not UTF-8 JSON/ });
  const notUtf8 = good.slice();
  notUtf8[10] = 0xff;
  t.throws(() => loadSafetensors(notUtf8), { instanceOf: RangeError, message: /the header \(bytes 8 to 64\) is not UTF-8 JSON/ });
  t.throws(() => loadSafetensors(rawFile([1, 2])), { instanceOf: RangeError, message: /the header \(bytes 8 to 16\) is an array, not a JSON object/ });
  t.throws(() => loadSafetensors(rawFile(42)), { instanceOf: RangeError, message: /is 42, not a JSON object/ });
  t.throws(() => loadSafetensors(rawFile({ __metadata__: { format: 1 } })), { instanceOf: RangeError, message: /__metadata__ 'format' is not a string/ });
  t.throws(() => loadSafetensors(rawFile({ a: { dtype: "F32", shape: [0], data_offsets: [4, 0] } }, new Uint8Array(4))), { instanceOf: RangeError, message: /tensor 'a' data_offsets \[4, 0\] .* end before they begin/ });
  t.throws(() => loadSafetensors(rawFile({ a: { dtype: "F32", shape: [1] } })), { instanceOf: RangeError, message: /tensor 'a' has no valid data_offsets/ });
  t.throws(() => loadSafetensors(rawFile({ a: { dtype: "F32", shape: [-1], data_offsets: [0, 0] } })), { instanceOf: RangeError, message: /tensor 'a' has no valid shape/ });
  t.throws(() => loadSafetensors("abc" as never), { instanceOf: TypeError, message: /expects an ArrayBuffer or a Uint8Array/ });
});

test("overlapping tensors are rejected naming both and the byte where they meet; touching and empty ones are fine", (t) => {
  const data = f32(1, 2, 3, 4);
  const overlap = rawFile({ b: { dtype: "F32", shape: [2], data_offsets: [4, 12] }, a: { dtype: "F32", shape: [2], data_offsets: [0, 8] } }, data);
  const dataStart = overlap.length - data.length;
  t.throws(() => loadSafetensors(overlap), { instanceOf: RangeError, message: new RegExp(`tensors 'a' \\[0, 8\\] and 'b' \\[4, 12\\] overlap at file byte ${dataStart + 4}`) });
  const same = rawFile({ a: { dtype: "F32", shape: [2], data_offsets: [0, 8] }, b: { dtype: "F32", shape: [2], data_offsets: [0, 8] } }, data);
  t.throws(() => loadSafetensors(same), { instanceOf: RangeError, message: /tensors '[ab]' \[0, 8\] and '[ab]' \[0, 8\] overlap/ });
  const fine = rawFile({ a: { dtype: "F32", shape: [2], data_offsets: [0, 8] }, e: { dtype: "F32", shape: [0], data_offsets: [4, 4] }, b: { dtype: "F32", shape: [2], data_offsets: [8, 16] } }, data);
  const w = loadSafetensors(fine);
  t.deepEqual({ a: [...w.a], e: [...w.e], b: [...w.b] }, { a: [1, 2], e: [], b: [3, 4] });
});
