// TensorFlow.js (tfjs-core with the WebAssembly backend, one thread): each block composed from
// tf ops, as a user of tfjs would write it, on the same input and weights, in the cell's layout:
// NHWC is tfjs's own; on NCHW data the wasm backend's convolutions (channels-last only) run in
// NHWC (the residual blocks transpose their input and output; CBAM and BAM only their small
// maps). Batch norms are folded into the convolution before them, as tf.fused.conv2d invites.

import * as tf from "@tensorflow/tfjs-core";
import { setThreadsCount } from "@tensorflow/tfjs-backend-wasm";
import type { Cell, Engine, Runner } from "../table.js";

type T = tf.Tensor;
type Options = Record<string, unknown>;

/** Builds weight tensors (kept until the runner is disposed). */
interface Ctx {
  /** The weight `key` as a tensor of `shape` (one -1 inferred), or undefined when absent. */
  w(key: string, shape: number[]): T | undefined;
  /** The raw floats of weight `key`. */
  raw(key: string): Float32Array | undefined;
  /** A tensor from floats computed at build time. */
  t(values: Float32Array, shape: number[]): T;
}
/** A block as a function of its input (NHWC when `nhwc`, else NCHW); its weights become tensors once, at build time. */
type Builder = (ctx: Ctx, o: Options, channels: number, nhwc: boolean) => (x: tf.Tensor4D) => T;

/** x in NHWC: as it is, or transposed from NCHW. */
const toNhwc = (x: tf.Tensor4D, nhwc: boolean): tf.Tensor4D => (nhwc ? x : tf.transpose(x, [0, 2, 3, 1]));
/** An NHWC y in the input's layout. */
const fromNhwc = (y: T, nhwc: boolean): T => (nhwc ? y : tf.transpose(y, [0, 3, 1, 2]));
/** The axes of H and W. */
const spatialAxes = (nhwc: boolean): number[] => (nhwc ? [1, 2] : [2, 3]);
/** s [N, C] shaped to broadcast over x [N, C, H, W] or [N, H, W, C]. */
const perChannel = (s: T, n: number, c: number, nhwc: boolean): T => tf.reshape(s, nhwc ? [n, 1, 1, c] : [n, c, 1, 1]);

const BN_EPS = 1e-5;

let ready: Promise<void> | undefined;
function init(): Promise<void> {
  setThreadsCount(1);
  ready ??= tf.setBackend("wasm").then((ok) => {
    if (!ok) throw new Error("tfjs: the wasm backend did not initialise");
  });
  return ready;
}

const addBias = (v: T, b: T | undefined): T => (b ? tf.add(v, b) : v);

function activation(v: T, kind: unknown): T {
  switch (kind ?? "relu") {
    case "relu": return tf.relu(v);
    case "silu": return tf.mul(v, tf.sigmoid(v));
    case "hardswish": return tf.div(tf.mul(v, tf.clipByValue(tf.add(v, 3), 0, 6)), 6);
    default: return v;
  }
}

function gate(v: T, o: Options): T {
  if (o.gate !== "hardsigmoid") return tf.sigmoid(v);
  const hs = (o.hardSigmoid ?? {}) as { alpha?: number; beta?: number };
  return tf.clipByValue(tf.add(tf.mul(v, hs.alpha ?? 1 / 6), hs.beta ?? 0.5), 0, 1);
}

/** Eval-mode batch norm `prefix` as a per-channel scale and shift. */
function bnAffine(ctx: Ctx, prefix: string): { scale: Float32Array; shift: Float32Array } {
  const g = ctx.raw(`${prefix}.weight`)!, b = ctx.raw(`${prefix}.bias`)!, m = ctx.raw(`${prefix}.running_mean`)!, v = ctx.raw(`${prefix}.running_var`)!;
  const scale = g.map((gi, i) => gi / Math.sqrt(v[i] + BN_EPS));
  return { scale, shift: b.map((bi, i) => bi - m[i] * scale[i]) };
}

/** A PyTorch conv weight [O, I, k, k] (times a per-output scale) as tfjs's [k, k, I, O] filter. */
function filter(ctx: Ctx, key: string, o: number, i: number, scale?: Float32Array): T {
  const w = ctx.raw(key)!, k = Math.round(Math.sqrt(w.length / (o * i)));
  const out = new Float32Array(w.length);
  for (let oc = 0; oc < o; oc++) for (let ic = 0; ic < i; ic++) for (let ky = 0; ky < k; ky++) for (let kx = 0; kx < k; kx++) {
    out[((ky * k + kx) * i + ic) * o + oc] = w[((oc * i + ic) * k + ky) * k + kx] * (scale ? scale[oc] : 1);
  }
  return ctx.t(out, [k, k, i, o]);
}

