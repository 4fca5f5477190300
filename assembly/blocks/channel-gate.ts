// The channel excitation of SE / cSE (Hu et al., arXiv 1709.01507):
// s[n, c] = gate(fc2(act(fc1(pool(x)))))[n, c], pool ∈ {avg, max, avgmax}.

import { f32_dense } from "../kernels/f32-dense";
import { f32_gavgmaxpool_cw, f32_gavgpool_cw, f32_gmaxpool_cw } from "../kernels/f32-gpool";
import { f32_vactivation, f32_vgate } from "../kernels/f32-vgate";

export const POOL_AVG = 0;
export const POOL_MAX = 1;
export const POOL_AVGMAX = 2; // 0.5·GAP + 0.5·GMP, timm's add_maxpool

/** Bytes of a scratch region of `floats` floats: 16-byte aligned, with the over-read pad. */
@inline export function regionBytes(floats: i32): usize {
  return ((<usize>floats << 2) + 15 & ~15) + 16;
}

/** Scratch bytes `channelGate` needs: pooled [N, C], hidden [N, R], gate [N, C]. */
export function channelGateScratchBytes(n: i32, c: i32, r: i32): usize {
  return regionBytes(n * c) * 2 + regionBytes(n * r);
}

/** Computes s[N, C] in `scratch` and returns its address. w1 is [R, C], w2 [C, R]; b1, b2 0 = no bias. */
export function channelGate(
  x: usize, n: i32, c: i32, hw: i32, scratch: usize,
  r: i32, w1: usize, b1: usize, w2: usize, b2: usize,
  act: i32, gate: i32, alpha: f32, beta: f32, pool: i32,
): usize {
  const pooled = scratch;
  const s = pooled + regionBytes(n * c);
  const planes = n * c;
  if (pool == POOL_MAX) {
    f32_gmaxpool_cw(x, planes, hw, pooled);
  } else if (pool == POOL_AVG) {
    f32_gavgpool_cw(x, planes, hw, pooled);
  } else {
    f32_gavgmaxpool_cw(x, planes, hw, pooled, s);
    for (let i = 0; i < planes; i++) {
      const at = pooled + (<usize>i << 2);
      store<f32>(at, 0.5 * load<f32>(at) + 0.5 * load<f32>(s + (<usize>i << 2)));
    }
  }
  return excite(pooled, n, c, scratch, r, w1, b1, w2, b2, act, gate, alpha, beta);
}

/**
 * The excitation of pooled statistics: s[N, C] = gate(fc2(act(fc1(pooled)))), where `pooled` is
 * [N, C] (it may be the first region of `scratch`, laid out as channelGate's). Returns s's address.
 */
export function excite(
  pooled: usize, n: i32, c: i32, scratch: usize,
  r: i32, w1: usize, b1: usize, w2: usize, b2: usize,
  act: i32, gate: i32, alpha: f32, beta: f32,
): usize {
  const s = scratch + regionBytes(n * c);
  const hidden = s + regionBytes(n * c);
  f32_dense(pooled, n, c, w1, b1, r, hidden);
  f32_vactivation(hidden, n * r, act, hidden);
  f32_dense(hidden, n, r, w2, b2, c, s);
  f32_vgate(s, n * c, gate, alpha, beta, s);
  return s;
}
