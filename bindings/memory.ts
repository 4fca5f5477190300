// The module's linear memory seen from TypeScript: allocation, float views that survive
// memory growth, and reusable per-block buffers.

import type { ExciteExports } from "./abi.js";
import { loadModule } from "./loader.js";

/** Largest tensor (in floats) a block accepts: the module's 32-bit memory holds at most 4 GiB. */
export const MAX_FLOATS = 2 ** 28;

/** The largest single allocation: below 4 GiB with room for the allocator's header and read pad. */
const MAX_ALLOC_BYTES = 2 ** 32 - 2 ** 16;

/** The module's memory and heap. One per instantiated module, shared by every block. */
export class Heap {
  private view: Float32Array = new Float32Array(0);
  private words: Int32Array = new Int32Array(0);
  private doubles: Float64Array = new Float64Array(0);

  constructor(readonly wasm: ExciteExports) {}

  /**
   * All of memory as floats. Memory grows (and its old ArrayBuffer detaches) inside `alloc`;
   * this getter always answers the current buffer, so fetch it after allocating.
   */
  get f32(): Float32Array {
    if (this.view.buffer !== this.wasm.memory.buffer) this.view = new Float32Array(this.wasm.memory.buffer);
    return this.view;
  }

  /** All of memory as 32-bit integers (as `f32`, fetch it after allocating). */
  get i32(): Int32Array {
    if (this.words.buffer !== this.wasm.memory.buffer) this.words = new Int32Array(this.wasm.memory.buffer);
    return this.words;
  }

  /** All of memory as doubles (index = byte offset / 8). */
  get f64(): Float64Array {
    if (this.doubles.buffer !== this.wasm.memory.buffer) this.doubles = new Float64Array(this.wasm.memory.buffer);
    return this.doubles;
  }

  /**
   * `floats` floats (16-byte aligned, plus the kernels' read pad); returns a byte offset
   * (unsigned: memory beyond 2 GiB is addressable). A request the module's memory cannot hold
   * is a RangeError naming its size; the heap stays usable (assembly/memory.ts).
   */
  allocFloats(floats: number): number {
    // The module's pointers are 32-bit: a larger request would wrap to a small allocation.
    if (!Number.isSafeInteger(floats) || floats < 0 || floats * 4 > MAX_ALLOC_BYTES) {
      throw new RangeError(`excite: cannot allocate ${floats} floats in WebAssembly memory (at most ${MAX_ALLOC_BYTES / 4})`);
    }
    const ptr = this.wasm.alloc(floats * 4) >>> 0;
    if (ptr === 0) {
      throw new RangeError(`excite: out of WebAssembly memory allocating ${floats} floats (${floats * 4} bytes; the module's memory holds at most 4 GiB, ${this.wasm.memory.buffer.byteLength} bytes now)`);
    }
    return ptr;
  }

  /** Frees an offset from `allocFloats` (0 is ignored); an offset that is not a live allocation is an Error. */
  free(ptr: number): void {
    if (!ptr) return;
    try {
      this.wasm.free(ptr);
    } catch (cause) {
      throw new Error(`excite: cannot free ${ptr >>> 0}: not a live allocation of the module's memory`, { cause });
    }
  }

  /** Copies `src` into a new allocation; returns its byte offset. */
  upload(src: Float32Array): number {
    const ptr = this.allocFloats(src.length);
    this.f32.set(src, ptr >>> 2);
    return ptr;
  }
}

/** A float array in the module's memory whose `view` stays valid across memory growth. */
export class HeapArray {
  private cached: Float32Array = new Float32Array(0);
  private ptr_: number;

  constructor(private readonly heap: Heap, readonly length: number) {
    this.ptr_ = heap.allocFloats(length);
  }

  /** Byte offset in the module's memory; 0 once freed. */
  get ptr(): number {
    return this.ptr_;
  }

  /** The array's floats, a view into the module's memory, re-made when memory has grown. */
  get view(): Float32Array {
    if (!this.ptr_) throw new Error("excite: this buffer has been disposed");
    const all = this.heap.f32;
    if (this.cached.buffer !== all.buffer) this.cached = all.subarray(this.ptr_ >>> 2, (this.ptr_ >>> 2) + this.length);
    return this.cached;
  }

  free(): void {
    this.heap.free(this.ptr_);
    this.ptr_ = 0;
  }
}

/** Scratch memory that grows to the largest size asked of it and is reused across calls. */
export class Workspace {
  private ptr = 0;
  private capacity = 0;

  constructor(private readonly heap: Heap) {}

  /** A region of at least `bytes` bytes (16-aligned); its contents are not kept across growth. */
  reserve(bytes: number): number {
    if (bytes > this.capacity) {
      const ptr = this.heap.allocFloats(Math.ceil(bytes / 4));
      this.heap.free(this.ptr);
      this.ptr = ptr;
      this.capacity = bytes;
    }
    return this.ptr;
  }

  free(): void {
    this.heap.free(this.ptr);
    this.ptr = 0;
    this.capacity = 0;
  }
}

let shared: Promise<Heap> | undefined;

/** The heap of the shared module instance, instantiating it on first use. */
export function sharedHeap(): Promise<Heap> {
  shared ??= loadModule().then((wasm) => new Heap(wasm));
  shared.catch(() => (shared = undefined));
  return shared;
}
