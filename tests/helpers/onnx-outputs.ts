// A minimal protobuf edit of an ONNX ModelProto: intermediate tensors added as graph outputs.
// Pure (no ONNX Runtime), so that the demo page can do the same edit in a browser.

import { BinaryReader, BinaryWriter, WireType } from "@bufbuild/protobuf/wire";

const MODEL_GRAPH = 7, GRAPH_OUTPUT = 12, VALUE_INFO_NAME = 1;

/**
 * The model with `names` added to its graph's outputs (ValueInfoProtos without a type, which
 * ONNX Runtime accepts for intermediate tensors). Every other field is copied byte for byte;
 * repeated fields may be appended, so the new outputs follow the graph's own.
 */
export function withOutputs(model: Uint8Array, names: readonly string[]): Uint8Array {
  const r = new BinaryReader(model), w = new BinaryWriter();
  while (r.pos < r.len) {
    const start = r.pos;
    const [field, wireType] = r.tag();
    if (field === MODEL_GRAPH && wireType === WireType.LengthDelimited) {
      const graph = new BinaryWriter().raw(r.bytes());
      for (const name of names) graph.tag(GRAPH_OUTPUT, WireType.LengthDelimited).bytes(new BinaryWriter().tag(VALUE_INFO_NAME, WireType.LengthDelimited).string(name).finish());
      w.tag(MODEL_GRAPH, WireType.LengthDelimited).bytes(graph.finish());
    } else {
      r.skip(wireType, field);
      w.raw(model.subarray(start, r.pos));
    }
  }
  return w.finish();
}
