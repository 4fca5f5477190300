// The convolution kernel (f32_conv2d_pack, then f32_conv2d_nchw_plan/run over a ConvParams record,
// driven by hand as a staged call) against a double-precision reference: padding at the borders,
// dilation, stride, groups, odd and rectangular sizes, output rows below, at and above the 8- and
// 4-pixel tiles and the 4-row bands, pointwise images around the 1024-pixel rows they are cut in,
// channel counts around the 4-channel block and the 128 KB weight chunks, bias, the ReLU and
// sigmoid epilogues and the fused input transform (helpers/conv-check.ts checkConv). Every stage
// runs whole and split at any item (helpers/staged.ts): the same bytes. Outputs and scratch are
// prefilled with a NaN pattern and followed by a guard zone, so an unwritten element or a write
// past the end fails.

import test, { type ExecutionContext } from "ava";
import { checkConv, type ConvSpec } from "./helpers/conv-check.js";
import { values, wasm, withArena, written } from "./helpers/wasm.js";

/** checkConv, keeping the worst error over the file. */
function check(t: ExecutionContext, spec: ConvSpec): void {
  worst = Math.max(worst, checkConv(t, spec));
}

let worst = 0;
test.after(() => console.log(`conv2d: worst error ${(worst * 100).toFixed(1)}% of the tolerance`));

test("3×3, padding 1, output rows of every width around the 8- and 4-pixel tiles", (t) => {
  for (const w of [1, 2, 3, 4, 5, 7, 8, 9, 12, 13, 16, 17]) check(t, { n: 1, cin: 3, h: 3, w, cout: 5, kh: 3, kw: 3, ph: 1, pw: 1 });
});

test("output rows around the 4-row bands of the compute stage", (t) => {
  for (const h of [1, 3, 4, 5, 8, 9, 13]) check(t, { n: 2, cin: 3, h, w: 6, cout: 5, kh: 3, kw: 3, ph: 1, pw: 1, bias: true });
  check(t, { n: 1, cin: 2, h: 17, w: 5, cout: 3, kh: 3, kw: 3, sh: 2, sw: 2, ph: 1, pw: 1 }); // 9 rows of stride 2
});

test("output channels around the 4-channel block, with bias and ReLU", (t) => {
  for (const cout of [1, 2, 3, 4, 5, 7, 8, 9]) check(t, { n: 2, cin: 6, h: 7, w: 5, cout, kh: 3, kw: 3, ph: 1, pw: 1, bias: true, relu: true });
});

test("the sigmoid epilogue (CBAM's and BAM's spatial maps), over bands and partial channel blocks", (t) => {
  check(t, { n: 2, cin: 2, h: 9, w: 11, cout: 1, kh: 7, kw: 7, ph: 3, pw: 3, bias: true, sigmoid: true });
  check(t, { n: 1, cin: 3, h: 6, w: 5, cout: 6, kh: 3, kw: 3, ph: 1, pw: 1, sigmoid: true });
  check(t, { n: 2, cin: 5, h: 35, w: 31, cout: 1, kh: 1, kw: 1, bias: true, sigmoid: true }); // pointwise, two 1024-pixel rows
});

test("padding larger than the kernel's reach and asymmetric padding", (t) => {
  check(t, { n: 1, cin: 2, h: 5, w: 6, cout: 3, kh: 3, kw: 3, ph: 3, pw: 2 });
  check(t, { n: 1, cin: 2, h: 4, w: 9, cout: 1, kh: 7, kw: 7, ph: 3, pw: 3, bias: true });
  check(t, { n: 2, cin: 1, h: 1, w: 13, cout: 1, kh: 1, kw: 5, ph: 0, pw: 2 });
});

test("dilation, with padding = dilation (BAM) and without", (t) => {
  for (const d of [2, 3, 4]) check(t, { n: 2, cin: 5, h: 9, w: 11, cout: 5, kh: 3, kw: 3, dh: d, dw: d, ph: d, pw: d, bias: true, relu: true });
  check(t, { n: 1, cin: 3, h: 11, w: 10, cout: 4, kh: 3, kw: 2, dh: 2, dw: 3 });
  check(t, { n: 1, cin: 2, h: 3, w: 3, cout: 2, kh: 3, kw: 3, dh: 4, dw: 4, ph: 4, pw: 4 });
});

test("stride 2 and 3, odd and even sizes, with and without padding", (t) => {
  for (const [h, w] of [[9, 7], [10, 8], [1, 1], [2, 5], [17, 19]]) {
    check(t, { n: 2, cin: 3, h, w, cout: 6, kh: 3, kw: 3, sh: 2, sw: 2, ph: 1, pw: 1, bias: true });
    check(t, { n: 1, cin: 3, h, w, cout: 5, kh: 1, kw: 1, sh: 2, sw: 2 });
  }
  check(t, { n: 1, cin: 4, h: 11, w: 13, cout: 6, kh: 3, kw: 3, sh: 3, sw: 3, ph: 1, pw: 1 });
  check(t, { n: 1, cin: 4, h: 11, w: 13, cout: 3, kh: 1, kw: 1, sh: 3, sw: 3 });
  check(t, { n: 1, cin: 2, h: 12, w: 15, cout: 4, kh: 3, kw: 5, sh: 1, sw: 2, dh: 2, dw: 2, ph: 2, pw: 3 });
});

