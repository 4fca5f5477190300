// Direct access to the module's raw-pointer ABI for kernel tests: buffers prefilled with a NaN
// pattern so that an unwritten element is caught, followed by a guard zone of a large negative
// value (which no gate, activation or scaling maps to itself, even when a kernel over-reads it)
// so that a write past the end is caught.

import type { ExecutionContext } from "ava";
import { loadModule } from "../../dist/index.js";
import type { ExciteExports } from "../../dist/abi.js";

export const wasm: ExciteExports = await loadModule();

/** The bit pattern of "never written" (a NaN no kernel produces). */
const SENTINEL = 0x7fc0dead;
/** The bit pattern of the guard zone: -1.2345e37. */
const GUARD_BITS = new Uint32Array(new Float32Array([-1.2345e37]).buffer)[0];
const GUARD = 8;

/** Sets the `length` floats at module address ptr (an arena's or not) to the sentinel (unwritten). */
export function clear(ptr: number, length: number): void {
  new Uint32Array(wasm.memory.buffer).fill(SENTINEL, ptr >>> 2, (ptr >>> 2) + length);
}

export class Arena {
  private readonly ptrs: number[] = [];
  private readonly others: Array<() => void> = [];

  private u32(): Uint32Array {
    return new Uint32Array(wasm.memory.buffer);
  }

  f32(): Float32Array {
    return new Float32Array(wasm.memory.buffer);
  }

  /** A copy of `values` in module memory, followed by a guard zone. */
  put(values: ArrayLike<number>): number {
    const ptr = this.fresh(values.length);
    this.f32().set(values, ptr >>> 2);
    return ptr;
  }

  /** `length` floats of sentinel (unwritten) in module memory, followed by a guard zone. */
  fresh(length: number): number {
    const ptr = wasm.alloc((length + GUARD) * 4);
    this.ptrs.push(ptr);
    this.clear(ptr, length);
    this.u32().fill(GUARD_BITS, (ptr >>> 2) + length, (ptr >>> 2) + length + GUARD);
    return ptr;
  }

  /** Sets the `length` floats at ptr back to the sentinel (unwritten). */
  clear(ptr: number, length: number): void {
    clear(ptr, length);
  }

  read(ptr: number, length: number): Float32Array {
    return this.f32().slice(ptr >>> 2, (ptr >>> 2) + length);
  }

  /** The bit patterns of the `length` floats at ptr (a copy): what "the same bytes" compares. */
  bits(ptr: number, length: number): Uint32Array {
    return this.u32().slice(ptr >>> 2, (ptr >>> 2) + length);
  }

  /** Indices in [0, length) still holding the sentinel. */
  unwritten(ptr: number, length: number): number[] {
    const u = this.u32(), out: number[] = [];
    for (let i = 0; i < length; i++) if (u[(ptr >>> 2) + i] === SENTINEL) out.push(i);
    return out;
  }

  /** Whether the guard zone after `length` floats is untouched. */
  guardIntact(ptr: number, length: number): boolean {
    const u = this.u32();
    for (let i = length; i < length + GUARD; i++) if (u[(ptr >>> 2) + i] !== GUARD_BITS) return false;
    return true;
  }

  /** Has `free` run `release` too (for what is allocated outside the arena, e.g. by the bindings). */
  defer(release: () => void): void {
    this.others.push(release);
  }

  free(): void {
    for (const p of this.ptrs.splice(0)) wasm.free(p);
    for (const release of this.others.splice(0)) release();
  }
}

/** Runs `body` with a fresh arena, freed afterwards (also when body throws). */
export function withArena<T>(body: (a: Arena) => T): T {
  const a = new Arena();
  try {
    return body(a);
  } finally {
    a.free();
  }
}

/** An output a kernel test checks: its pointer, length, name, and the elements that must stay unwritten. */
export type CheckedOutput = [number, number, string, number[]?];

/**
 * withArena for kernel tests: every output `body` registers must be written except where listed,
 * and its guard intact.
 */
export function withCheckedArena(t: ExecutionContext, body: (a: Arena, outputs: CheckedOutput[]) => void): void {
  withArena((a) => {
    const outputs: CheckedOutput[] = [];
    body(a, outputs);
    for (const [ptr, len, what, unwritten = []] of outputs) {
      t.deepEqual(a.unwritten(ptr, len), unwritten, `${what}: unwritten elements`);
      t.true(a.guardIntact(ptr, len), `${what}: wrote past the end`);
    }
  });
}

/**
 * Asserts that the `length` floats at ptr were all written and that nothing was written past them
 * (past `room` floats, for kernels allowed to write whole vectors past the end); returns them.
 */
export function written(t: ExecutionContext, a: Arena, ptr: number, length: number, what: string, room = length): Float32Array {
  const missing = a.unwritten(ptr, length);
  t.deepEqual(missing.slice(0, 8), [], `${what}: ${missing.length} elements unwritten`);
  t.true(a.guardIntact(ptr, room), `${what}: wrote past the end`);
  return a.read(ptr, length);
}

/** Asserts that two arrays hold the same bit patterns (NaN payloads and −0 included), naming the first difference. */
export function sameBits(t: ExecutionContext, got: Uint32Array, want: Uint32Array, what: string): boolean {
  if (got.length !== want.length) {
    t.fail(`${what}: ${got.length} elements, expected ${want.length}`);
    return false;
  }
  let i = 0;
  while (i < want.length && got[i] === want[i]) i++;
  const show = (u: Uint32Array) => `${new Float32Array(u.buffer, u.byteOffset + 4 * i, 1)[0]} (0x${u[i].toString(16)})`;
  t.true(i === want.length, i === want.length ? what : `${what}: element ${i} is ${show(got)}, expected ${show(want)}`);
  return i === want.length;
}

/** Deterministic values in [-2, 2) (a small LCG; these tests need variety, not the golden PRNG). */
export function values(length: number, seed = 1): Float32Array {
  const out = new Float32Array(length);
  let s = seed >>> 0;
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32) * 4 - 2;
  }
  return out;
}
