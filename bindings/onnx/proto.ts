// Reading the ONNX protobuf messages (onnx/onnx.proto, IR version ≤ 10) that attention-block
// matching needs: ModelProto → GraphProto → NodeProto, AttributeProto, TensorProto, ValueInfoProto.
// Tensors keep their bytes as read; tensor.ts turns them into numbers when a matcher asks.

import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";

export interface TensorProto {
  name: string;
  dims: number[];
  dataType: number;
  rawData?: Uint8Array;
  floatData: number[];
  int32Data: number[];
  int64Data: bigint[];
  doubleData: number[];
  /** Where the data lives when it is not inside the model (data_location EXTERNAL). */
  externalLocation?: string;
}

export interface AttributeProto {
  name: string;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProto;
  floats: number[];
  ints: number[];
}

export interface NodeProto {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: Map<string, AttributeProto>;
}

/** A tensor's declared shape: a number per known dimension, a string per named one, undefined per unknown. */
export interface ValueInfoProto {
  name: string;
  shape?: Array<number | string | undefined>;
}

export interface GraphProto {
  nodes: NodeProto[];
  initializers: TensorProto[];
  inputs: ValueInfoProto[];
  outputs: ValueInfoProto[];
  valueInfo: ValueInfoProto[];
}

export interface ModelProto {
  irVersion: number;
  /** The operator sets, by domain ('' is the default ONNX domain). */
  opsets: Map<string, number>;
  graph: GraphProto;
}

/** A malformed model: bytes that do not decode as the ONNX messages. */
export class OnnxFormatError extends RangeError {}

type Handler<T> = (r: BinaryReader, msg: T, wireType: WireType) => void;

const WIRE_NAMES = ["varint", "fixed64", "length-delimited", "start-group", "end-group", "fixed32"];

/** Decodes `bytes` as message `what`, dispatching fields to `handlers` by number (others are skipped). */
function decode<T>(bytes: Uint8Array, what: string, msg: T, handlers: Record<number, [WireType[], Handler<T>]>): T {
  const r = new BinaryReader(bytes);
  while (r.pos < r.len) {
    const [field, wireType] = r.tag();
    const h = handlers[field];
    if (h === undefined) {
      r.skip(wireType, field);
      continue;
    }
    if (!h[0].includes(wireType)) {
      throw new OnnxFormatError(`${what} field ${field} has wire type ${WIRE_NAMES[wireType] ?? wireType}, expected ${h[0].map((w) => WIRE_NAMES[w]).join(" or ")}`);
    }
    h[1](r, msg, wireType);
  }
  return msg;
}

/** A repeated scalar field, packed (length-delimited) or not. */
function repeated(r: BinaryReader, wireType: WireType, read: (r: BinaryReader) => void): void {
  if (wireType !== WireType.LengthDelimited) return read(r);
  const end = r.uint32() + r.pos;
  if (end > r.len) throw new RangeError("premature EOF");
  while (r.pos < end) read(r);
}

const VARINT = [WireType.Varint];
const BYTES = [WireType.LengthDelimited];
const PACKABLE_VARINT = [WireType.Varint, WireType.LengthDelimited];
const PACKABLE_FLOAT = [WireType.Bit32, WireType.LengthDelimited];
const PACKABLE_DOUBLE = [WireType.Bit64, WireType.LengthDelimited];

const int64 = (r: BinaryReader): number => Number(r.int64());

function tensor(bytes: Uint8Array): TensorProto {
  const t: TensorProto = { name: "", dims: [], dataType: 0, floatData: [], int32Data: [], int64Data: [], doubleData: [] };
  let external = false;
  const entries: Array<[string, string]> = [];
  decode(bytes, "TensorProto", t, {
    1: [PACKABLE_VARINT, (r, m, w) => repeated(r, w, () => m.dims.push(int64(r)))],
    2: [VARINT, (r, m) => { m.dataType = r.int32(); }],
    4: [PACKABLE_FLOAT, (r, m, w) => repeated(r, w, () => m.floatData.push(r.float()))],
    5: [PACKABLE_VARINT, (r, m, w) => repeated(r, w, () => m.int32Data.push(r.int32()))],
    7: [PACKABLE_VARINT, (r, m, w) => repeated(r, w, () => m.int64Data.push(BigInt(r.int64())))],
    8: [BYTES, (r, m) => { m.name = r.string(); }],
    9: [BYTES, (r, m) => { m.rawData = r.bytes(); }],
    10: [PACKABLE_DOUBLE, (r, m, w) => repeated(r, w, () => m.doubleData.push(r.double()))],
    13: [BYTES, (r) => {
      const e = decode(r.bytes(), "StringStringEntryProto", { key: "", value: "" }, {
        1: [BYTES, (q, m) => { m.key = q.string(); }],
        2: [BYTES, (q, m) => { m.value = q.string(); }],
      });
      entries.push([e.key, e.value]);
    }],
    14: [VARINT, (r) => { external = r.int32() === 1; }],
  });
  if (external || entries.length > 0) t.externalLocation = entries.find(([k]) => k === "location")?.[1] ?? "an external file";
  return t;
}

