// findAttentionBlocks on input that is not a model it can read: each error names what was
// expected and what was found.

import test from "ava";
import { readFileSync } from "node:fs";
import { findAttentionBlocks } from "../dist/onnx/index.js";
import { err } from "./helpers/bad-input.js";

const model = (name: string) => new Uint8Array(readFileSync(new URL(`onnx/models/${name}.onnx`, import.meta.url)));

test("onnx errors: not bytes", (t) => {
  for (const [bad, got] of [["model.onnx", "string"], [42, "number"], [null, "null"], [[8, 7], "Array"], [{ byteLength: 4 }, "Object"]] as const) {
    t.throws(() => findAttentionBlocks(bad as never), err(TypeError, new RegExp(`expects the bytes of an ONNX model \\(a Uint8Array or an ArrayBuffer\\), got ${got}`)));
  }
});

test("onnx errors: bytes that are not an ONNX model", (t) => {
  const text = new TextEncoder().encode('{"not": "a model"}');
  const png = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52);
  for (const bytes of [text, png]) t.throws(() => findAttentionBlocks(bytes), err(RangeError, /^excite: findAttentionBlocks: not an ONNX model: /));
  t.throws(() => findAttentionBlocks(new Uint8Array(0)), err(RangeError, /not an ONNX model: it has no ir_version \(field 1 of ModelProto\)/));
  // A valid protobuf that is no ModelProto: field 1 (ir_version) and nothing else.
  t.throws(() => findAttentionBlocks(Uint8Array.of(0x08, 0x07)), err(RangeError, /not an ONNX model: it has no graph \(field 7 of ModelProto\)/));
  // ModelProto.graph (field 7) given as a varint.
  t.throws(() => findAttentionBlocks(Uint8Array.of(0x08, 0x07, 0x38, 0x01)), err(RangeError, /ModelProto field 7 has wire type varint, expected length-delimited/));
});

test("onnx errors: a truncated model", (t) => {
  const bytes = model("se_conv_mean");
  for (const keep of [bytes.length - 1, Math.floor(bytes.length / 2), 40]) {
    t.throws(() => findAttentionBlocks(bytes.subarray(0, keep)), err(RangeError, new RegExp(`not an ONNX model: the protobuf ends early \\(truncated after ${keep} bytes\\?\\)`)));
  }
});

test("onnx errors: a matched block's weight stored outside the model", (t) => {
  t.throws(() => findAttentionBlocks(model("bad_external_data")),
    err(RangeError, /ONNX tensor 'body\.fc1\.weight' \(fc1\.weight\) keeps its data outside the model \(in weights\.bin\); findAttentionBlocks reads models whose weights are inside/));
});

test("onnx errors: a matched block's weight that is not float32", (t) => {
  t.throws(() => findAttentionBlocks(model("bad_float16_weight")), err(TypeError, /ONNX tensor 'body\.fc1\.weight' \(fc1\.weight\) is float16; excite's blocks take float32 weights/));
});

test("onnx errors: an ArrayBuffer and a Buffer read as the same model", (t) => {
  const bytes = model("se_conv_mean");
  const fromBuffer = findAttentionBlocks(readFileSync(new URL("onnx/models/se_conv_mean.onnx", import.meta.url)));
  const fromArrayBuffer = findAttentionBlocks(bytes.slice().buffer);
  t.deepEqual(fromBuffer.map((b) => [b.block, b.options, b.weights]), fromArrayBuffer.map((b) => [b.block, b.options, b.weights]));
});