test("groups, including depthwise and groups with a partial channel block", (t) => {
  check(t, { n: 1, cin: 8, h: 7, w: 9, cout: 8, kh: 3, kw: 3, ph: 1, pw: 1, groups: 2, bias: true });
  check(t, { n: 2, cin: 6, h: 5, w: 11, cout: 6, kh: 3, kw: 3, ph: 1, pw: 1, groups: 6 });
  check(t, { n: 1, cin: 6, h: 5, w: 7, cout: 18, kh: 3, kw: 3, ph: 1, pw: 1, groups: 3, relu: true });
  check(t, { n: 1, cin: 9, h: 6, w: 6, cout: 15, kh: 1, kw: 1, groups: 3, bias: true });
  check(t, { n: 1, cin: 4, h: 9, w: 9, cout: 4, kh: 3, kw: 3, sh: 2, sw: 2, ph: 1, pw: 1, groups: 4 });
});

test("pointwise and unpadded convolutions read the input in place", (t) => {
  for (const [h, w] of [[1, 1], [1, 3], [5, 7], [9, 9], [2, 17]]) check(t, { n: 3, cin: 7, h, w, cout: 6, kh: 1, kw: 1, bias: true });
  check(t, { n: 2, cin: 3, h: 8, w: 9, cout: 5, kh: 3, kw: 3 });
  check(t, { n: 1, cin: 3, h: 8, w: 10, cout: 2, kh: 2, kw: 3, dh: 2, dw: 3, relu: true });
});

test("pointwise images around the 1024-pixel rows and their 4-row bands", (t) => {
  // 1023, 1024, 1025 pixels: one row, one full row, a full row and one pixel; 4097: five rows, two bands
  for (const [h, w] of [[31, 33], [32, 32], [25, 41], [17, 241]]) check(t, { n: 2, cin: 3, h, w, cout: 5, kh: 1, kw: 1, bias: true });
});

test("output channels around the 128 KB weight chunks", (t) => {
  // K = 64·9 = 576: 14 blocks of 4 channels per chunk; 56 channels are one chunk, 57 and 60 two
  for (const cout of [56, 57, 60]) check(t, { n: 1, cin: 64, h: 5, w: 6, cout, kh: 3, kw: 3, ph: 1, pw: 1, bias: true });
  // K = 1024·9 = 9216: one block per chunk, and the leftover channel a chunk of its own
  check(t, { n: 2, cin: 1024, h: 3, w: 4, cout: 5, kh: 3, kw: 3, ph: 1, pw: 1 });
});

test("the input transform relu(x·scale + shift) applies before the zero padding", (t) => {
  check(t, { n: 2, cin: 5, h: 7, w: 6, cout: 5, kh: 3, kw: 3, ph: 1, pw: 1, pre: true });
  check(t, { n: 1, cin: 3, h: 9, w: 9, cout: 4, kh: 3, kw: 3, sh: 2, sw: 2, ph: 1, pw: 1, pre: true });
  check(t, { n: 1, cin: 4, h: 5, w: 5, cout: 4, kh: 1, kw: 1, pre: true, bias: true });
});

test("wide channel counts (the residual blocks' 3×3 at 64 channels)", (t) => {
  check(t, { n: 1, cin: 64, h: 6, w: 10, cout: 64, kh: 3, kw: 3, ph: 1, pw: 1, bias: true, relu: true });
});

test("f32_conv2d_pack: per group, blocks of 4 channels as [K][4], then at most one of 2 as [K][2], then at most one channel as [K]", (t) => {
  for (const [cout, kdim, groups] of [[1, 5, 1], [4, 3, 1], [7, 9, 1], [6, 4, 1], [9, 2, 3], [16, 4, 2], [10, 1, 2], [64, 18, 32]]) {
    withArena((a) => {
      const w = values(cout * kdim, cout + kdim), packed = a.fresh(w.length);
      wasm.f32_conv2d_pack(a.put(w), cout, kdim, groups, packed);
      const coutG = cout / groups, want: number[] = [];
      for (let g = 0; g < groups; g++) {
        const wg = (co: number, k: number) => w[(g * coutG + co) * kdim + k];
        for (let co = 0; co < coutG;) {
          const width = co + 4 <= coutG ? 4 : co + 2 <= coutG ? 2 : 1;
          for (let k = 0; k < kdim; k++) for (let m = 0; m < width; m++) want.push(wg(co + m, k));
          co += width;
        }
      }
      t.deepEqual(Array.from(written(t, a, packed, w.length, `cout ${cout} K ${kdim} groups ${groups}`)), want, `cout ${cout} K ${kdim} groups ${groups}`);
    });
  }
});