function attribute(bytes: Uint8Array): AttributeProto {
  return decode<AttributeProto>(bytes, "AttributeProto", { name: "", floats: [], ints: [] }, {
    1: [BYTES, (r, m) => { m.name = r.string(); }],
    2: [[WireType.Bit32], (r, m) => { m.f = r.float(); }],
    3: [VARINT, (r, m) => { m.i = int64(r); }],
    4: [BYTES, (r, m) => { m.s = r.bytes(); }],
    5: [BYTES, (r, m) => { m.t = tensor(r.bytes()); }],
    7: [PACKABLE_FLOAT, (r, m, w) => repeated(r, w, () => m.floats.push(r.float()))],
    8: [PACKABLE_VARINT, (r, m, w) => repeated(r, w, () => m.ints.push(int64(r)))],
  });
}

function node(bytes: Uint8Array): NodeProto {
  return decode<NodeProto>(bytes, "NodeProto", { name: "", opType: "", domain: "", inputs: [], outputs: [], attributes: new Map() }, {
    1: [BYTES, (r, m) => { m.inputs.push(r.string()); }],
    2: [BYTES, (r, m) => { m.outputs.push(r.string()); }],
    3: [BYTES, (r, m) => { m.name = r.string(); }],
    4: [BYTES, (r, m) => { m.opType = r.string(); }],
    5: [BYTES, (r, m) => { const a = attribute(r.bytes()); m.attributes.set(a.name, a); }],
    7: [BYTES, (r, m) => { m.domain = r.string(); }],
  });
}

function dimension(bytes: Uint8Array): number | string | undefined {
  const d: { v?: number | string } = {};
  decode(bytes, "TensorShapeProto.Dimension", d, {
    1: [VARINT, (r, m) => { m.v = int64(r); }],
    2: [BYTES, (r, m) => { m.v = r.string(); }],
  });
  return d.v;
}

function valueInfo(bytes: Uint8Array): ValueInfoProto {
  const v: ValueInfoProto = { name: "" };
  decode(bytes, "ValueInfoProto", v, {
    1: [BYTES, (r, m) => { m.name = r.string(); }],
    2: [BYTES, (r, m) => decode(r.bytes(), "TypeProto", m, {
      1: [BYTES, (q) => decode(q.bytes(), "TypeProto.Tensor", m, {
        2: [BYTES, (s) => {
          m.shape = [];
          decode(s.bytes(), "TensorShapeProto", m, { 1: [BYTES, (d) => { m.shape!.push(dimension(d.bytes())); }] });
        }],
      })],
    })],
  });
  return v;
}

function graph(bytes: Uint8Array): GraphProto {
  return decode<GraphProto>(bytes, "GraphProto", { nodes: [], initializers: [], inputs: [], outputs: [], valueInfo: [] }, {
    1: [BYTES, (r, m) => { m.nodes.push(node(r.bytes())); }],
    5: [BYTES, (r, m) => { m.initializers.push(tensor(r.bytes())); }],
    11: [BYTES, (r, m) => { m.inputs.push(valueInfo(r.bytes())); }],
    12: [BYTES, (r, m) => { m.outputs.push(valueInfo(r.bytes())); }],
    13: [BYTES, (r, m) => { m.valueInfo.push(valueInfo(r.bytes())); }],
  });
}

/** Decodes an ONNX ModelProto; malformed or truncated bytes throw an OnnxFormatError that says where. */
export function decodeModel(bytes: Uint8Array): ModelProto {
  const model: { irVersion?: number; opsets: Map<string, number>; graph?: GraphProto } = { opsets: new Map() };
  try {
    decode(bytes, "ModelProto", model, {
      1: [VARINT, (r, m) => { m.irVersion = int64(r); }],
      7: [BYTES, (r, m) => { m.graph = graph(r.bytes()); }],
      8: [BYTES, (r, m) => {
        const o = decode(r.bytes(), "OperatorSetIdProto", { domain: "", version: 0 }, {
          1: [BYTES, (q, s) => { s.domain = q.string(); }],
          2: [VARINT, (q, s) => { s.version = int64(q); }],
        });
        m.opsets.set(o.domain === "ai.onnx" ? "" : o.domain, o.version);
      }],
    });
  } catch (e) {
    if (e instanceof OnnxFormatError) throw e;
    const why = e instanceof Error ? e.message : String(e);
    throw new OnnxFormatError(why === "premature EOF" ? `the protobuf ends early (truncated after ${bytes.length} bytes?)` : `the protobuf does not decode (${why})`, { cause: e });
  }
  if (model.irVersion === undefined) throw new OnnxFormatError("it has no ir_version (field 1 of ModelProto)");
  if (model.graph === undefined) throw new OnnxFormatError("it has no graph (field 7 of ModelProto)");
  return { irVersion: model.irVersion, opsets: model.opsets, graph: model.graph };
}
