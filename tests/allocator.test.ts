// The module's allocator under large allocations (issue 14): every live allocation keeps its
// bytes and no two overlap, through a random mix of allocations and frees of sizes around
// 256 MiB, 512 MiB, 1 GiB and 2 GiB, up to the module's 4 GiB; a request that cannot fit is
// excite's RangeError and leaves the heap usable. One process: it grows memory to 4 GiB.

import { readFileSync } from "node:fs";
import test, { type ExecutionContext } from "ava";
import { Heap } from "../dist/memory.js";
import { wasm } from "./helpers/wasm.js";
import { LiveBuffers } from "./helpers/live-buffers.js";

const MiB = 2 ** 20, GiB = 2 ** 30;
const heap = new Heap(wasm);
const OUT_OF_MEMORY = /^excite: out of WebAssembly memory allocating \d+ floats/;

/** Allocates `bytes` (a multiple of 4) through excite's Heap; undefined when it refuses with a RangeError. */
function tryAlloc(bytes: number): number | undefined {
  try {
    return heap.allocFloats(bytes / 4);
  } catch (err) {
    if (err instanceof RangeError && OUT_OF_MEMORY.test(err.message)) return undefined;
    throw err;
  }
}

function freeAll(live: LiveBuffers): void {
  while (live.live.length) heap.free(live.remove(0).ptr);
}

/** Fails with the problems found (leaving the buffers: freeing into a corrupt heap may trap), or frees every buffer. */
function verdict(t: ExecutionContext, live: LiveBuffers, problems: string[]): void {
  if (problems.length) return t.fail(problems.join("; "));
  freeAll(live);
  t.pass();
}

test.serial("a large request is never placed in a smaller freed block (the issue's 604 MB, then 630 MB)", (t) => {
  const live = new LiveBuffers(wasm.memory);
  const problems: string[] = [];
  problems.push(...live.add(wasm.alloc(604_000_000), 604_000_000));
  problems.push(...live.add(wasm.alloc(4096), 4096)); // neighbours: the freed block cannot merge onwards
  problems.push(...live.add(wasm.alloc(64 * MiB), 64 * MiB));
  wasm.free(live.remove(0).ptr);
  problems.push(...live.add(wasm.alloc(630_000_000), 630_000_000));
  problems.push(...live.problems(true));
  verdict(t, live, problems);
});

test.serial("the same at the end of memory: the larger request fits, and later allocations stay disjoint", (t) => {
  const live = new LiveBuffers(wasm.memory);
  const problems: string[] = [];
  problems.push(...live.add(wasm.alloc(604_000_000), 604_000_000));
  problems.push(...live.add(wasm.alloc(4096), 4096));
  wasm.free(live.remove(0).ptr);
  for (const bytes of [630_000_000, 800_000_000, 4096, 604_000_000]) problems.push(...live.add(wasm.alloc(bytes), bytes));
  problems.push(...live.problems(true));
  verdict(t, live, problems);
});

/** A deterministic generator of uniform numbers in [0, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A size near 256 MiB, 512 MiB, 1 GiB or 2 GiB: just below, at, or just above the power of two, or within ±10 %. */
function largeSize(r: () => number): number {
  const base = [256 * MiB, 512 * MiB, GiB, 2 * GiB][Math.floor(r() * 4)];
  const near = [base - 64, base - 16, base, base + 16, base + 4096, Math.round(base * (0.9 + 0.2 * r()))][Math.floor(r() * 6)];
  return near - (near % 4);
}

