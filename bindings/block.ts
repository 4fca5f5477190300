// What every block shares, driven by its definition (BlockDef, one per file of bindings/blocks/):
// options and weights checked at create, the constants written once into a parameter record, then
// `run` (copying), `io` (zero-copy) and `dispose`, with the checks around them. A call plans the
// block's stages in the module (call.ts) and runs them.

import type { ExciteExports, StagedEntry } from "./abi.js";
import { CallRecord, type Operands } from "./call.js";
import type { Conv } from "./conv-params.js";
import { convMacsPerInputFloat, packWeights } from "./conv-params.js";
import { LAYOUT_NCHW, LAYOUT_NHWC } from "./constants.js";
import { type Heap, HeapArray, sharedHeap, Workspace } from "./memory.js";
import { type Fields, ParamRecord } from "./params.js";
import { checkInputDims, checkOptionKeys, checkOut, checkTensor, type Dims, dimsOf, type Layout, numel, oneOf, type Shape, shapeOf } from "./validate.js";
import { checkWeights, type WeightPack, type Weights, type WeightSpec } from "./weights.js";

/** What every block's parsed options have. */
export interface BlockConfig {
  readonly layout: Layout;
  /** Output channels; undefined for a block built for any C (SimAM: the output has the input's). */
  readonly channels?: number;
  /** Input channels (default `channels`). */
  readonly inChannels?: number;
}

/** A block: how its options, weights and constants are made, and which exports compute it. */
export interface BlockDef<O, G extends BlockConfig> {
  /** The name in messages, e.g. "SE". */
  readonly name: string;
  /** Every option it takes (an unknown option is an error: a misspelt one is never ignored). */
  readonly optionKeys: readonly string[];
  /** 2 for AFF and iAFF (x and residual). */
  readonly inputs?: 1 | 2;
  /** The layouts it computes in (the `layout` option every block takes; default only 'nchw'). */
  readonly layouts?: readonly Layout[];
  /** The options but `layout`, checked, with their defaults. */
  parse(options: O): Omit<G, "layout">;
  /** The canonical state_dict keys and shapes it takes. */
  weights(config: G): WeightSpec[];
  /** The weights as the module uses them (batch norms folded, …) and the convolutions to pack; default: as given. */
  prepare?(config: G, weights: Weights): { weights: Weights; convs?: readonly Conv[] };
  /** The parameter record, field for field as the block's @unmanaged class in assembly/blocks/. */
  params(config: G, pack: WeightPack): Fields;
  /** The output's shape for an input's (default: the same). */
  outputShape?(config: G, input: Shape): Shape;
  /** Whether the output may be written over the input (default true). */
  inPlace?(config: G): boolean;
  /** Its `_plan` and `_run` exports. */
  entry(wasm: ExciteExports): StagedEntry;
}

/** The module's LAYOUT_* code of a layout. */
export const layoutCode = (l: Layout): number => (l === "nchw" ? LAYOUT_NCHW : LAYOUT_NHWC);

/** The most floats `run` stages at once when a batch has several images (1 MB: half of a 2 MB L2). */
const CHUNK_FLOATS = 1 << 18;
const align16 = (bytes: number): number => (bytes + 15) & ~15;
/** Bytes of a staging region of `floats` floats: aligned, plus the kernels' 16-byte read pad. */
const regionBytes = (floats: number): number => align16(floats * 4) + 16;

/** A Float32Array that may be a view of the module's memory, re-made after that memory grew. */
function rebindable(a: Float32Array, memory: WebAssembly.Memory): () => Float32Array {
  if (a.buffer !== memory.buffer) return () => a;
  const offset = a.byteOffset, length = a.length;
  return () => (a.buffer === memory.buffer ? a : new Float32Array(memory.buffer, offset, length));
}

/** Whether a and b share memory without being the same array. */
function overlapsPartially(a: Float32Array, b: Float32Array): boolean {
  if (a.buffer !== b.buffer || (a.byteOffset === b.byteOffset && a.length === b.length)) return false;
  return a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}

const INPUT_NAMES = ["the input", "the residual"] as const;

/** SharedArrayBuffer where it exists (a page that is not cross-origin isolated has none). */
const SharedArrayBufferOrNone: abstract new (...args: never[]) => unknown = typeof SharedArrayBuffer === "undefined" ? class {} : SharedArrayBuffer;

