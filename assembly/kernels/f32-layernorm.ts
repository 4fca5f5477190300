// f32-layernorm: LayerNorm over one short vector, y = (x − mean)/√(var + eps)·γ + β with the biased
// variance (PyTorch's nn.LayerNorm in eval; GCNet's LayerNorm([P, 1, 1]) over the P values of a 1×1
// map, timm's LayerNorm2d). In double, with two passes (the mean, then the centred squares): a vector
// of nearly equal values loses nothing to cancellation, and one value gives β exactly.
// Where PyTorch's own float32 statistics are not finite (f32-rowmoments.ts: a NaN or ±∞ among the
// values, a mean beyond ~1.8e19, squares that overflow) the result is PyTorch's float32 formula on
// them, (x·rstd − rstd·mean)·γ + β with rstd = 1/√(var + eps): NaN, or β where var is +∞.

import { torchRowMoments } from "./f32-rowmoments";

/** y[i] = (x[i] − mean)·rstd·γ[i] + β[i] over the n floats at x; y may alias x; scratch of rowMomentsScratch(n) floats (f32-rowmoments.ts). */
export function f32_layernorm(x: usize, n: i32, gamma: usize, beta: usize, eps: f32, scratch: usize, y: usize): void {
  const bytes = <usize>n << 2;
  const torch = torchRowMoments(x, n, scratch);
  const tmean = f32x4.extract_lane(torch, 0), tvar = f32x4.extract_lane(torch, 1);
  if (!isFinite(tmean) || !isFinite(tvar)) {
    const rstd: f32 = <f32>1 / Mathf.sqrt(tvar + eps), shift = -rstd * tmean;
    for (let o: usize = 0; o < bytes; o += 4) store<f32>(y + o, (load<f32>(x + o) * rstd + shift) * load<f32>(gamma + o) + load<f32>(beta + o));
    return;
  }
  let sum: f64 = 0;
  for (let o: usize = 0; o < bytes; o += 4) sum += <f64>load<f32>(x + o);
  const mean = sum / <f64>n;
  let sq: f64 = 0;
  for (let o: usize = 0; o < bytes; o += 4) {
    const d = <f64>load<f32>(x + o) - mean;
    sq += d * d;
  }
  const rstd = 1 / Math.sqrt(sq / <f64>n + <f64>eps);
  for (let o: usize = 0; o < bytes; o += 4) {
    store<f32>(y + o, <f32>((<f64>load<f32>(x + o) - mean) * rstd * <f64>load<f32>(gamma + o) + <f64>load<f32>(beta + o)));
  }
}
