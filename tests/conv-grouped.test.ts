// The k×k convolution's channel blocks of 4, 2 and 1 (f32-conv2d.ts), through the staged entry
// f32_conv2d_nchw_plan/run, against a double-precision reference: grouped convolutions with 1 to
// 10 output channels per group (the blocks of 2 pair output rows; a row left alone, in an odd
// band or a pointwise segment, goes 16 pixels per tile), widths below, at and above the 4-, 8-
// and 16-pixel tiles, heights around the 4-row bands, dilation 1 and 2, stride 2, pointwise
// planes longer than a 1024-pixel segment, and an input read from a slice of a wider tensor
// (xChannels). helpers/conv-check.ts prefills the outputs with a NaN pattern followed by a
// guard zone, and runs each call with its stages split at given and random item boundaries too,
// which must give the same bytes.

import test from "ava";
import { checkConv as check } from "./helpers/conv-check.js";

test("output channels per group 1 to 10: blocks of 4, 2 and 1", (t) => {
  for (const coutG of [1, 2, 3, 4, 5, 6, 7, 8, 10]) {
    for (const cinG of [1, 2, 3]) check(t, { n: 2, cin: 3 * cinG, h: 9, w: 11, cout: 3 * coutG, kh: 3, kw: 3, ph: 1, pw: 1, groups: 3, bias: true, relu: true });
  }
});

test("blocks of 2: widths around the 4-, 8- and 16-pixel tiles, heights around the 4-row bands", (t) => {
  for (const w of [1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 23, 24, 28, 33]) check(t, { n: 1, cin: 4, h: 5, w, cout: 4, kh: 3, kw: 3, ph: 1, pw: 1, groups: 2 });
  for (const h of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]) check(t, { n: 1, cin: 6, h, w: 10, cout: 6, kh: 3, kw: 3, ph: 1, pw: 1, groups: 3, bias: true });
});

test("SK's and ResNeSt's grouped 3×3: dilation 1 and 2, stride 2", (t) => {
  for (const d of [1, 2]) {
    check(t, { n: 1, cin: 64, h: 13, w: 14, cout: 64, kh: 3, kw: 3, dh: d, dw: d, ph: d, pw: d, groups: 32, bias: true, relu: true });
    check(t, { n: 1, cin: 128, h: 7, w: 9, cout: 128, kh: 3, kw: 3, dh: d, dw: d, ph: d, pw: d, groups: 32, bias: true, relu: true });
    check(t, { n: 2, cin: 64, h: 11, w: 9, cout: 64, kh: 3, kw: 3, sh: 2, sw: 2, dh: d, dw: d, ph: d, pw: d, groups: 32, relu: true });
  }
  check(t, { n: 1, cin: 32, h: 9, w: 10, cout: 64, kh: 3, kw: 3, ph: 1, pw: 1, groups: 2, bias: true, relu: true });
  check(t, { n: 1, cin: 12, h: 7, w: 6, cout: 10, kh: 5, kw: 5, ph: 2, pw: 2, groups: 2 });
});

test("pointwise grouped convolutions read in place, over planes of several 1024-pixel segments", (t) => {
  check(t, { n: 2, cin: 6, h: 50, w: 50, cout: 6, kh: 1, kw: 1, groups: 3, bias: true });
  check(t, { n: 1, cin: 4, h: 40, w: 30, cout: 6, kh: 1, kw: 1, groups: 2 });
  check(t, { n: 1, cin: 4, h: 7, w: 5, cout: 4, kh: 1, kw: 1, groups: 2, relu: true });
});

test("an input that is a slice of a wider tensor's channels (xChannels)", (t) => {
  check(t, { n: 3, cin: 4, h: 7, w: 5, cout: 6, kh: 3, kw: 3, ph: 1, pw: 1, groups: 2, xChannels: 12, offset: 4, bias: true });
  check(t, { n: 3, cin: 6, h: 7, w: 5, cout: 4, kh: 1, kw: 1, groups: 2, xChannels: 12, offset: 6 });
  check(t, { n: 2, cin: 6, h: 9, w: 7, cout: 6, kh: 3, kw: 3, sh: 2, sw: 2, ph: 2, pw: 2, dh: 2, dw: 2, groups: 3, xChannels: 18, offset: 12, relu: true });
});
