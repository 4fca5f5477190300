// The blocks as plain JavaScript loops over Float32Arrays: what a user writes without a library.
// Straightforward code (no unrolling or blocking), written once per block.

import type { Weights } from "../../dist/index.js";
import type { Cell, Dims, Engine, Runner } from "../table.js";

type Options = Record<string, unknown>;
type Kernel = (x: Float32Array, d: Dims, y: Float32Array) => void;
type Builder = (w: Weights, o: Options) => Kernel;

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

function activation(kind: unknown): (v: number) => number {
  switch (kind ?? "relu") {
    case "relu": return (v) => (v > 0 ? v : 0);
    case "silu": return (v) => v * sigmoid(v);
    case "hardswish": return (v) => (v * Math.min(Math.max(v + 3, 0), 6)) / 6;
    default: return (v) => v;
  }
}

function gate(o: Options): (v: number) => number {
  if (o.gate !== "hardsigmoid") return sigmoid;
  const { alpha = 1 / 6, beta = 0.5 } = (o.hardSigmoid ?? {}) as { alpha?: number; beta?: number };
  return (v) => Math.min(Math.max(alpha * v + beta, 0), 1);
}

/** s[n·C + c] = gate(fc2(act(fc1(GAP(x[n]))))), weights under `prefix`. */
function channelGate(w: Weights, o: Options, prefix: string): (x: Float32Array, d: Dims) => Float32Array {
  const w1 = w[`${prefix}fc1.weight`], b1 = w[`${prefix}fc1.bias`];
  const w2 = w[`${prefix}fc2.weight`], b2 = w[`${prefix}fc2.bias`];
  const act = activation(o.activation), g = gate(o);
  return (x, [n, c, h, wd]) => {
    const hw = h * wd, r = w1.length / c;
    const s = new Float32Array(n * c), pooled = new Float32Array(c), hidden = new Float32Array(r);
    for (let b = 0; b < n; b++) {
      for (let ch = 0; ch < c; ch++) {
        let sum = 0;
        for (let i = (b * c + ch) * hw, end = i + hw; i < end; i++) sum += x[i];
        pooled[ch] = sum / hw;
      }
      for (let j = 0; j < r; j++) {
        let acc = b1 ? b1[j] : 0;
        for (let ch = 0; ch < c; ch++) acc += w1[j * c + ch] * pooled[ch];
        hidden[j] = act(acc);
      }
      for (let ch = 0; ch < c; ch++) {
        let acc = b2 ? b2[ch] : 0;
        for (let j = 0; j < r; j++) acc += w2[ch * r + j] * hidden[j];
        s[b * c + ch] = g(acc);
      }
    }
    return s;
  };
}

/** q[n·HW + i] = gate(bias + Σ_c w[c]·x[n, c, i]). */
function spatialGate(w: Weights, o: Options, prefix: string): (x: Float32Array, d: Dims) => Float32Array {
  const wc = w[`${prefix}conv.weight`], bias = w[`${prefix}conv.bias`]?.[0] ?? 0;
  const g = gate(o);
  return (x, [n, c, h, wd]) => {
    const hw = h * wd;
    const q = new Float32Array(n * hw);
    for (let b = 0; b < n; b++) {
      const qb = q.subarray(b * hw, (b + 1) * hw);
      qb.fill(bias);
      for (let ch = 0; ch < c; ch++) {
        const k = wc[ch], base = (b * c + ch) * hw;
        for (let i = 0; i < hw; i++) qb[i] += k * x[base + i];
      }
      for (let i = 0; i < hw; i++) qb[i] = g(qb[i]);
    }
    return q;
  };
}

const BN_EPS = 1e-5;

/** Eval-mode batch norm `prefix` as a per-channel scale and shift. */
function bnAffine(w: Weights, prefix: string): { scale: Float32Array; shift: Float32Array } {
  const g = w[`${prefix}.weight`], b = w[`${prefix}.bias`], m = w[`${prefix}.running_mean`], v = w[`${prefix}.running_var`];
  const scale = g.map((gi, i) => gi / Math.sqrt(v[i] + BN_EPS));
  return { scale, shift: b.map((bi, i) => bi - m[i] * scale[i]) };
}

