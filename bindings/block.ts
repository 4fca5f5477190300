// What every block shares: run (copying), io (zero-copy), dispose, and the checks around them.
// A block subclass says how its output is shaped, how much scratch it needs, and which
// fused entry of the module computes it.

import type { ExciteExports } from "./abi.js";
import { type Heap, HeapArray, Workspace } from "./memory.js";
import { checkInput, checkInputDims, checkOut, type Dims, numel } from "./validate.js";
import type { WeightPack } from "./weights.js";

const align16 = (bytes: number): number => (bytes + 15) & ~15;
/** Bytes of a region of `floats` floats in a workspace: aligned, plus the kernels' 16-byte read pad. */
const regionBytes = (floats: number): number => align16(floats * 4) + 16;
/** The most floats `run` stages at once when a batch has several images (1 MB: half of a 2 MB L2). */
const CHUNK_FLOATS = 1 << 18;

export abstract class Block {
  private disposed = false;
  private readonly staging: Workspace;
  private readonly scratch: Workspace;
  private readonly ios = new Set<BlockIO>();

  protected constructor(
    protected readonly heap: Heap,
    /** The block's name in error messages, e.g. "SE". */
    readonly name: string,
    /** The channel count C the block was built for. */
    readonly channels: number,
    protected readonly weights: WeightPack,
  ) {
    this.staging = new Workspace(heap);
    this.scratch = new Workspace(heap);
  }

  protected get wasm(): ExciteExports {
    return this.heap.wasm;
  }

  /** The channel count of the input (C by default; a block that changes it overrides this). */
  get inChannels(): number {
    return this.channels;
  }

  /** Output dims for input dims `d` (the same by default). */
  outputDims(d: Dims): Dims {
    return d;
  }

  /** Whether `execute` may write its output over its input (then `run` stages one buffer, not two). */
  protected get inPlace(): boolean {
    return true;
  }

  /** Scratch bytes `execute` needs for input dims `d`. */
  protected scratchBytes(_d: Dims): number {
    return 0;
  }

  /** Computes the block from x to y (byte offsets) for input dims d, with `scratch` bytes of scratch. */
  protected abstract execute(x: number, y: number, d: Dims, scratch: number): void;

  /**
   * y = block(x) for x of dims [N, C, H, W] (NCHW). Writes into `out` (exactly the output's
   * length; may be `x` itself) and returns it, or returns a new Float32Array.
   */
  run(x: Float32Array, dims: readonly number[], out?: Float32Array): Float32Array {
    this.checkAlive();
    const d = checkInput(x, dims, this.inChannels);
    const od = this.outputDims(d);
    const outLength = numel(od);
    const target = checkOut(out, outLength, od);
    // The images of a batch are independent: a large batch goes through the module a few
    // images at a time, each chunk copied in, computed and copied out while it is in cache.
    const inPerImage = x.length / d[0], outPerImage = outLength / d[0];
    const perChunk = Math.max(1, Math.min(d[0], Math.floor(CHUNK_FLOATS / Math.max(inPerImage, outPerImage))));
    const inBytes = regionBytes(perChunk * inPerImage);
    const outBytes = this.inPlace ? 0 : regionBytes(perChunk * outPerImage);
    const base = this.staging.reserve(inBytes + outBytes);
    const scratch = this.scratch.reserve(this.scratchBytes([perChunk, d[1], d[2], d[3]]));
    const xPtr = base;
    const yPtr = this.inPlace ? base : base + inBytes;
    const result = target ?? new Float32Array(outLength);
    const heap = this.heap.f32;
    for (let n = 0; n < d[0]; n += perChunk) {
      const k = Math.min(perChunk, d[0] - n);
      heap.set(x.subarray(n * inPerImage, (n + k) * inPerImage), xPtr >>> 2);
      this.execute(xPtr, yPtr, [k, d[1], d[2], d[3]], scratch);
      result.set(heap.subarray(yPtr >>> 2, (yPtr >>> 2) + k * outPerImage), n * outPerImage);
    }
    return result;
  }

  /**
   * The zero-copy path: input and output buffers for dims `dims` that live in the module's
   * memory. Write the input into `io.input`, call `io.run()`, read `io.output`.
   */
  io(dims: readonly number[]): BlockIO {
    this.checkAlive();
    const d = checkInputDims(dims, this.inChannels);
    const io = new BlockIO(this, d, this.outputDims(d), (x, y) => this.execute(x, y, d, this.scratch.reserve(this.scratchBytes(d))), (b) => this.ios.delete(b));
    this.ios.add(io);
    return io;
  }

  /** Frees the block's memory in the module. Idempotent; any later call throws. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const io of [...this.ios]) io.dispose();
    this.staging.free();
    this.scratch.free();
    this.weights.free();
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  private checkAlive(): void {
    if (this.disposed) throw new Error(`excite: this ${this.name} block has been disposed`);
  }

  /** Used by BlockIO. */
  get heapOf(): Heap {
    return this.heap;
  }
}

/**
 * Input and output tensors of one block in the module's memory (the zero-copy path). `input`
 * and `output` are re-made views whenever memory has grown, so read them afresh after any
 * create or io call rather than keeping an old one.
 */
export class BlockIO {
  private readonly inBuf: HeapArray;
  private readonly outBuf: HeapArray;
  private disposed = false;

  constructor(
    private readonly block: Block,
    /** Input dims [N, C, H, W]. */
    readonly dims: Dims,
    /** Output dims. */
    readonly outDims: Dims,
    private readonly compute: (x: number, y: number) => void,
    private readonly onDispose: (io: BlockIO) => void,
  ) {
    this.inBuf = new HeapArray(block.heapOf, numel(dims));
    try {
      this.outBuf = new HeapArray(block.heapOf, numel(outDims));
    } catch (err) {
      this.inBuf.free();
      throw err;
    }
  }

  /** The input tensor (NCHW), a view into the module's memory. */
  get input(): Float32Array {
    this.checkAlive();
    return this.inBuf.view;
  }

  /** The output tensor, a view into the module's memory. */
  get output(): Float32Array {
    this.checkAlive();
    return this.outBuf.view;
  }

  /** Computes the block from `input` into `output` and returns `output`. */
  run(): Float32Array {
    this.checkAlive();
    if (this.block.isDisposed) throw new Error(`excite: the ${this.block.name} block of this io has been disposed`);
    this.compute(this.inBuf.ptr, this.outBuf.ptr);
    return this.outBuf.view;
  }

  /** Frees the buffers. Idempotent; any later use throws. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.inBuf.free();
    this.outBuf.free();
    this.onDispose(this);
  }

  private checkAlive(): void {
    if (this.disposed) throw new Error(`excite: this ${this.block.name} io has been disposed`);
  }
}
