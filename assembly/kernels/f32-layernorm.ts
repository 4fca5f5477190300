// f32-layernorm: LayerNorm over one short vector, y = (x − mean)/√(var + eps)·γ + β with the biased
// variance (PyTorch's nn.LayerNorm in eval; GCNet's LayerNorm([P, 1, 1]) over the P values of a 1×1
// map, timm's LayerNorm2d). In double, with two passes (the mean, then the centred squares): a vector
// of nearly equal values loses nothing to cancellation, and one value gives β exactly.

/** y[i] = (x[i] − mean)·rstd·γ[i] + β[i] over the n floats at x; y may alias x. */
export function f32_layernorm(x: usize, n: i32, gamma: usize, beta: usize, eps: f32, y: usize): void {
  const bytes = <usize>n << 2;
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
