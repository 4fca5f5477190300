// f32-dirpool-cw: the directional pools of coordinate attention (Hou et al., arXiv 2103.02907;
// Andrew-Qibin/CoordAttention coordatt.py: pool_h = AdaptiveAvgPool2d((None, 1)), pool_w =
// AdaptiveAvgPool2d((1, None))): for each NCHW plane of H rows of W floats, the mean of every row
// (over W, f32-gpool's contiguous reduction) followed by the mean of every column (over H,
// f32-cpool's strided one, its sums in row order), [H + W] floats per plane. The column pass
// reads the plane again right after the row pass, from cache.

import { statsItems, AsIs, stridedStats } from "./f32-cpool";
import { planeMean } from "./f32-gpool";

/** y[p, i] = mean_w x[p, i, w] (i < H), y[p, H + j] = mean_h x[p, h, j] (j < W) for planes p < planes; y is [planes, H + W]. */
export function f32_dirpool_cw(x: usize, planes: i32, h: i32, w: i32, y: usize): void {
  const rowBytes = <usize>w << 2, planeBytes = <usize>h * rowBytes;
  for (let p = 0; p < planes; p++, x += planeBytes, y += <usize>(h + w) << 2) {
    for (let i = 0; i < h; i++) store<f32>(y + (<usize>i << 2), planeMean(x + <usize>i * rowBytes, w));
    stridedStats<AsIs>(x, h, w, 0, 0, y + (<usize>h << 2), 0, 0, statsItems(1, w), false);
  }
}
