// The float64 building blocks of the fuzz references (tests/fuzz/reference/<block>.ts): NCHW tensors
// and SPEC §1's operations written out from their formulas in double precision (not excite's
// kernels). Convolutions skip the taps on the zero padding (SPEC §5: a NaN or ±Inf weight reaches
// only the pixels where its tap lands inside the image).

/** A float64 NCHW tensor. */
export interface T {
  readonly n: number;
  readonly c: number;
  readonly h: number;
  readonly w: number;
  readonly d: Float64Array;
}

/** What a block's reference returns: y (NCHW, its dims) and, for outputs that are sums of large terms, Σ|terms| per element. */
export interface Reference {
  readonly y: Float64Array;
  readonly dims: [number, number, number, number];
  /** Per-element magnitude to scale SPEC §5's rtol by (the terms of a residual sum), in place of |y|. */
  readonly scale?: Float64Array;
}

/** A block's reference: (options as createX takes them, weights by canonical key, x and residual NCHW, x's dims). */
export type ReferenceFn = (options: Options, weights: Weights, x: Float32Array, dims: readonly number[], residual?: Float32Array) => Reference;
export type Options = Readonly<Record<string, any>>;
export type Weights = Readonly<Record<string, Float32Array>>;

export const tensor = (n: number, c: number, h: number, w: number, d = new Float64Array(n * c * h * w)): T => ({ n, c, h, w, d });
export const fromInput = (x: ArrayLike<number>, [n, c, h, w]: readonly number[]): T => tensor(n, c, h, w, Float64Array.from(x));
export const result = (t: T, scale?: Float64Array): Reference => ({ y: t.d, dims: [t.n, t.c, t.h, t.w], scale });