/** s [N, C] = gate(fc2(act(fc1(GAP(x))))) (SE), GAP over `axes`, weights under `prefix`. */
function channelGate(ctx: Ctx, o: Options, c: number, prefix: string, axes: number[]): (x: T) => T {
  const w1 = ctx.w(`${prefix}fc1.weight`, [-1, c])!, r = w1.shape[0];
  const b1 = ctx.w(`${prefix}fc1.bias`, [r]);
  const w2 = ctx.w(`${prefix}fc2.weight`, [c, r])!, b2 = ctx.w(`${prefix}fc2.bias`, [c]);
  return (x) => {
    const h = activation(addBias(tf.matMul(tf.mean(x, axes), w1, false, true), b1), o.activation);
    return gate(addBias(tf.matMul(h, w2, false, true), b2), o);
  };
}

/**
 * q = gate(conv1x1_{C→1}(x)), [N, 1, H, W] (a batched matmul over the NCHW planes) or
 * [N, H, W, 1] (a matmul of the NHWC pixels).
 */
function spatialGate(ctx: Ctx, o: Options, c: number, prefix: string, nhwc: boolean): (x: tf.Tensor4D) => T {
  const wc = ctx.w(`${prefix}conv.weight`, nhwc ? [c, 1] : [1, 1, c])!, b = ctx.w(`${prefix}conv.bias`, [1]);
  return (x) => {
    if (nhwc) {
      const [n, h, wd] = x.shape;
      return tf.reshape(gate(addBias(tf.matMul(tf.reshape(x, [n * h * wd, c]), wc), b), o), [n, h, wd, 1]);
    }
    const [n, , h, wd] = x.shape;
    const q = tf.matMul(tf.broadcastTo(wc, [n, 1, c]), tf.reshape(x, [n, c, h * wd]));
    return tf.reshape(gate(addBias(q, b), o), [n, 1, h, wd]);
  };
}

const GLOBAL_POOLS: Record<string, (x: T, axes: number[]) => T> = {
  avg: (x, a) => tf.mean(x, a),
  max: (x, a) => tf.max(x, a),
  lp: (x, a) => tf.sqrt(tf.sum(tf.square(x), a)),
  lse: (x, a) => tf.logSumExp(x, a),
};

/** CBAM on x, NCHW (channelAxis 1) or NHWC (3): x1 = x·σ(Σ_p MLP(p(x))), y = x1·σ(bn(conv_k([max, mean] over C))). */
function cbam(ctx: Ctx, o: Options, c: number, prefix: string, channelAxis: 1 | 3): (x: tf.Tensor4D) => T {
  const pools = (o.pools as string[] | undefined) ?? ["avg", "max"];
  const axes = spatialAxes(channelAxis === 3);
  const w1 = ctx.w(`${prefix}channel.fc1.weight`, [-1, c])!, r = w1.shape[0];
  const b1 = ctx.w(`${prefix}channel.fc1.bias`, [r]);
  const w2 = ctx.w(`${prefix}channel.fc2.weight`, [c, r])!, b2 = ctx.w(`${prefix}channel.fc2.bias`, [c]);
  const spatial = o.spatial !== false, norm = o.spatialNorm !== false, maxFirst = (o.spatialOrder ?? "max-mean") === "max-mean";
  const bn = spatial && norm ? bnAffine(ctx, `${prefix}spatial.bn`) : undefined;
  const f = spatial ? filter(ctx, `${prefix}spatial.conv.weight`, 1, 2, bn?.scale) : undefined;
  const shift = bn ? ctx.t(bn.shift, [1]) : undefined;
  return (x) => {
    const n = x.shape[0];
    let att: T | undefined;
    for (const p of pools) {
      const m = addBias(tf.matMul(tf.relu(addBias(tf.matMul(GLOBAL_POOLS[p](x, axes), w1, false, true), b1)), w2, false, true), b2);
      att = att ? tf.add(att, m) : m;
    }
    const ca = tf.sigmoid(att!);
    const x1 = tf.mul(x, tf.reshape(ca, channelAxis === 1 ? [n, c, 1, 1] : [n, 1, 1, c]));
    if (!f) return x1;
    const mx = tf.max(x1, channelAxis), mean = tf.mean(x1, channelAxis); // [N, H, W]
    const maps = tf.stack(maxFirst ? [mx, mean] : [mean, mx], 3) as tf.Tensor4D; // NHWC, 2 channels
    const sa = tf.sigmoid(tf.fused.conv2d({ x: maps, filter: f as tf.Tensor4D, strides: 1, pad: "same", bias: shift }));
    const [, h, wd] = mx.shape;
    return tf.mul(x1, tf.reshape(sa, channelAxis === 1 ? [n, 1, h, wd] : [n, h, wd, 1]));
  };
}

