// loadSafetensors: the format of safetensors.torch.save_file, float32 only, every offset checked.

import test from "ava";
import { loadSafetensors, parseSafetensors } from "../dist/index.js";

/** A safetensors file from entries written by hand (header padded to 8 bytes, as the Python writer does). */
function file(entries: Record<string, { dtype: string; shape: number[]; data: Uint8Array }>, metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  let offset = 0;
  for (const [k, e] of Object.entries(entries)) {
    header[k] = { dtype: e.dtype, shape: e.shape, data_offsets: [offset, offset + e.data.length] };
    offset += e.data.length;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - (json.length % 8)) % 8);
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(new TextEncoder().encode(json), 8);
  let at = 8 + json.length;
  for (const e of Object.values(entries)) { out.set(e.data, at); at += e.data.length; }
  return out;
}
const f32 = (...v: number[]) => new Uint8Array(new Float32Array(v).buffer);

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

test("other dtypes are a clear error naming the tensor", (t) => {
  const bytes = file({ "fc1.weight": { dtype: "F16", shape: [2], data: new Uint8Array(4) } });
  t.throws(() => loadSafetensors(bytes), { instanceOf: TypeError, message: /tensor 'fc1\.weight' is F16; excite needs F32/ });
});

test("malformed files are rejected with the reason", (t) => {
  t.throws(() => loadSafetensors(new Uint8Array(4)), { instanceOf: RangeError, message: /shorter than the 8-byte header length/ });
  const good = file({ a: { dtype: "F32", shape: [2], data: f32(1, 2) } });
  t.throws(() => loadSafetensors(good.subarray(0, good.length - 1)), { instanceOf: RangeError, message: /data_offsets \[0, 8\] fall outside the 7 data bytes/ });
  const badLen = good.slice();
  new DataView(badLen.buffer).setBigUint64(0, 10n ** 9n, true);
  t.throws(() => loadSafetensors(badLen), { instanceOf: RangeError, message: /runs past the end/ });
  const wrongShape = file({ a: { dtype: "F32", shape: [3], data: f32(1, 2) } });
  t.throws(() => loadSafetensors(wrongShape), { instanceOf: RangeError, message: /tensor 'a' F32 \[3\] needs 12 bytes, its data_offsets give 8/ });
  const notJson = good.slice();
  notJson[8] = 0x7b + 1;
  t.throws(() => loadSafetensors(notJson), { instanceOf: RangeError, message: /the header is not JSON/ });
  t.throws(() => loadSafetensors("abc" as never), { instanceOf: TypeError, message: /expects an ArrayBuffer or a Uint8Array/ });
});
