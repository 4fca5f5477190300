// CBAM (Woo et al., arXiv 1807.06521).
// Channel: ca = σ(Σ_p fc2(relu(fc1(pool_p(x))))) over the pools p (summed before the sigmoid,
// fc2's bias once per pool, as PyTorch); x1 = x·ca.
// Spatial: sa = σ(conv_k([maxC(x1), meanC(x1)]) + b) (the eval-mode BN folded into the 2→1
// conv as a scale and a bias at load time), y = x1·sa.
// x is read three times (all pools of a plane while it is in cache; the channel statistics of
// x·ca, which is never written; the output pass) and y written once.

import { convScratchBytes, f32_conv2d_nchw } from "../kernels/f32-conv2d";
import { scaledChannelStats } from "../kernels/f32-cpool";
import { f32_dense } from "../kernels/f32-dense";
import { planeL2, planeLse, planeMax, planeMean, planeMeanMax } from "../kernels/f32-gpool";
import { f32_vscale_channel_cw } from "../kernels/f32-vscale";
import { f32_vscale_cs_cw, scaleCSResidualRelu } from "../kernels/f32-vscale-cs";
import { f32_vrelu, f32_vsigmoid } from "../kernels/f32-vunary";
import { regionBytes } from "./channel-gate";
import { region64 } from "./scratch";

// Pool codes (bindings/abi.ts CBAM_POOL). `pools` lists them 4 bits each from the lowest, as
// code + 1, ended by 0: ['avg', 'max'] is 0x21.
export const CBAM_POOL_AVG = 0;
export const CBAM_POOL_MAX = 1;
export const CBAM_POOL_LP = 2;
export const CBAM_POOL_LSE = 3;

@inline function poolCount(pools: i32): i32 {
  let k = 0;
  while (pools >>> (4 * k) & 15) k++;
  return k;
}

@inline function poolCode(pools: i32, i: i32): i32 {
  return (pools >>> (4 * i) & 15) - 1;
}

@inline function poolPlane(code: i32, p: usize, hw: i32): f32 {
  if (code == CBAM_POOL_MAX) return planeMax(p, hw);
  if (code == CBAM_POOL_LP) return planeL2(p, hw);
  if (code == CBAM_POOL_LSE) return planeLse(p, hw);
  return planeMean(p, hw);
}

/** Scratch bytes of cbamForward: pooled and MLP outputs per pool, ca, sa, and the spatial branch's maps and conv scratch. */
@inline export function cbamScratchBytes(n: i32, c: i32, h: i32, w: i32, r: i32, pools: i32, k: i32, spatial: bool): u64 {
  const rows = <u64>(poolCount(pools) * n);
  const hw = <u64>h * <u64>w;
  let bytes = region64(rows * <u64>c) * 2 + region64(rows * <u64>r) + region64(<u64>n * <u64>c) + region64(<u64>n * hw);
  if (spatial) {
    const pad = (k - 1) / 2;
    bytes += region64(<u64>n * 2 * hw) + convScratchBytes(2, h, w, k, k, 1, 1, 1, 1, pad, pad, 1, 0);
  }
  return bytes;
}

export function cbam_f32_nchw_scratch_bytes(n: i32, c: i32, h: i32, w: i32, r: i32, pools: i32, k: i32, spatial: bool): f64 {
  return <f64>cbamScratchBytes(n, c, h, w, r, pools, k, spatial);
}

/**
 * CBAM of x [n, c, h, w] into y. fc1 [r, c], fc2 [c, r] (biases 0 = none); `pools` as above.
 * With `spatial`, the conv weights sw [1, 2, k, k] (packed, BN folded), its bias sb (0 = none)
 * and `maxFirst` (map order max-mean) apply. With residual ≠ 0 (shaped as x), y = relu(CBAM(x) + residual).
 * y may alias x and residual.
 */