const BUILDERS: Record<string, Builder> = {
  se: (ctx, o, c, nhwc) => {
    const s = channelGate(ctx, o, c, "", spatialAxes(nhwc));
    return (x) => tf.mul(x, perChannel(s(x), x.shape[0], c, nhwc));
  },
  sse: (ctx, o, c, nhwc) => {
    const q = spatialGate(ctx, o, c, "", nhwc);
    return (x) => tf.mul(x, q(x));
  },
  scse: (ctx, o, c, nhwc) => {
    const s = channelGate(ctx, o, c, "cse.", spatialAxes(nhwc)), q = spatialGate(ctx, o, c, "sse.", nhwc);
    return (x) => {
      const a = tf.mul(x, perChannel(s(x), x.shape[0], c, nhwc)), b = tf.mul(x, q(x));
      return o.combine === "max" ? tf.maximum(a, b) : tf.add(a, b);
    };
  },
  cbam: (ctx, o, c, nhwc) => cbam(ctx, o, c, "", nhwc ? 3 : 1),
  bam: (ctx, o, c, nhwc) => {
    // Channel: fc2(relu(bn(fc1(GAP(x))))), bn folded into fc1.
    const fc1 = ctx.raw("channel.fc1.weight")!, r = fc1.length / c;
    const cbn = bnAffine(ctx, "channel.bn");
    const w1 = ctx.t(fc1.map((v, i) => v * cbn.scale[Math.floor(i / c)]), [r, c]);
    const b1 = ctx.t(ctx.raw("channel.fc1.bias")!.map((v, i) => v * cbn.scale[i] + cbn.shift[i]), [r]);
    const w2 = ctx.w("channel.fc2.weight", [c, r])!, b2 = ctx.w("channel.fc2.bias", [c])!;
    // Spatial: 1×1 reduce (+ bn) as a matmul (over the NCHW planes, or of the NHWC pixels), then
    // NHWC dilated 3×3 convs (+ bn), then a 1×1 to one map.
    const rbn = bnAffine(ctx, "spatial.reduce_bn");
    const reduceW = ctx.raw("spatial.reduce.weight")!.map((v, i) => v * rbn.scale[Math.floor(i / c)]);
    const reduce = ctx.t(reduceW, [1, r, c]), reduceT = ctx.t(reduceW, [r, c]);
    const reduceB = ctx.raw("spatial.reduce.bias")!.map((v, i) => v * rbn.scale[i] + rbn.shift[i]);
    const reduceBias = ctx.t(reduceB, [1, r, 1]), reduceBiasT = ctx.t(reduceB, [r]);
    const dilation = (o.dilation as number | undefined) ?? 4;
    const dilated: { f: T; b: T }[] = [];
    for (let i = 0; i < ((o.dilatedConvs as number | undefined) ?? 2); i++) {
      const bn = bnAffine(ctx, `spatial.dilated_bn.${i}`);
      dilated.push({ f: filter(ctx, `spatial.dilated.${i}.weight`, r, r, bn.scale), b: ctx.t(ctx.raw(`spatial.dilated.${i}.bias`)!.map((v, j) => v * bn.scale[j] + bn.shift[j]), [r]) });
    }
    const final = ctx.w("spatial.final.weight", [r, 1])!, finalBias = ctx.w("spatial.final.bias", [1])!;
    const add = o.combine === "add";
    return (x) => {
      const [n, h, wd] = nhwc ? x.shape : [x.shape[0], x.shape[2], x.shape[3]];
      const mc = tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(tf.mean(x, spatialAxes(nhwc)), w1, false, true), b1)), w2, false, true), b2);
      let t: tf.Tensor4D;
      if (nhwc) {
        t = tf.reshape(tf.relu(tf.add(tf.matMul(tf.reshape(x, [n * h * wd, c]), reduceT, false, true), reduceBiasT)), [n, h, wd, r]);
      } else {
        const t0 = tf.relu(tf.add(tf.matMul(tf.broadcastTo(reduce, [n, r, c]), tf.reshape(x, [n, c, h * wd])), reduceBias)); // [N, R, HW]
        t = tf.reshape(tf.transpose(t0, [0, 2, 1]), [n, h, wd, r]);
      }
      for (const d of dilated) t = tf.fused.conv2d({ x: t, filter: d.f as tf.Tensor4D, strides: 1, pad: "same", dilations: dilation, bias: d.b, activation: "relu" });
      const ms = tf.reshape(tf.add(tf.matMul(tf.reshape(t, [n * h * wd, r]), final), finalBias), nhwc ? [n, h, wd, 1] : [n, 1, h, wd]);
      const mc4 = perChannel(mc, n, c, nhwc);
      return tf.mul(tf.add(1, tf.sigmoid(add ? tf.add(mc4, ms) : tf.mul(mc4, ms))), x);
    };
  },
  se_resblock: (ctx, o, c, nhwc) => {
    // NHWC inside: x + SE(conv2(relu(bn2(conv1(relu(bn1(x))))))), bn2 folded into conv1.
    const bn1 = bnAffine(ctx, "bn1"), bn2 = bnAffine(ctx, "bn2");
    const s1 = ctx.t(bn1.scale, [c]), h1 = ctx.t(bn1.shift, [c]);
    const f1 = filter(ctx, "conv1.weight", c, c, bn2.scale), b1 = ctx.t(bn2.shift, [c]);
    const f2 = filter(ctx, "conv2.weight", c, c);
    const gateOf = channelGate(ctx, { ...o, activation: "relu" }, c, "se.", [1, 2]);
    return (x) => {
      const xh = toNhwc(x, nhwc);
      const a = tf.relu(tf.add(tf.mul(xh, s1), h1)) as tf.Tensor4D;
      const t = tf.fused.conv2d({ x: a, filter: f1 as tf.Tensor4D, strides: 1, pad: "same", bias: b1, activation: "relu" });
      const u = tf.conv2d(t, f2 as tf.Tensor4D, 1, "same");
      const y = tf.add(xh, tf.mul(u, tf.reshape(gateOf(u), [x.shape[0], 1, 1, c])));
      return fromNhwc(y, nhwc);
    };
  },
  cbam_basicblock: (ctx, o, c, nhwc) => {
    // NHWC inside: relu(CBAM(bn2(conv2(relu(bn1(conv1(x)))))) + x), the bns folded into the convs.
    const bn1 = bnAffine(ctx, "bn1"), bn2 = bnAffine(ctx, "bn2");
    const f1 = filter(ctx, "conv1.weight", c, c, bn1.scale), b1 = ctx.t(bn1.shift, [c]);
    const f2 = filter(ctx, "conv2.weight", c, c, bn2.scale), b2 = ctx.t(bn2.shift, [c]);
    const attention = cbam(ctx, (o.cbam as Options | undefined) ?? {}, c, "cbam.", 3);
    return (x) => {
      const xh = toNhwc(x, nhwc);
      const t = tf.fused.conv2d({ x: xh, filter: f1 as tf.Tensor4D, strides: 1, pad: "same", bias: b1, activation: "relu" });
      const u = tf.fused.conv2d({ x: t, filter: f2 as tf.Tensor4D, strides: 1, pad: "same", bias: b2 });
      return fromNhwc(tf.relu(tf.add(attention(u), xh)), nhwc);
    };
  },
  // the dense 3×3 reference (table.ts DENSE_3X3)
  conv3x3: (ctx, _o, c, nhwc) => {
    const f = filter(ctx, "weight", c, c);
    return (x) => fromNhwc(tf.conv2d(toNhwc(x, nhwc), f as tf.Tensor4D, 1, "same"), nhwc);
  },
};
BUILDERS.cse = BUILDERS.se;

