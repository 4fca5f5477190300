// The raw kernels behind CBAM, BAM and the residual blocks (besides the convolution,
// conv2d.test.ts) against double-precision references, at plane sizes below, at and above their
// 4- and 16-pixel tiles, with outputs prefilled so that an unwritten element or a write past the
// end fails.

import test, { type ExecutionContext } from "ava";
import { Arena, values, wasm } from "./helpers/wasm.js";

const HW = [1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 20, 31, 33, 64, 67];

function close(t: ExecutionContext, got: Float32Array, want: ArrayLike<number>, atol: number, rtol: number, what: string): void {
  let bad = -1;
  for (let i = 0; i < want.length && bad < 0; i++) if (!(Math.abs(got[i] - want[i]) <= atol + rtol * Math.abs(want[i]))) bad = i;
  t.is(bad, -1, `${what}: element ${bad} is ${got[bad]}, expected ${want[bad]}`);
}

function written(t: ExecutionContext, a: Arena, ptr: number, length: number, what: string): Float32Array {
  t.deepEqual(a.unwritten(ptr, length), [], `${what}: unwritten elements`);
  t.true(a.guardIntact(ptr, length), `${what}: wrote past the end`);
  return a.read(ptr, length);
}

test("f32_glppool_cw and f32_glsepool_cw: √Σx² and log Σ eˣ of every plane", (t) => {
  for (const hw of HW) {
    const a = new Arena();
    try {
      const planes = 3;
      const x = values(planes * hw, hw).map((v, i) => v * (1 + (i % 7)));
      const xp = a.put(x), lp = a.fresh(planes), lse = a.fresh(planes);
      wasm.f32_glppool_cw(xp, planes, hw, lp);
      wasm.f32_glsepool_cw(xp, planes, hw, lse);
      const wantLp: number[] = [], wantLse: number[] = [];
      for (let p = 0; p < planes; p++) {
        const v = Array.from(x.subarray(p * hw, (p + 1) * hw));
        const m = Math.max(...v);
        wantLp.push(Math.sqrt(v.reduce((s, u) => s + u * u, 0)));
        wantLse.push(m + Math.log(v.reduce((s, u) => s + Math.exp(u - m), 0)));
      }
      close(t, written(t, a, lp, planes, `lp hw=${hw}`), wantLp, 1e-6, 1e-6, `lp hw=${hw}`);
      close(t, written(t, a, lse, planes, `lse hw=${hw}`), wantLse, 1e-6, 1e-6, `lse hw=${hw}`);
    } finally {
      a.free();
    }
  }
});

test("f32_cavgpool_cw and f32_cmaxpool_cw: mean and max over the channels of every pixel", (t) => {
  for (const hw of HW) {
    for (const [n, c] of [[1, 1], [2, 3], [1, 20]]) {
      const a = new Arena();
      try {
        const x = values(n * c * hw, hw + c);
        const xp = a.put(x), avg = a.fresh(n * hw), max = a.fresh(n * hw);
        wasm.f32_cavgpool_cw(xp, n, c, hw, avg);
        wasm.f32_cmaxpool_cw(xp, n, c, hw, max);
        const wantAvg: number[] = [], wantMax: number[] = [];
        for (let img = 0; img < n; img++) {
          for (let i = 0; i < hw; i++) {
            const v = Array.from({ length: c }, (_, ch) => x[(img * c + ch) * hw + i]);
            wantAvg.push(v.reduce((s, u) => s + u, 0) / c);
            wantMax.push(Math.max(...v));
          }
        }
        const what = `n=${n} c=${c} hw=${hw}`;
        close(t, written(t, a, avg, n * hw, `avg ${what}`), wantAvg, 1e-6, 1e-6, `avg ${what}`);
        t.deepEqual(Array.from(written(t, a, max, n * hw, `max ${what}`)), wantMax.map(Math.fround), `max ${what}`);
      } finally {
        a.free();
      }
    }
  }
});

test("f32_vscale_cs_cw: y = (x·s[n, c])·q[n, i], rounded as PyTorch, also in place", (t) => {
  for (const hw of HW) {
    const a = new Arena();
    try {
      const n = 2, c = 3;
      const x = values(n * c * hw, hw), s = values(n * c, 2), q = values(n * hw, 3);
      const xp = a.put(x), sp = a.put(s), qp = a.put(q), y = a.fresh(x.length);
      wasm.f32_vscale_cs_cw(xp, n, c, hw, sp, qp, y);
      const want = Array.from(x, (v, i) => {
        const img = Math.floor(i / (c * hw)), ch = Math.floor(i / hw) % c;
        return Math.fround(Math.fround(v * s[img * c + ch]) * q[img * hw + (i % hw)]);
      });
      t.deepEqual(Array.from(written(t, a, y, x.length, `hw=${hw}`)), want, `hw=${hw}`);
      wasm.f32_vscale_cs_cw(xp, n, c, hw, sp, qp, xp);
      t.deepEqual(Array.from(a.read(xp, x.length)), want, `in place hw=${hw}`);
    } finally {
      a.free();
    }
  }
});

test("f32_vscale_channel_add_cw: y = r + x·s[p], rounded as PyTorch, also in place over r", (t) => {
  for (const hw of HW) {
    const a = new Arena();
    try {
      const planes = 5;
      const x = values(planes * hw, hw), r = values(planes * hw, hw + 1), s = values(planes, 4);
      const xp = a.put(x), rp = a.put(r), sp = a.put(s), y = a.fresh(x.length);
      wasm.f32_vscale_channel_add_cw(xp, planes, hw, sp, rp, y);
      const want = Array.from(x, (v, i) => Math.fround(r[i] + Math.fround(v * s[Math.floor(i / hw)])));
      t.deepEqual(Array.from(written(t, a, y, x.length, `hw=${hw}`)), want, `hw=${hw}`);
      wasm.f32_vscale_channel_add_cw(xp, planes, hw, sp, rp, rp);
      t.deepEqual(Array.from(a.read(rp, x.length)), want, `in place hw=${hw}`);
    } finally {
      a.free();
    }
  }
});

test("f32_cmaxpool_cw propagates NaN at its pixel only; -Infinity is a valid maximum", (t) => {
  for (const hw of [3, 8, 13]) {
    const a = new Arena();
    try {
      const n = 1, c = 3;
      const x = new Float32Array(n * c * hw).fill(-Infinity);
      x[hw + 2] = NaN;              // channel 1, pixel 2
      x[2 * hw + hw - 1] = 5;       // channel 2, last pixel
      const xp = a.put(x), y = a.fresh(hw);
      wasm.f32_cmaxpool_cw(xp, n, c, hw, y);
      const got = written(t, a, y, hw, `hw=${hw}`);
      const want = Array.from({ length: hw }, (_, i) => (i === 2 ? NaN : i === hw - 1 ? 5 : -Infinity));
      t.deepEqual(Array.from(got), want, `hw=${hw}`);
    } finally {
      a.free();
    }
  }
});
