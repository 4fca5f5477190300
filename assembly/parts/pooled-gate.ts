// The frame of the blocks whose attention is one gate per channel computed from one global pool
// per channel, y = x·s[n, c] with s[n] = excite(pool(x[n])) (ECA, effective SE): the pool and the
// output pass (x read twice, y written once) around the block's own excitation stage.

import { Call } from "../call";
import { f32_gpool_cw } from "../kernels/f32-gpool";
import { MulS, RowsAreChannels, scaleRows } from "../kernels/f32-vscale";

// regions: the pooled [N, C], the gate [N, C] (the excitation reads the first, writes the second)
export const POOLED = 0, GATE = 1;
// stages: POOL (items N·C planes), EXCITE (items N images, the block's), SCALE (items N·C planes)
export const POOL = 0, EXCITE = 1, SCALE = 2;

/** Plans the three stages on the call's [N, c, H, W]. */
export function pooledGatePlan(k: Call, c: i32): void {
  k.begin();
  k.region(POOLED, <u64>k.n * <u64>c);
  k.region(GATE, <u64>k.n * <u64>c);
  k.stage(POOL, k.n * c);
  k.stage(EXCITE, k.n);
  k.stage(SCALE, k.n * c);
}

/** Items [begin, end) of the POOL (pool, a POOL_* code) or the SCALE stage. */
export function pooledGateRun(k: Call, kind: i32, pool: i32, begin: i32, end: i32): void {
  const hw = k.h * k.w, planeBytes = <usize>hw << 2;
  if (kind == POOL) f32_gpool_cw(k.x + <usize>begin * planeBytes, end - begin, hw, pool, k.at(POOLED) + (<usize>begin << 2));
  else scaleRows<MulS, RowsAreChannels>(k.x, k.y, 0, planeBytes, hw, 1, k.at(GATE), 0, 0, begin, end);
}
