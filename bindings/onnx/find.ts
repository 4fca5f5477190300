// findAttentionBlocks: parse the model, match every Mul against the channel and spatial gates,
// then join what belongs together (an SE and an sSE summed or maxed over the same x: scSE; a
// channel attention followed by CBAM's spatial attention: CBAM).

import type { Block } from "../index.js";
import { type BlockName, convertCBAM, convertChannelGate, convertSCSE, convertSSE, type Converted } from "./canonical.js";
import { Graph } from "./graph.js";
import { type ChannelGate, matchChannelGate } from "./match-channel.js";
import { type CBAMSpatial, matchSpatialGate, type SpatialSE } from "./match-spatial.js";
import { decodeModel, OnnxFormatError, type NodeProto } from "./proto.js";

export interface AttentionBlock {
  /** The blocks' common node scope (PyTorch's '/layer1/0/se'), else the output tensor's name. */
  readonly name: string;
  /** Which excite block computes it. */
  readonly block: BlockName;
  /** The excite factory create() calls: createSE, createEffectiveSE, createECA, createSSE, createSCSE or createCBAM. */
  readonly factory: string;
  readonly options: Record<string, unknown>;
  /** The block's weights under excite's canonical keys (copies, float32). */
  readonly weights: Record<string, Float32Array>;
  /** The ONNX tensor the block reads (x) and the one it computes (y). */
  readonly input: string;
  readonly output: string;
  /** The names of the nodes that make up the block (empty names left out). */
  readonly nodes: readonly string[];
  /** Builds the excite block (instantiating the WebAssembly module on first use). */
  create(): Promise<Block>;
}

const FACTORIES: Record<BlockName, string> = {
  SE: "createSE", EffectiveSE: "createEffectiveSE", ECA: "createECA", sSE: "createSSE", scSE: "createSCSE", CBAM: "createCBAM",
};

async function instantiate(c: Converted): Promise<Block> {
  const excite = (await import("../index.js")) as unknown as Record<string, unknown>;
  const factory = excite[FACTORIES[c.block]];
  if (typeof factory !== "function") {
    throw new Error(`excite: this version of excite has no ${FACTORIES[c.block]}, so the ${c.block} block found in the model cannot be built yet; its options and weights are on the block`);
  }
  return (factory as (o: unknown, w: unknown) => Promise<Block>)(c.options, c.weights);
}

function blockName(nodes: readonly NodeProto[], output: string): string {
  const names = nodes.map((n) => n.name).filter((n) => n !== "");
  if (names.length === 0) return output;
  let prefix = names[0];
  for (const n of names) while (!n.startsWith(prefix)) prefix = prefix.slice(0, -1);
  const slash = prefix.lastIndexOf("/");
  return slash <= 0 ? output : prefix.slice(0, slash);
}

function toBytes(model: unknown): Uint8Array {
  if (model instanceof Uint8Array) return model;
  if (model instanceof ArrayBuffer) return new Uint8Array(model);
  if (ArrayBuffer.isView(model)) return new Uint8Array(model.buffer, model.byteOffset, model.byteLength);
  const got = model === null ? "null" : typeof model === "object" ? (model.constructor?.name ?? "an object") : typeof model;
  throw new TypeError(`excite: findAttentionBlocks expects the bytes of an ONNX model (a Uint8Array or an ArrayBuffer), got ${got}`);
}

/**
 * The attention blocks of an ONNX model, in graph order: SE (1×1 convs, Gemm or MatMul + Add;
 * ReLU, HardSwish, SiLU or none; sigmoid or hard sigmoid gates), effective SE, ECA, sSE, scSE
 * and CBAM. Pure: it parses and matches; each block's create() builds the excite block.
 */
export function findAttentionBlocks(model: Uint8Array | ArrayBuffer): AttentionBlock[] {
  const bytes = toBytes(model);
  let parsed;
  try {
    parsed = decodeModel(bytes);
  } catch (e) {
    if (e instanceof OnnxFormatError) {
      // onnx, PyTorch and paddle2onnx write ir_version (field 1, a varint: tag byte 0x08) first.
      const hint = bytes.length > 0 && bytes[0] !== 0x08 ? ` (an ONNX model's first byte is 0x08, ir_version; this one's is 0x${bytes[0].toString(16).padStart(2, "0")})` : "";
      throw new RangeError(`excite: findAttentionBlocks: not an ONNX model: ${e.message}${hint}`, { cause: e });
    }
    throw e;
  }
  if (!parsed.opsets.has("")) throw new RangeError("excite: findAttentionBlocks: not an ONNX model: it imports no default-domain operator set (opset_import)");
  const g = new Graph(parsed.graph);
  const order = new Map(g.nodes.map((n, i) => [n, i]));

  const channel = new Map<string, ChannelGate>(), sse = new Map<string, SpatialSE>(), spatial = new Map<string, CBAMSpatial>();
  for (const n of g.nodes) {
    if (n.opType !== "Mul" || (n.domain !== "" && n.domain !== "ai.onnx") || n.inputs.length !== 2) continue;
    for (const xi of [0, 1]) {
      const c = matchChannelGate(g, n, xi);
      if (c !== undefined) { channel.set(c.output, c); break; }
      const s = matchSpatialGate(g, n, xi);
      if (s?.kind === "sSE") { sse.set(s.output, s); break; }
      if (s !== undefined) { spatial.set(s.output, s); break; }
    }
  }

  const found: Array<{ at: number; nodes: NodeProto[]; x: string; y: string; block: Converted }> = [];
  const add = (nodes: NodeProto[], x: string, y: string, block: Converted | undefined) => {
    if (block !== undefined) found.push({ at: Math.max(...nodes.map((n) => order.get(n) ?? 0)), nodes, x, y, block });
    return block !== undefined;
  };
  // CBAM: the spatial attention reads the channel attention's output.
  for (const s of spatial.values()) {
    const c = channel.get(s.x);
    if (c !== undefined && add([...c.nodes, ...s.nodes], c.x, s.output, convertCBAM(c, s))) channel.delete(s.x);
  }
  // scSE: cSE(x) + sSE(x), or their max.
  for (const n of g.nodes) {
    if ((n.opType !== "Add" && n.opType !== "Max") || n.inputs.length !== 2) continue;
    for (const [a, b] of [[n.inputs[0], n.inputs[1]], [n.inputs[1], n.inputs[0]]]) {
      const c = channel.get(a), s = sse.get(b);
      if (c === undefined || s === undefined || c.x !== s.x) continue;
      if (add([...c.nodes, ...s.nodes, n], c.x, n.outputs[0], convertSCSE(c, s, n.opType === "Add" ? "add" : "max"))) {
        channel.delete(a);
        sse.delete(b);
      }
      break;
    }
  }
  for (const c of channel.values()) add(c.nodes, c.x, c.output, convertChannelGate(c));
  for (const s of sse.values()) add(s.nodes, s.x, s.output, convertSSE(s));

  return found.sort((a, b) => a.at - b.at).map(({ nodes, x, y, block }) => ({
    name: blockName(nodes, y),
    block: block.block,
    factory: FACTORIES[block.block],
    options: block.options,
    weights: block.weights,
    input: x,
    output: y,
    nodes: [...new Set(nodes.map((n) => n.name).filter((s) => s !== ""))],
    create: () => instantiate(block),
  }));
}
