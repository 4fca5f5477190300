// Memory growth never leaves a caller with a dead view, and dispose gives back every byte a
// block took. The tests are serial: the leak test measures the heap, which nothing else may use
// meanwhile. Either may run first.

import test from "ava";
import { blocks, createSE } from "../dist/index.js";
import { Heap } from "../dist/memory.js";
import { readGolden, runGolden } from "./helpers/golden.js";
import { smallestGolden } from "./helpers/bad-input.js";
import { wasm } from "./helpers/wasm.js";

test.serial("io views survive the module's memory growing", async (t) => {
  const g = readGolden("se", "default_c6.safetensors");
  const block = await createSE(g.options as never, g.weights);
  const expected = block.run(g.x, g.dims);
  const io = block.io(g.dims);
  const stale = io.input;
  const before = wasm.memory.buffer.byteLength;
  // at least 100 MB, and more than all of memory now: the memory must grow
  const perImage = g.dims[1] * 256 * 256 * 4;
  const big = block.io([Math.max(64, Math.ceil(before / perImage) + 1), g.dims[1], 256, 256]);
  t.true(wasm.memory.buffer.byteLength > before, "memory grew");
  t.is(stale.byteLength, 0, "a view taken before growth is detached (why the getters exist)");
  io.input.set(g.x);
  t.deepEqual(io.run(), expected, "the io still computes, through fresh views");
  t.is(io.output.length, expected.length);
  big.dispose();
  block.dispose();
});

// Memory never shrinks, so its size cannot tell whether dispose freed anything; the heap's free
// space can. The module's allocator hands out the smallest free block that fits (splitting off the
// rest), or else memory past every block, and merges blocks with free neighbours when they are
// freed. So:
// - a probe larger than all of memory lands at the start of the free space at the end of memory,
//   after every block in use (it grows memory, and that free space then outsizes any other);
// - fillers of halving sizes, down to the smallest allocation there is, then take every free block
//   before it that could hold anything the bindings allocate (every allocation has the same 16-byte
//   pad, so none is smaller than the last filler);
// - a block that create, run or io takes therefore comes from the free space at the end, and if
//   dispose does not give it back, a second probe of the same size lands after it.

/** Fills the free blocks before `end`, the start of the free space at the end of memory; returns the fillers. */
function fillHoles(end: number, largest: number): number[] {
  const fillers: number[] = [];
  for (let size = largest; ; size >>>= 1) {
    for (let p = wasm.alloc(size); ; p = wasm.alloc(size)) {
      if (p === end) {
        wasm.free(p); // no free block before `end` fits `size` any more
        break;
      }
      fillers.push(p);
    }
    if (size === 0) return fillers;
  }
}

test.serial("dispose gives back every byte: create, run, io and dispose of every block leave the heap as they found it", async (t) => {
  const goldens = blocks.map((b) => ({ entry: b, g: smallestGolden(b.folder) }));
  const cycle = async () => {
    for (const { entry, g } of goldens) {
      const block = await entry.create(g.options as never, g.weights);
      runGolden(block, g);
      const io = block.io(g.dims); // left for dispose to free
      io.input.set(g.x);
      if (g.residual) io.residual.set(g.residual);
      io.run();
      block.dispose();
    }
  };
  await cycle(); // anything made once per process (the module, the first workspaces) exists before the measure
  const probeBytes = wasm.memory.buffer.byteLength;
  const first = wasm.alloc(probeBytes);
  wasm.free(first);
  const fillers = fillHoles(first, probeBytes >>> 1);
  t.log(`probe at ${first} (${probeBytes} bytes), ${fillers.length} fillers`);
  try {
    for (let i = 0; i < 3; i++) await cycle();
    const second = wasm.alloc(probeBytes);
    wasm.free(second);
    t.is(second, first, `the free space at the end of memory starts ${second - first} bytes later: blocks were not freed`);
  } finally {
    for (const p of fillers) wasm.free(p);
  }
});

test.serial("an allocation that cannot fit 32-bit memory is refused, not wrapped", (t) => {
  const heap = new Heap(wasm);
  t.throws(() => heap.allocFloats(2 ** 30), { instanceOf: RangeError, message: /cannot allocate 1073741824 floats/ });
  t.throws(() => heap.allocFloats(-1), { instanceOf: RangeError });
  const ptr = heap.allocFloats(4);
  t.true(ptr > 0 && ptr % 16 === 0, "small allocations still work, 16-byte aligned");
  heap.free(ptr);
});