/** The part of a block that does not depend on how many inputs it has. */
export abstract class BlockBase<G extends BlockConfig = BlockConfig> {
  private disposed = false;
  private readonly staging: Workspace;
  private readonly call: CallRecord;
  private readonly ios = new Set<BlockIO>();
  /** What run()'s current plan was made for (its operands); the call record keeps it while no other call replans it. */
  private readonly runPlan = { operands: "" };

  /** @internal Blocks are made by their `createX` (blockFactory). */
  constructor(
    protected readonly def: BlockDef<never, G>,
    /** The block's options, checked, with their defaults. */
    readonly config: G,
    private readonly heap: Heap,
    private readonly pack: WeightPack,
    private readonly params: ParamRecord,
    /** Its convolutions' multiply-adds per input float (whether a small call is worth splitting over threads). */
    macsPerFloat = 0,
  ) {
    this.staging = new Workspace(heap);
    this.call = new CallRecord(heap, def.entry(heap.wasm), macsPerFloat);
  }

  /** The block's name in messages, e.g. "SE". */
  get name(): string {
    return this.def.name;
  }

  /** The output's channel count (undefined for a block built for any C). */
  get channels(): number | undefined {
    return this.config.channels;
  }

  /** The input's channel count (undefined for a block built for any C). */
  get inChannels(): number | undefined {
    return this.config.inChannels ?? this.config.channels;
  }

  /** The layout of inputs and outputs. */
  get layout(): Layout {
    return this.config.layout;
  }

  /** The output's dims for input dims `dims` (in the block's layout). */
  outputDims(dims: readonly number[]): Dims {
    return dimsOf(this.outputShape(shapeOf(checkInputDims(dims, this.inChannels, this.layout), this.layout)), this.layout);
  }

  private outputShape(s: Shape): Shape {
    const out = this.def.outputShape?.(this.config, s) ?? s;
    if (out.n * out.c * out.h * out.w > 2 ** 28) throw new RangeError(`excite: ${this.name} output [${dimsOf(out, this.layout).join(", ")}] for dims [${dimsOf(s, this.layout).join(", ")}] has more than ${2 ** 28} elements`);
    return out;
  }

  /**
   * y = block(inputs) for inputs of dims `dims`: into `out` (exactly the output's length; it may be
   * an input when the shapes match) or a new Float32Array. An `out` that partly overlaps an input is
   * computed as if it did not.
   */
  protected compute(inputs: readonly Float32Array[], dims: readonly number[], out: Float32Array | undefined): Float32Array {
    this.checkAlive();
    const d = checkInputDims(dims, this.inChannels, this.layout);
    inputs.forEach((x, i) => checkTensor(INPUT_NAMES[i], x, d, this.layout));
    const s = shapeOf(d, this.layout);
    const os = this.outputShape(s);
    const outLength = os.n * os.c * os.h * os.w;
    const target = checkOut(out, outLength, dimsOf(os, this.layout));
    const memory = this.heap.wasm.memory;
    // an out that partly overlaps an input would be written before the input is read: compute apart, copy at the end
    const apart = target !== undefined && inputs.some((x) => overlapsPartially(x, target));
    const result = rebindable(target && !apart ? target : new Float32Array(outLength), memory);
    const sources = inputs.map((x) => rebindable(x, memory));
    // The images of a batch are independent: a large batch goes through the module a few images
    // at a time, each chunk copied in, computed and copied out while it is in cache.
    const inPerImage = numel(d) / s.n, outPerImage = outLength / s.n;
    const perChunk = Math.max(1, Math.min(s.n, Math.floor(CHUNK_FLOATS / Math.max(inPerImage, outPerImage))));
    const inBytes = regionBytes(perChunk * inPerImage);
    const ownOut = !(this.def.inPlace?.(this.config) ?? true) || inPerImage !== outPerImage;
    const base = this.staging.reserve(inBytes * inputs.length + (ownOut ? regionBytes(perChunk * outPerImage) : 0));
    const x = base, residual = inputs.length > 1 ? base + inBytes : 0, y = ownOut ? base + inBytes * inputs.length : base;
    const operands = (k: number): Operands => ({ x, residual, y, n: k, c: s.c, h: s.h, w: s.w });
    this.planRun(operands(perChunk), d); // memory grows here if it must, before any copy
    for (let n = 0; n < s.n; n += perChunk) {
      const k = Math.min(perChunk, s.n - n);
      const heap = this.heap.f32;
      sources.forEach((src, i) => heap.set(src().subarray(n * inPerImage, (n + k) * inPerImage), (base + i * inBytes) >>> 2));
      this.call.run(this.planRun(operands(k), d));
      result().set(this.heap.f32.subarray(y >>> 2, (y >>> 2) + k * outPerImage), n * outPerImage);
    }
    if (apart) target.set(result());
    return apart ? target : result();
  }