/**
 * y [N, O, H, W] = bias + conv(x [N, I, H, W], w [O, I, k, k]), stride 1, zero padding
 * dilation·(k − 1)/2 (the size is kept): for each output and input channel and tap, a pass
 * over the output rows.
 */
function conv2d(x: Float32Array, n: number, ci: number, h: number, wd: number, w: Float32Array, co: number, k: number, dilation: number, bias?: Float32Array): Float32Array {
  const hw = h * wd, pad = (dilation * (k - 1)) >> 1;
  const y = new Float32Array(n * co * hw);
  for (let b = 0; b < n; b++) {
    for (let o = 0; o < co; o++) {
      const yo = (b * co + o) * hw;
      if (bias) y.fill(bias[o], yo, yo + hw);
      for (let i = 0; i < ci; i++) {
        const xi = (b * ci + i) * hw;
        for (let ky = 0; ky < k; ky++) {
          for (let kx = 0; kx < k; kx++) {
            const wv = w[((o * ci + i) * k + ky) * k + kx], dy = ky * dilation - pad, dx = kx * dilation - pad;
            const x0 = Math.max(0, -dx), x1 = Math.min(wd, wd - dx);
            for (let r = Math.max(0, -dy); r < Math.min(h, h - dy); r++) {
              const yr = yo + r * wd, xr = xi + (r + dy) * wd + dx;
              for (let c = x0; c < x1; c++) y[yr + c] += wv * x[xr + c];
            }
          }
        }
      }
    }
  }
  return y;
}

/** v[n, c, :] = act(v[n, c, :]·scale[c] + shift[c]) in place. */
function affine(v: Float32Array, n: number, c: number, hw: number, a: { scale: Float32Array; shift: Float32Array }, relu: boolean): Float32Array {
  for (let p = 0; p < n * c; p++) {
    const s = a.scale[p % c], t = a.shift[p % c];
    for (let i = p * hw; i < (p + 1) * hw; i++) {
      const u = v[i] * s + t;
      v[i] = relu && u < 0 ? 0 : u;
    }
  }
  return v;
}

const POOLS: Record<string, (x: Float32Array, from: number, to: number) => number> = {
  avg: (x, a, b) => { let s = 0; for (let i = a; i < b; i++) s += x[i]; return s / (b - a); },
  max: (x, a, b) => { let m = -Infinity; for (let i = a; i < b; i++) m = Math.max(m, x[i]); return m; },
  lp: (x, a, b) => { let s = 0; for (let i = a; i < b; i++) s += x[i] * x[i]; return Math.sqrt(s); },
  lse: (x, a, b) => {
    let m = -Infinity, s = 0;
    for (let i = a; i < b; i++) m = Math.max(m, x[i]);
    if (!Number.isFinite(m)) m = 0;
    for (let i = a; i < b; i++) s += Math.exp(x[i] - m);
    return m + Math.log(s);
  },
};