export const tfjsWasm: Engine = {
  id: "tfjs",
  label: "tfjs-wasm",
  supports: (cell: Cell) => cell.block.id in BUILDERS,
  async prepare(cell: Cell): Promise<Runner> {
    await init();
    const made: T[] = [];
    const keep = (t: T) => { made.push(t); return t; };
    const ctx: Ctx = {
      raw: (key) => cell.weights[key],
      t: (values, shape) => keep(tf.tensor(values, shape)),
      w: (key, shape) => {
        const w = cell.weights[key];
        if (!w) return undefined;
        return keep(tf.tensor(w, shape.map((d) => (d === -1 ? w.length / -shape.reduce((p, q) => p * q, 1) : d))));
      },
    };
    const nhwc = cell.layout === "nhwc";
    const block = BUILDERS[cell.block.id](ctx, cell.options, nhwc ? cell.dims[3] : cell.dims[1], nhwc);
    let last: Float32Array = new Float32Array(0);
    return {
      // The user's path: a tensor from the caller's Float32Array, the block, the data read back.
      run: () => {
        const y = tf.tidy(() => block(tf.tensor4d(cell.inputs[0], cell.dims)));
        last = y.dataSync() as Float32Array;
        y.dispose();
      },
      output: () => last,
      dispose: () => made.forEach((t) => t.dispose()),
    };
  },
};
