// ECA (Wang et al., arXiv 1910.03151; BangguWu/ECANet), a block excite does not ship, written
// from the public kernels: s = σ(conv1d_k(GAP(x))) across channels (no bias, padding (k − 1)/2),
// y = x·s. `weight` is the module's conv.weight [1, 1, k]. Call `await kernels.ready()` first.

import { kernels } from "excite";

export function eca(x: Float32Array, dims: [number, number, number, number], weight: Float32Array): Float32Array {
  const [n, c] = dims, k = weight.length;
  const pooled = kernels.globalPool(x, dims, "avg"); // [N, C]
  // the 1-D conv across channels is a 2-D conv of the pooled vectors seen as [N, 1, 1, C]
  const z = kernels.conv2d(pooled, [n, 1, 1, c], { weight, weightShape: [1, 1, 1, k], padding: [0, (k - 1) / 2] });
  return kernels.scaleChannels(x, dims, kernels.sigmoid(z));
}