  /**
   * The call record planned on `o` (returns its stage count). A plan is a function of the block's
   * parameters and the operands alone, so run() plans only when they differ from its last plan's
   * or another call (an io, a run on other dims) has replanned the record since: repeated calls on
   * one shape, and the full chunks of a batch, plan once (a plan costs a few microseconds, a
   * fraction of a copy of a small tensor).
   */
  private planRun(o: Operands, d: Dims): number {
    const operands = `${o.x},${o.residual},${o.y},${o.n},${o.c},${o.h},${o.w}`;
    const planned = this.runPlan.operands === operands ? this.call.plannedFor(this.runPlan) : undefined;
    if (planned !== undefined) return planned;
    this.runPlan.operands = ""; // (a plan that throws is no plan to reuse)
    const stages = this.call.plan(this.params.ptr, o, this.name, d, this.runPlan);
    this.runPlan.operands = operands;
    return stages;
  }

  /**
   * The zero-copy path: input and output tensors of dims `dims` that live in the module's memory.
   * Write the input into `io.input` (and `io.residual`), call `io.run()`, read `io.output`.
   */
  io(dims: readonly number[]): BlockIO {
    this.checkAlive();
    const d = checkInputDims(dims, this.inChannels, this.layout);
    const s = shapeOf(d, this.layout), os = this.outputShape(s);
    const io = new BlockIO(this.heap, this.name, this.def.inputs ?? 1, d, dimsOf(os, this.layout), (x, residual, y, owner) => {
      this.checkAlive(`the ${this.name} block of this io`);
      // the call record keeps an io's plan until another call replans it
      return this.call.plannedFor(owner) ?? this.call.plan(this.params.ptr, { x, residual, y, n: s.n, c: s.c, h: s.h, w: s.w }, this.name, d, owner);
    }, (stages) => this.call.run(stages), (b) => this.ios.delete(b));
    this.ios.add(io);
    return io;
  }

  /** Frees the block's memory in the module. Idempotent; any later call throws. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const io of [...this.ios]) io.dispose();
    this.staging.free();
    this.call.free();
    this.params.free();
    this.pack.free();
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  private checkAlive(what = `this ${this.name} block`): void {
    if (this.disposed) throw new Error(`excite: ${what} has been disposed`);
  }
}

/** A block of one input: `run(x, dims, out?)`. */
export class Block<G extends BlockConfig = BlockConfig> extends BlockBase<G> {
  /** y = block(x) for x of dims `dims` (NCHW [N, C, H, W] or NHWC [N, H, W, C], as the block's layout). */
  run(x: Float32Array, dims: readonly number[], out?: Float32Array): Float32Array {
    return this.compute([x], dims, out);
  }
}

/** A block of two inputs of one shape (AFF, iAFF): `run(x, residual, dims, out?)`; out may be either input. */
export class FusionBlock<G extends BlockConfig = BlockConfig> extends BlockBase<G> {
  run(x: Float32Array, residual: Float32Array, dims: readonly number[], out?: Float32Array): Float32Array {
    return this.compute([x, residual], dims, out);
  }
}

/**
 * The tensors of one block's zero-copy path, in the module's memory. `input`, `residual` and
 * `output` are views re-made whenever memory has grown; a view taken before memory grew cannot
 * reach the module (the old buffer is detached), so `run` refuses to compute when the last view
 * handed out of an input is stale, rather than compute on what that view no longer writes.
 */
export class BlockIO {
  private readonly bufs: HeapArray[] = [];
  private readonly handedOut: (ArrayBufferLike | undefined)[] = [];
  private disposed = false;

  constructor(
    private readonly heap: Heap,
    private readonly name: string,
    inputs: number,
    /** Input dims. */
    readonly dims: Dims,
    /** Output dims. */
    readonly outDims: Dims,
    private readonly plan: (x: number, residual: number, y: number, owner: BlockIO) => number,
    private readonly runStages: (stages: number) => void,
    private readonly onDispose: (io: BlockIO) => void,
  ) {
    try {
      for (let i = 0; i < inputs; i++) this.bufs.push(new HeapArray(heap, numel(dims)));
      this.bufs.push(new HeapArray(heap, numel(outDims)));
      // planned (and its scratch reserved) now, so that run() never grows memory under the caller's views
      this.replan();
    } catch (err) {
      for (const b of this.bufs) b.free();
      throw err;
    }
  }

