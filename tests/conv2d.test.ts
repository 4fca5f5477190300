// The convolution's staged entry f32_conv2d_nchw_plan/run (with f32_conv2d_pack) against a
// double-precision reference: padding at the borders, dilation, stride, groups, odd and
// rectangular sizes, output rows below, at and above the 8- and 4-pixel tiles, channel counts around the 4-channel block, bias, the ReLU epilogue
// and the fused input transform. Outputs are prefilled with a NaN pattern and followed by a
// guard zone, so an unwritten element or a write past the end fails (helpers/conv-check.ts).

import test from "ava";
import { checkConv as check } from "./helpers/conv-check.js";

test("3×3, padding 1, output rows of every width around the 8- and 4-pixel tiles", (t) => {
  for (const w of [1, 2, 3, 4, 5, 7, 8, 9, 12, 13, 16, 17]) check(t, { n: 1, cin: 3, h: 3, w, cout: 5, kh: 3, kw: 3, ph: 1, pw: 1 });
});

test("output channels around the 4-channel block, with bias and ReLU", (t) => {
  for (const cout of [1, 2, 3, 4, 5, 7, 8, 9]) check(t, { n: 2, cin: 6, h: 7, w: 5, cout, kh: 3, kw: 3, ph: 1, pw: 1, bias: true, relu: true });
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
  check(t, { n: 1, cin: 3, h: 8, w: 10, cout: 2, kh: 2, kw: 3, dh: 2, dw: 2, relu: true });
});

test("the input transform relu(x·scale + shift) applies before the zero padding", (t) => {
  check(t, { n: 2, cin: 5, h: 7, w: 6, cout: 5, kh: 3, kw: 3, ph: 1, pw: 1, pre: true });
  check(t, { n: 1, cin: 3, h: 9, w: 9, cout: 4, kh: 3, kw: 3, sh: 2, sw: 2, ph: 1, pw: 1, pre: true });
  check(t, { n: 1, cin: 4, h: 5, w: 5, cout: 4, kh: 1, kw: 1, pre: true, bias: true });
});

test("wide channel counts (the residual blocks' 3×3 at 64 channels)", (t) => {
  check(t, { n: 1, cin: 64, h: 6, w: 10, cout: 64, kh: 3, kw: 3, ph: 1, pw: 1, bias: true, relu: true });
});