test.serial("random allocations and frees around 256 MiB to 2 GiB keep every live buffer intact and disjoint", (t) => {
  const r = rng(14);
  const live = new LiveBuffers(wasm.memory);
  let refused = 0, allocated = 0, maxLive = 0;
  const STEPS = 60;
  for (let step = 0; step < STEPS; step++) {
    const problems: string[] = [];
    const move = live.live.length ? r() : 1;
    if (move < 0.25) {
      heap.free(live.remove(Math.floor(r() * live.live.length)).ptr);
    } else {
      // Re-allocating a freed buffer slightly larger is what TLSF got wrong (same size class, smaller block).
      const regrown = move < 0.5 ? live.remove(Math.floor(r() * live.live.length)) : undefined;
      if (regrown) heap.free(regrown.ptr);
      const bytes = regrown ? regrown.bytes + 16 + 4 * Math.floor(r() * regrown.bytes * 0.025) : r() < 0.25 ? 4 * (1 + Math.floor(r() * 262144)) : largeSize(r);
      const ptr = tryAlloc(bytes);
      if (ptr === undefined) {
        refused++;
        // The heap stays usable: a small allocation still works, and a freed buffer makes room.
        problems.push(...live.add(heap.allocFloats(16), 64));
        if (live.live.length > 1) heap.free(live.remove(Math.floor(r() * (live.live.length - 1))).ptr);
      } else {
        allocated++;
        problems.push(...live.add(ptr, bytes));
      }
    }
    maxLive = Math.max(maxLive, live.totalBytes);
    problems.push(...live.problems(step % 10 === 9));
    if (problems.length) return verdict(t, live, [`step ${step}`, ...problems]);
  }
  t.log(`${allocated} allocations, ${refused} refused, at most ${(maxLive / GiB).toFixed(3)} GiB live at once`);
  t.true(allocated > 20 && refused > 0, "the sequence both fits and overflows memory");
  freeAll(live);
});

test.serial("fills memory to near 4 GiB, refuses what cannot fit with excite's RangeError, then reuses freed space", (t) => {
  const live = new LiveBuffers(wasm.memory);
  const problems: string[] = [];
  for (let bytes = 2 * GiB; bytes >= MiB; bytes /= 2) {
    const ptr = tryAlloc(bytes);
    if (ptr !== undefined) problems.push(...live.add(ptr, bytes));
  }
  const total = live.totalBytes;
  t.log(`live at once: ${total} bytes (${(total / GiB).toFixed(4)} GiB) in ${live.live.length} buffers; memory ${wasm.memory.buffer.byteLength} bytes`);
  t.true(total >= 4 * GiB - 16 * MiB, `${total} bytes live, expected within 16 MiB of 4 GiB`);
  t.throws(() => heap.allocFloats(16 * MiB), { instanceOf: RangeError, message: /^excite: out of WebAssembly memory allocating 16777216 floats/ });
  problems.push(...live.problems(true));
  // The 2 GiB buffer freed, 1.5 GiB and then 0.5 GiB fit in its place.
  heap.free(live.remove(0).ptr);
  for (const bytes of [1.5 * GiB, 0.5 * GiB - 4096]) problems.push(...live.add(heap.allocFloats(bytes / 4), bytes));
  problems.push(...live.problems(true));
  verdict(t, live, problems);
});

test.serial("the module's alloc answers 0 for a request it cannot hold, never a wrapped small block", (t) => {
  // with its 16-byte header and 16-byte pad, neither fits however small the module's static data is
  for (const bytes of [2 ** 32 - 16, 2 ** 32 - 48]) t.is(wasm.alloc(bytes), 0, `alloc(${bytes})`);
  const live = new LiveBuffers(wasm.memory);
  // All of memory but the module's static data (about 1 KB) is one allocation.
  const problems = live.add(wasm.alloc(2 ** 32 - 100_000), 2 ** 32 - 100_000);
  problems.push(...live.problems(false));
  wasm.free(live.remove(0).ptr);
  problems.push(...live.add(wasm.alloc(1000), 1000));
  problems.push(...live.problems(true));
  verdict(t, live, problems);
});

test.serial("freeing what is not a live allocation is an error, and the heap stays usable", (t) => {
  const a = heap.allocFloats(100), b = heap.allocFloats(100);
  heap.free(a);
  for (const bad of [a, b + 16, b + 4, 8, 2 ** 31]) t.throws(() => heap.free(bad), { instanceOf: Error, message: /^excite: cannot free \d+: not a live allocation/ }, `free(${bad})`);
  const live = new LiveBuffers(wasm.memory);
  const problems = live.add(heap.allocFloats(100), 400);
  heap.free(b);
  problems.push(...live.add(heap.allocFloats(300), 1200), ...live.problems(true));
  verdict(t, live, problems);
});

test("TLSF is not linked into the module (it would claim the same memory as assembly/memory.ts)", (t) => {
  const wat = readFileSync(new URL("../build/excite.debug.wat", import.meta.url), "utf8");
  t.true(wat.includes("(func $assembly/memory/alloc "), "the debug build's text names its functions");
  t.false(wat.includes("~lib/rt/tlsf"));
});