  private replan(): number {
    const [x, second, third] = this.bufs;
    return this.plan(x.ptr, third ? second.ptr : 0, (third ?? second).ptr, this);
  }

  /** The input tensor, a view into the module's memory. */
  get input(): Float32Array {
    return this.view(0);
  }

  /** The second input of a two-input block (AFF, iAFF). */
  get residual(): Float32Array {
    if (this.bufs.length < 3) throw new TypeError(`excite: the ${this.name} block has one input; io.residual is only for AFF and iAFF`);
    return this.view(1);
  }

  /** The output tensor, a view into the module's memory. */
  get output(): Float32Array {
    this.checkAlive();
    return this.bufs[this.bufs.length - 1].view;
  }

  private view(i: number): Float32Array {
    this.checkAlive();
    const v = this.bufs[i].view;
    this.handedOut[i] = v.buffer;
    return v;
  }

  /** Computes the block from the input(s) into `output` and returns `output`. */
  run(): Float32Array {
    this.checkAlive();
    const current = this.heap.wasm.memory.buffer;
    // (a shared memory's old views stay valid when it grows: writes through them reach the module)
    this.handedOut.forEach((b, i) => {
      if (b !== undefined && b !== current && !(b instanceof SharedArrayBufferOrNone)) {
        const what = i === 0 ? "input" : "residual";
        throw new Error(`excite: io.${what} was last taken before the module's memory grew (a create, io or run call in between grew it), so writes through that view may not have reached the module: take io.${what} again, after any such call, and write the input through it`);
      }
    });
    this.runStages(this.replan());
    return this.output;
  }

  /** Frees the buffers. Idempotent; any later use throws. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const b of this.bufs) b.free();
    this.onDispose(this);
  }

  private checkAlive(): void {
    if (this.disposed) throw new Error(`excite: this ${this.name} io has been disposed`);
  }
}

type BlockClass<G extends BlockConfig> = new (def: BlockDef<never, G>, config: G, heap: Heap, pack: WeightPack, params: ParamRecord, macsPerFloat: number) => BlockBase<G>;

/** A block's `createX`, which also answers what it is: its name and the weights given options need. */
export interface BlockFactory<O, B> {
  /** (options may be left out only by blocks that need none, as SimAM: the others throw naming the missing option) */
  (options?: O, weights?: Weights): Promise<B>;
  /** The block's name, e.g. "SE". */
  readonly blockName: string;
  /** How many input tensors `run` takes (2 for AFF and iAFF). */
  readonly inputs: 1 | 2;
  /** The canonical state_dict keys and shapes the block takes with `options`. */
  weightSpecs(options: O): WeightSpec[];
  /** The layouts it computes in ('nchw', and 'nhwc' where it has NHWC kernels). */
  readonly layouts: readonly Layout[];
  /** The option names it accepts (besides `layout`). */
  readonly optionKeys: readonly string[];
}

/**
 * The `createX(options, weights)` of a block definition: checks the options and the weights,
 * then (instantiating the module on first use) copies the weights into the module once and
 * writes the block's parameter record.
 */
export function blockFactory<O, G extends BlockConfig, B extends BlockBase<G>>(def: BlockDef<O, G>, kind: BlockClass<G> = Block as never): BlockFactory<O, B> {
  const parse = (options: O | undefined): G => {
    const o = checkOptionKeys(def.name, options === undefined ? ({} as O) : options, [...def.optionKeys, "layout"]);
    const layout = oneOf<Layout>(def.name, "layout", (o as { layout?: unknown }).layout, def.layouts ?? ["nchw"], "nchw");
    return { ...def.parse(o), layout } as G;
  };
  const create = async (options?: O, weights: Weights = {}) => {
    const config = parse(options);
    const checked = checkWeights(def.name, weights, def.weights(config));
    const prepared = def.prepare?.(config, checked) ?? { weights: checked };
    const heap = await sharedHeap();
    const pack = packWeights(heap, prepared.weights, prepared.convs ?? []);
    let params: ParamRecord;
    try {
      params = new ParamRecord(heap, def.params(config, pack));
    } catch (err) {
      pack.free();
      throw err;
    }
    const macsPerFloat = convMacsPerInputFloat(prepared.convs ?? [], config.inChannels ?? config.channels ?? 1);
    return new kind(def as BlockDef<never, G>, config, heap, pack, params, macsPerFloat) as B;
  };
  return Object.assign(create, { blockName: def.name, inputs: def.inputs ?? 1, layouts: def.layouts ?? ["nchw"], optionKeys: def.optionKeys, weightSpecs: (options: O) => def.weights(parse(options)) });
}
