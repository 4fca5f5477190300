// Which calls split over the threads (threads.ts parallelFor): a memory-bound block's from
// MIN_PARALLEL_FLOATS input floats on, a convolution-bound block's from as many floats' worth of
// work, its convolutions' multiply-adds per input float counted in passes of 16.

import test from "ava";
import { convMacsPerInputFloat, type Conv } from "../dist/conv-params.js";
import { MIN_PARALLEL_FLOATS, parallelFor } from "../dist/threads.js";

const conv3x3 = (cin: number, cout: number, extra: Partial<Conv> = {}): Conv => ({ cin, cout, kh: 3, kw: 3, weight: "w", ...extra });

test("a block's convolutions' multiply-adds per input float", (t) => {
  t.is(convMacsPerInputFloat([], 64), 0);
  t.is(convMacsPerInputFloat([conv3x3(64, 64), conv3x3(64, 64)], 64), 2 * 9 * 64); // SEResBlock
  t.is(convMacsPerInputFloat([conv3x3(64, 128, { stride: 2 })], 64), (128 * 9 * 64) / 4 / 64);
  t.is(convMacsPerInputFloat([conv3x3(64, 64, { groups: 32 })], 64), 9 * 2); // SK's grouped path
});

test("memory-bound calls split from MIN_PARALLEL_FLOATS on, convolution-bound ones from that much work", (t) => {
  t.false(parallelFor(MIN_PARALLEL_FLOATS - 1));
  t.true(parallelFor(MIN_PARALLEL_FLOATS));
  t.false(parallelFor(64 * 56 * 56), "SE on [1, 64, 56, 56] stays on the calling thread");
  t.false(parallelFor(64 * 56 * 56, 8), "a few multiply-adds a float are still a memory-bound call");
  t.true(parallelFor(64 * 56 * 56, 2 * 9 * 64), "SEResBlock on [1, 64, 56, 56] splits");
  t.false(parallelFor(20 * 7 * 5, 2 * 9 * 20), "SEResBlock on [1, 20, 7, 5] does not");
});