/** CBAM of x into y (Woo et al.): x1 = x·σ(Σ_p MLP(pool_p(x))), y = x1·σ(bn(conv_k([maxC, meanC](x1)))). */
function cbam(w: Weights, o: Options, prefix: string): Kernel {
  const w1 = w[`${prefix}channel.fc1.weight`], b1 = w[`${prefix}channel.fc1.bias`];
  const w2 = w[`${prefix}channel.fc2.weight`], b2 = w[`${prefix}channel.fc2.bias`];
  const pools = ((o.pools as string[] | undefined) ?? ["avg", "max"]).map((p) => POOLS[p]);
  const spatial = o.spatial !== false, maxFirst = (o.spatialOrder ?? "max-mean") === "max-mean";
  const k = (o.spatialKernel as number | undefined) ?? 7;
  const bn = spatial && o.spatialNorm !== false ? bnAffine(w, `${prefix}spatial.bn`) : { scale: new Float32Array([1]), shift: new Float32Array([0]) };
  const sw = w[`${prefix}spatial.conv.weight`];
  return (x, [n, c, h, wd], y) => {
    const hw = h * wd, r = w1.length / c;
    const hidden = new Float32Array(r), att = new Float32Array(c);
    for (let b = 0; b < n; b++) {
      att.fill(0);
      for (const pool of pools) {
        const pooled = new Float32Array(c);
        for (let ch = 0; ch < c; ch++) pooled[ch] = pool(x, (b * c + ch) * hw, (b * c + ch + 1) * hw);
        for (let j = 0; j < r; j++) {
          let acc = b1 ? b1[j] : 0;
          for (let ch = 0; ch < c; ch++) acc += w1[j * c + ch] * pooled[ch];
          hidden[j] = acc > 0 ? acc : 0;
        }
        for (let ch = 0; ch < c; ch++) {
          let acc = b2 ? b2[ch] : 0;
          for (let j = 0; j < r; j++) acc += w2[ch * r + j] * hidden[j];
          att[ch] += acc;
        }
      }
      for (let ch = 0; ch < c; ch++) {
        const s = sigmoid(att[ch]), base = (b * c + ch) * hw;
        for (let i = 0; i < hw; i++) y[base + i] = x[base + i] * s;
      }
      if (!spatial) continue;
      const maps = new Float32Array(2 * hw), mx = maps.subarray(maxFirst ? 0 : hw, maxFirst ? hw : 2 * hw), mean = maps.subarray(maxFirst ? hw : 0, maxFirst ? 2 * hw : hw);
      mx.fill(-Infinity);
      for (let ch = 0; ch < c; ch++) {
        const base = (b * c + ch) * hw;
        for (let i = 0; i < hw; i++) { const v = y[base + i]; mean[i] += v; if (v > mx[i]) mx[i] = v; }
      }
      for (let i = 0; i < hw; i++) mean[i] /= c;
      const a = conv2d(maps, 1, 2, h, wd, sw, 1, k, 1);
      for (let ch = 0; ch < c; ch++) {
        const base = (b * c + ch) * hw;
        for (let i = 0; i < hw; i++) y[base + i] *= sigmoid(a[i] * bn.scale[0] + bn.shift[0]);
      }
    }
  };
}

