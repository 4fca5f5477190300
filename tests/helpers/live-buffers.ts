// Allocations of the module's memory tracked by the allocator tests: each holds its own 32-bit
// pattern, and `problems()` lists every pair that overlaps and every buffer whose pattern was
// overwritten, comparing bytes with memcmp (Buffer.compare): every byte, or (sampled) the
// first and last pages and one page per MiB in between.

/** Bytes of slack the module keeps after every allocation (assembly/memory.ts READ_PAD). */
export const READ_PAD = 16;

const CHUNK = 1 << 20;
const PAGE = 4096;

export interface LiveBuffer {
  readonly ptr: number;
  readonly bytes: number;
  /** The 32-bit word every aligned word of the buffer holds. */
  readonly word: number;
}

export class LiveBuffers {
  readonly live: LiveBuffer[] = [];
  private nextWord = 0x5eed0001;

  constructor(private readonly memory: WebAssembly.Memory) {}

  get totalBytes(): number {
    return this.live.reduce((s, b) => s + b.bytes, 0);
  }

  /**
   * Tracks a fresh allocation of `bytes` (a multiple of 4) at byte `offset`; first records whether its
   * read pad came zeroed, then fills it with a pattern of its own. Returns the problems found.
   */
  add(offset: number, bytes: number): string[] {
    const ptr = offset >>> 0; // the module's i32 result is negative past 2 GiB
    const problems: string[] = [];
    if (ptr % 16 !== 0) problems.push(`allocation of ${bytes} bytes at ${ptr} is not 16-byte aligned`);
    if (ptr + bytes + READ_PAD > this.memory.buffer.byteLength) problems.push(`allocation of ${bytes} bytes at ${ptr} runs past the end of the ${this.memory.buffer.byteLength}-byte memory`);
    else if (new Uint8Array(this.memory.buffer, ptr + bytes, READ_PAD).some((v) => v !== 0)) problems.push(`allocation of ${bytes} bytes at ${ptr}: its read pad is not zeroed`);
    const word = this.nextWord;
    this.nextWord = (this.nextWord + 0x9e3779b1) >>> 0;
    if (problems.length === 0) new Uint32Array(this.memory.buffer, ptr, bytes / 4).fill(word);
    this.live.push({ ptr, bytes, word });
    return problems;
  }

  /** Stops tracking the `i`-th buffer and returns it (the caller frees it). */
  remove(i: number): LiveBuffer {
    return this.live.splice(i, 1)[0];
  }

  /** Every overlap between two live buffers (each with its read pad) and every damaged pattern. */
  problems(full: boolean): string[] {
    const out: string[] = [];
    const sorted = [...this.live].sort((a, b) => a.ptr - b.ptr);
    for (let i = 1; i < sorted.length; i++) {
      const a = sorted[i - 1], b = sorted[i];
      if (a.ptr + a.bytes + READ_PAD > b.ptr) out.push(`[${a.ptr}, ${a.ptr + a.bytes}) (+pad) overlaps [${b.ptr}, ${b.ptr + b.bytes})`);
    }
    const mem = Buffer.from(this.memory.buffer);
    const ref = Buffer.alloc(CHUNK);
    const refWords = new Uint32Array(ref.buffer, ref.byteOffset, CHUNK / 4);
    for (const b of this.live) {
      if (b.ptr + b.bytes > mem.length) continue; // reported by add
      refWords.fill(b.word);
      const span = full ? CHUNK : PAGE;
      const starts = [];
      for (let at = 0; at < b.bytes; at += CHUNK) starts.push(at);
      if (!full) starts.push(Math.max(0, b.bytes - PAGE));
      for (const at of starts) {
        const n = Math.min(span, b.bytes - at);
        if (mem.compare(ref, 0, n, b.ptr + at, b.ptr + at + n) !== 0) {
          out.push(`buffer of ${b.bytes} bytes at ${b.ptr}: pattern overwritten in [${b.ptr + at}, ${b.ptr + at + n})`);
          break;
        }
      }
    }
    return out;
  }
}