/** Elementwise f(a, b) with NumPy broadcasting over axes of size 1. */
export function binary(a: T, b: T, f: (u: number, v: number) => number): T {
  const n = Math.max(a.n, b.n), c = Math.max(a.c, b.c), h = Math.max(a.h, b.h), w = Math.max(a.w, b.w);
  const out = tensor(n, c, h, w);
  const idx = (t: T, i: number, ch: number, y: number, x: number) => (((t.n > 1 ? i : 0) * t.c + (t.c > 1 ? ch : 0)) * t.h + (t.h > 1 ? y : 0)) * t.w + (t.w > 1 ? x : 0);
  let k = 0;
  for (let i = 0; i < n; i++) for (let ch = 0; ch < c; ch++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out.d[k++] = f(a.d[idx(a, i, ch, y, x)], b.d[idx(b, i, ch, y, x)]);
  return out;
}
export const map = (a: T, f: (v: number) => number): T => tensor(a.n, a.c, a.h, a.w, a.d.map(f));
export const add = (a: T, b: T) => binary(a, b, (u, v) => u + v);
export const mul = (a: T, b: T) => binary(a, b, (u, v) => u * v);
/** |a| + |b| elementwise (broadcast): the magnitude of the terms of a + b. */
export const magnitude = (a: T, b: T) => binary(a, b, (u, v) => Math.abs(u) + Math.abs(v)).d;

// ---- SPEC §1's functions ----
export const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
export const relu = (v: number) => (v > 0 ? v : Number.isNaN(v) ? v : 0);
export const silu = (v: number) => v * sigmoid(v);
export const hardswish = (v: number) => (v * Math.min(Math.max(v + 3, 0), 6)) / 6;
export const hardsigmoid = (alpha: number, beta: number) => (v: number) => Math.min(Math.max(alpha * v + beta, 0), 1);

/** The gate of options `gate` (default `fallback`) and `hardSigmoid` (PyTorch's α 1/6, β 1/2 by default). */
export function gateOf(o: Options, fallback = "sigmoid"): (v: number) => number {
  if ((o.gate ?? fallback) === "sigmoid") return sigmoid;
  return hardsigmoid(o.hardSigmoid?.alpha ?? 1 / 6, o.hardSigmoid?.beta ?? 0.5);
}

/** The activation named `name` ('relu' | 'none' | 'silu' | 'hardswish'). */
export function activationOf(name = "relu"): (v: number) => number {
  return ({ relu, none: (v: number) => v, silu, hardswish } as Record<string, (v: number) => number>)[name];
}

/** SPEC §1's R = max(1, floor(C / reduction)) unless reducedChannels gives it. */
export const reduced = (c: number, o: Options, reduction = 16) => o.reducedChannels ?? Math.max(1, Math.floor(c / (o.reduction ?? reduction)));

// ---- layers ----

export interface ConvGeometry {
  readonly cout: number;
  readonly kh?: number;
  readonly kw?: number;
  readonly stride?: number | readonly [number, number];
  readonly padding?: number | readonly [number, number];
  readonly dilation?: number | readonly [number, number];
  readonly groups?: number;
}

const pair = (v: number | readonly [number, number] | undefined, d: number): [number, number] => (v === undefined ? [d, d] : typeof v === "number" ? [v, v] : [v[0], v[1]]);

/** PyTorch's Conv2d (zero padding, cross-correlation): weight [cout, cin/groups, kh, kw] (a 1×1's [O, I] is the same), bias [cout] or undefined. */
export function conv2d(x: T, weight: ArrayLike<number>, bias: ArrayLike<number> | undefined, g: ConvGeometry): T {
  const kh = g.kh ?? 1, kw = g.kw ?? 1, groups = g.groups ?? 1;
  const [sh, sw] = pair(g.stride, 1), [ph, pw] = pair(g.padding, 0), [dh, dw] = pair(g.dilation, 1);
  const oh = Math.floor((x.h + 2 * ph - dh * (kh - 1) - 1) / sh) + 1, ow = Math.floor((x.w + 2 * pw - dw * (kw - 1) - 1) / sw) + 1;
  const cinG = x.c / groups, coutG = g.cout / groups;
  if (weight.length !== g.cout * cinG * kh * kw) throw new RangeError(`reference conv2d: weight has ${weight.length} floats, not ${g.cout}·${cinG}·${kh}·${kw}`);
  const y = tensor(x.n, g.cout, oh, ow);
  for (let i = 0; i < x.n; i++) {
    for (let co = 0; co < g.cout; co++) {
      const gi = Math.floor(co / coutG);
      for (let oy = 0; oy < oh; oy++) {
        for (let ox = 0; ox < ow; ox++) {
          let s = bias ? bias[co] : 0;
          for (let ci = 0; ci < cinG; ci++) {
            const plane = (i * x.c + gi * cinG + ci) * x.h;
            for (let ky = 0; ky < kh; ky++) {
              const iy = oy * sh - ph + ky * dh;
              if (iy < 0 || iy >= x.h) continue;
              for (let kx = 0; kx < kw; kx++) {
                const ix = ox * sw - pw + kx * dw;
                if (ix < 0 || ix >= x.w) continue;
                s += weight[((co * cinG + ci) * kh + ky) * kw + kx] * x.d[(plane + iy) * x.w + ix];
              }
            }
          }
          y.d[((i * g.cout + co) * oh + oy) * ow + ox] = s;
        }
      }
    }
  }
  return y;
}

/** A 1×1 conv (or a linear layer on [N, C, 1, 1]) under key `key` (`key.weight`, `key.bias` when present). */
export const conv1x1 = (x: T, w: Weights, key: string, cout: number, groups = 1) => conv2d(x, w[`${key}.weight`], w[`${key}.bias`], { cout, groups });

/** Eval-mode batch norm over the channels: (x − running_mean)/√(running_var + eps)·weight + bias. */
export function batchNorm(x: T, w: Weights, prefix: string, eps = 1e-5): T {
  const g = w[`${prefix}weight`], b = w[`${prefix}bias`], m = w[`${prefix}running_mean`], v = w[`${prefix}running_var`];
  const out = tensor(x.n, x.c, x.h, x.w);
  const hw = x.h * x.w;
  for (let i = 0; i < x.n * x.c; i++) {
    const c = i % x.c, s = g[c] / Math.sqrt(v[c] + eps);
    for (let p = 0; p < hw; p++) out.d[i * hw + p] = (x.d[i * hw + p] - m[c]) * s + b[c];
  }
  return out;
}

// ---- pools ----

/** A statistic of every (n, c) plane → [N, C, 1, 1]. */
function planeStat(x: T, f: (v: Float64Array) => number): T {
  const hw = x.h * x.w, out = tensor(x.n, x.c, 1, 1);
  for (let i = 0; i < x.n * x.c; i++) out.d[i] = f(x.d.subarray(i * hw, (i + 1) * hw));
  return out;
}
const sum = (v: ArrayLike<number>) => { let s = 0; for (let i = 0; i < v.length; i++) s += v[i]; return s; };
const max = (v: ArrayLike<number>) => { let m = -Infinity; for (let i = 0; i < v.length; i++) m = Number.isNaN(v[i]) || v[i] > m ? v[i] : m; return m; };
export const gap = (x: T) => planeStat(x, (v) => sum(v) / v.length);
export const gmp = (x: T) => planeStat(x, max);
/** CBAM's 'lp': √Σx². */
export const lpPool = (x: T) => planeStat(x, (v) => Math.sqrt(sum(v.map((u) => u * u))));
/** CBAM's 'lse': log Σ eˣ (max-shifted). */
export const lsePool = (x: T) => planeStat(x, (v) => { const m = max(v); return Math.log(sum(v.map((u) => Math.exp(u - m)))) + m; });
/** The pool named `name` ('avg' | 'max' | 'avgmax' | 'lp' | 'lse'). */
export function poolOf(name: string): (x: T) => T {
  if (name === "avgmax") return (x) => binary(gap(x), gmp(x), (a, b) => 0.5 * a + 0.5 * b);
  return ({ avg: gap, max: gmp, lp: lpPool, lse: lsePool } as Record<string, (x: T) => T>)[name];
}

/** A statistic over the channels of every pixel → [N, 1, H, W]. */
function channelStat(x: T, f: (v: number[]) => number): T {
  const hw = x.h * x.w, out = tensor(x.n, 1, x.h, x.w);
  for (let i = 0; i < x.n; i++) for (let p = 0; p < hw; p++) out.d[i * hw + p] = f(Array.from({ length: x.c }, (_, c) => x.d[(i * x.c + c) * hw + p]));
  return out;
}
export const meanC = (x: T) => channelStat(x, (v) => sum(v) / v.length);
export const maxC = (x: T) => channelStat(x, max);

/** Channels [from, to) of x. */
export function sliceC(x: T, from: number, to: number): T {
  const hw = x.h * x.w, out = tensor(x.n, to - from, x.h, x.w);
  for (let i = 0; i < x.n; i++) out.d.set(x.d.subarray((i * x.c + from) * hw, (i * x.c + to) * hw), i * (to - from) * hw);
  return out;
}

/** The tensors concatenated along the channels. */
export function catC(...ts: T[]): T {
  const { n, h, w } = ts[0], hw = h * w;
  const out = tensor(n, ts.reduce((s, t) => s + t.c, 0), h, w);
  for (let i = 0; i < n; i++) {
    let at = i * out.c * hw;
    for (const t of ts) { out.d.set(t.d.subarray(i * t.c * hw, (i + 1) * t.c * hw), at); at += t.c * hw; }
  }
  return out;
}

/** A permutation of the axes: out axis k is input axis `order[k]`. */
export function permute(x: T, order: readonly [number, number, number, number]): T {
  const dims = [x.n, x.c, x.h, x.w];
  const od = order.map((a) => dims[a]) as [number, number, number, number];
  const out = tensor(...od);
  const strides = [x.c * x.h * x.w, x.h * x.w, x.w, 1];
  let k = 0;
  for (let a = 0; a < od[0]; a++) for (let b = 0; b < od[1]; b++) for (let c = 0; c < od[2]; c++) for (let d = 0; d < od[3]; d++) {
    const idx = [a, b, c, d];
    let src = 0;
    for (let j = 0; j < 4; j++) src += idx[j] * strides[order[j]];
    out.d[k++] = x.d[src];
  }
  return out;
}