const BUILDERS: Record<string, Builder> = {
  se: (w, o) => {
    const gateOf = channelGate(w, o, "");
    return (x, d, y) => {
      const s = gateOf(x, d), hw = d[2] * d[3];
      for (let p = 0; p < s.length; p++) for (let i = p * hw, end = i + hw; i < end; i++) y[i] = x[i] * s[p];
    };
  },
  sse: (w, o) => {
    const gateOf = spatialGate(w, o, "");
    return (x, d, y) => {
      const q = gateOf(x, d), hw = d[2] * d[3];
      for (let p = 0; p < d[0] * d[1]; p++) {
        const qb = Math.floor(p / d[1]) * hw;
        for (let i = 0; i < hw; i++) y[p * hw + i] = x[p * hw + i] * q[qb + i];
      }
    };
  },
  scse: (w, o) => {
    const cse = channelGate(w, o, "cse."), sse = spatialGate(w, o, "sse.");
    const combine = o.combine === "max" ? Math.max : (a: number, b: number) => a + b;
    return (x, d, y) => {
      const s = cse(x, d), q = sse(x, d), hw = d[2] * d[3];
      for (let p = 0; p < d[0] * d[1]; p++) {
        const qb = Math.floor(p / d[1]) * hw;
        for (let i = 0; i < hw; i++) {
          const v = x[p * hw + i];
          y[p * hw + i] = combine(v * s[p], v * q[qb + i]);
        }
      }
    };
  },
  cbam: (w, o) => cbam(w, o, ""),
  bam: (w, o) => {
    const dilation = (o.dilation as number | undefined) ?? 4, convs = (o.dilatedConvs as number | undefined) ?? 2, add = o.combine === "add";
    const cbn = bnAffine(w, "channel.bn"), rbn = bnAffine(w, "spatial.reduce_bn");
    const dbn = Array.from({ length: convs }, (_, i) => bnAffine(w, `spatial.dilated_bn.${i}`));
    return (x, [n, c, h, wd], y) => {
      const hw = h * wd, r = w["channel.fc1.bias"].length;
      const mc = new Float32Array(n * c), hidden = new Float32Array(r);
      for (let b = 0; b < n; b++) {
        const pooled = new Float32Array(c);
        for (let ch = 0; ch < c; ch++) pooled[ch] = POOLS.avg(x, (b * c + ch) * hw, (b * c + ch + 1) * hw);
        for (let j = 0; j < r; j++) {
          let acc = w["channel.fc1.bias"][j];
          for (let ch = 0; ch < c; ch++) acc += w["channel.fc1.weight"][j * c + ch] * pooled[ch];
          acc = acc * cbn.scale[j] + cbn.shift[j];
          hidden[j] = acc > 0 ? acc : 0;
        }
        for (let ch = 0; ch < c; ch++) {
          let acc = w["channel.fc2.bias"][ch];
          for (let j = 0; j < r; j++) acc += w["channel.fc2.weight"][ch * r + j] * hidden[j];
          mc[b * c + ch] = acc;
        }
      }
      let t = affine(conv2d(x, n, c, h, wd, w["spatial.reduce.weight"], r, 1, 1, w["spatial.reduce.bias"]), n, r, hw, rbn, true);
      for (let i = 0; i < convs; i++) t = affine(conv2d(t, n, r, h, wd, w[`spatial.dilated.${i}.weight`], r, 3, dilation, w[`spatial.dilated.${i}.bias`]), n, r, hw, dbn[i], true);
      const ms = conv2d(t, n, r, h, wd, w["spatial.final.weight"], 1, 1, 1, w["spatial.final.bias"]);
      for (let b = 0; b < n; b++) {
        for (let ch = 0; ch < c; ch++) {
          const m = mc[b * c + ch], base = (b * c + ch) * hw;
          for (let i = 0; i < hw; i++) {
            const s = ms[b * hw + i];
            y[base + i] = (1 + sigmoid(add ? m + s : m * s)) * x[base + i];
          }
        }
      }
    };
  },
  se_resblock: (w, o) => {
    const bn1 = bnAffine(w, "bn1"), bn2 = bnAffine(w, "bn2");
    const se = BUILDERS.se(Object.fromEntries(Object.entries(w).filter(([k]) => k.startsWith("se.")).map(([k, v]) => [k.slice(3), v])), { ...o, activation: "relu" });
    return (x, [n, c, h, wd], y) => {
      const hw = h * wd, d: Dims = [n, c, h, wd];
      const a = affine(x.slice(), n, c, hw, bn1, true);
      const t = affine(conv2d(a, n, c, h, wd, w["conv1.weight"], c, 3, 1), n, c, hw, bn2, true);
      const u = conv2d(t, n, c, h, wd, w["conv2.weight"], c, 3, 1);
      se(u, d, y);
      for (let i = 0; i < y.length; i++) y[i] += x[i];
    };
  },
  cbam_basicblock: (w, o) => {
    const bn1 = bnAffine(w, "bn1"), bn2 = bnAffine(w, "bn2");
    const attention = cbam(w, (o.cbam as Options | undefined) ?? {}, "cbam.");
    return (x, [n, c, h, wd], y) => {
      const hw = h * wd, d: Dims = [n, c, h, wd];
      const t = affine(conv2d(x, n, c, h, wd, w["conv1.weight"], c, 3, 1), n, c, hw, bn1, true);
      const u = affine(conv2d(t, n, c, h, wd, w["conv2.weight"], c, 3, 1), n, c, hw, bn2, false);
      attention(u, d, y);
      for (let i = 0; i < y.length; i++) y[i] = Math.max(0, y[i] + x[i]);
    };
  },
};
BUILDERS.cse = BUILDERS.se;

export const plainJs: Engine = {
  id: "js",
  label: "plain JS",
  // NCHW only: the loops are written for PyTorch's layout
  supports: (cell: Cell) => cell.layout === "nchw" && cell.block.id in BUILDERS,
  async prepare(cell: Cell): Promise<Runner> {
    const kernel = BUILDERS[cell.block.id](cell.weights, cell.options);
    const x = cell.inputs[0], y = new Float32Array(x.length);
    return {
      run: () => kernel(x, cell.dims, y),
      output: () => y,
      dispose: () => {},
    };
  },
};
