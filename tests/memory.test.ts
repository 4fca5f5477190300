// Memory growth never leaves a caller with a dead view, and memory is given back on dispose.

import test from "ava";
import { createSE, createSSE } from "../dist/index.js";
import { readGolden } from "./helpers/golden.js";
import { Heap } from "../dist/memory.js";
import { wasm } from "./helpers/wasm.js";

test("io views survive the module's memory growing", async (t) => {
  const g = readGolden("se", "default_c6.safetensors");
  const block = await createSE(g.options as never, g.weights);
  const expected = block.run(g.x, g.dims);
  const io = block.io(g.dims);
  const stale = io.input;
  const before = wasm.memory.buffer.byteLength;
  const big = block.io([64, g.dims[1], 256, 256]); // 100 MB: the memory must grow
  t.true(wasm.memory.buffer.byteLength > before, "memory grew");
  t.is(stale.byteLength, 0, "a view taken before growth is detached (why the getters exist)");
  io.input.set(g.x);
  t.deepEqual(io.run(), expected, "the io still computes, through fresh views");
  t.is(io.output.length, expected.length);
  big.dispose();
  block.dispose();
});

test("dispose returns memory: creating and disposing blocks does not grow memory", async (t) => {
  const g = readGolden("sse", "default.safetensors");
  const warm = await createSSE(g.options as never, g.weights);
  warm.run(g.x, g.dims);
  warm.dispose();
  const size = wasm.memory.buffer.byteLength;
  for (let i = 0; i < 200; i++) {
    const b = await createSSE(g.options as never, g.weights);
    b.run(g.x, g.dims);
    b.io(g.dims).run();
    b.dispose();
  }
  t.is(wasm.memory.buffer.byteLength, size);
});

test("an allocation that cannot fit 32-bit memory is refused, not wrapped", (t) => {
  const heap = new Heap(wasm);
  t.throws(() => heap.allocFloats(2 ** 30), { instanceOf: RangeError, message: /cannot allocate 1073741824 floats/ });
  t.throws(() => heap.allocFloats(-1), { instanceOf: RangeError });
  const ptr = heap.allocFloats(4);
  t.true(ptr > 0 && ptr % 16 === 0, "small allocations still work, 16-byte aligned");
  heap.free(ptr);
});