export function cbamForward(
  x: usize, y: usize, n: i32, c: i32, h: i32, w: i32, scratch: usize,
  r: i32, w1: usize, b1: usize, w2: usize, b2: usize, pools: i32,
  spatial: bool, k: i32, sw: usize, sb: usize, maxFirst: bool, residual: usize,
): void {
  const hw = h * w;
  const np = poolCount(pools);
  const rows = np * n;
  const pooled = scratch;
  const m = pooled + regionBytes(rows * c);
  const hidden = m + regionBytes(rows * c);
  const ca = hidden + regionBytes(rows * r);
  // pooled[p·n + img, ch] = pool_p(x[img, ch]): every pool of a plane while the plane is in cache
  const planeBytes = <usize>hw << 2;
  const planes = n * c;
  let plane = x;
  // The default pools, avg and max (in either order), in one read of each plane.
  const avgFirst = poolCode(pools, 0) == CBAM_POOL_AVG;
  const avgMax = np == 2 && poolCode(pools, avgFirst ? 1 : 0) == CBAM_POOL_MAX && poolCode(pools, avgFirst ? 0 : 1) == CBAM_POOL_AVG;
  const meanRow = pooled + (avgFirst ? 0 : <usize>planes << 2), maxRow = pooled + (avgFirst ? <usize>planes << 2 : 0);
  for (let i = 0; i < planes; i++, plane += planeBytes) {
    if (avgMax) planeMeanMax(plane, hw, meanRow + (<usize>i << 2), maxRow + (<usize>i << 2));
    else for (let p = 0; p < np; p++) store<f32>(pooled + (<usize>(p * planes + i) << 2), poolPlane(poolCode(pools, p), plane, hw));
  }
  f32_dense(pooled, rows, c, w1, b1, r, hidden);
  f32_vrelu(hidden, rows * r, hidden);
  f32_dense(hidden, rows, r, w2, b2, c, m);
  // ca = σ(m_0 + m_1 + …), summed in the order of `pools`
  for (let p = 1; p < np; p++) {
    const mp = m + (<usize>(p * planes) << 2);
    for (let i = 0; i < planes; i++) {
      const at = m + (<usize>i << 2);
      store<f32>(at, load<f32>(at) + load<f32>(mp + (<usize>i << 2)));
    }
  }
  f32_vsigmoid(m, planes, ca);
  const sa = ca + regionBytes(planes);
  if (!spatial) {
    if (residual) {
      // relu(x·ca·1 + residual): the product by one is exact
      for (let i = 0; i < n * hw; i++) store<f32>(sa + (<usize>i << 2), 1);
      scaleCSResidualRelu(x, n, c, hw, ca, sa, residual, y);
    } else {
      f32_vscale_channel_cw(x, planes, hw, ca, y);
    }
    return;
  }
  const maps = sa + regionBytes(n * hw);
  const convScratch = maps + regionBytes(n * 2 * hw);
  const first = maps, second = maps + planeBytes;
  scaledChannelStats(x, n, c, hw, ca, maxFirst ? first : second, maxFirst ? second : first, planeBytes * 2);
  const pad = (k - 1) / 2;
  f32_conv2d_nchw(maps, n, 2, h, w, sw, sb, 1, k, k, 1, 1, 1, 1, pad, pad, 1, false, 0, 0, convScratch, sa);
  f32_vsigmoid(sa, n * hw, sa);
  if (residual) scaleCSResidualRelu(x, n, c, hw, ca, sa, residual, y);
  else f32_vscale_cs_cw(x, n, c, hw, ca, sa, y);
}

/** CBAM over x [n, c, h, w] into y (may alias x); see cbamForward. */
export function cbam_f32_nchw(
  x: usize, y: usize, n: i32, c: i32, h: i32, w: i32, scratch: usize,
  r: i32, w1: usize, b1: usize, w2: usize, b2: usize, pools: i32,
  spatial: bool, k: i32, sw: usize, sb: usize, maxFirst: bool,
): void {
  cbamForward(x, y, n, c, h, w, scratch, r, w1, b1, w2, b2, pools, spatial, k, sw, sb, maxFirst, 0);
}
