// A golden in the other layout: PyTorch's NCHW values transposed to NHWC, for the Node tests and
// the browser page alike (no Node API here).

/** What of a golden (tests/helpers/golden.ts) depends on the layout. */
export interface GoldenTensors {
  readonly name: string;
  readonly options: Record<string, unknown>;
  readonly dims: [number, number, number, number];
  readonly outDims: [number, number, number, number];
  readonly x: Float32Array;
  readonly residual?: Float32Array;
  readonly y: Float32Array;
  readonly index?: Int32Array;
}

/** x [N, C, H, W] (NCHW) as NHWC [N, H, W, C]. */
export function nchwToNhwc(x: Float32Array, [n, c, h, w]: readonly number[]): Float32Array {
  const y = new Float32Array(x.length);
  for (let i = 0; i < n; i++) for (let ch = 0; ch < c; ch++) for (let p = 0; p < h * w; p++) y[(i * h * w + p) * c + ch] = x[(i * c + ch) * h * w + p];
  return y;
}

/** The flat NHWC index of the flat NCHW index `i` of a tensor of NCHW dims [n, c, h, w]. */
const nhwcIndex = (i: number, [, c, h, w]: readonly number[]): number => {
  const p = i % (h * w), ch = Math.floor(i / (h * w)) % c, img = Math.floor(i / (c * h * w));
  return (img * h * w + p) * c + ch;
};

/** The golden `g` as a golden of the same block in NHWC: options with layout 'nhwc', dims, inputs and outputs transposed (PyTorch's values, re-indexed). */
export function goldenAsNhwc<G extends GoldenTensors>(g: G): G {
  const [n, c, h, w] = g.dims, [on, oc, oh, ow] = g.outDims;
  let y = g.y, index = g.index;
  if (index) {
    // a sampled golden: the same values at their NHWC positions, sorted by position as the format wants
    const pairs = Array.from(index, (i, k) => [nhwcIndex(i, g.outDims), g.y[k]] as const).sort((a, b) => a[0] - b[0]);
    index = Int32Array.from(pairs, (p) => p[0]);
    y = Float32Array.from(pairs, (p) => p[1]);
  } else {
    y = nchwToNhwc(g.y, g.outDims);
  }
  return {
    ...g,
    name: `${g.name} (NHWC)`,
    options: { ...g.options, layout: "nhwc" },
    dims: [n, h, w, c],
    outDims: [on, oh, ow, oc],
    x: nchwToNhwc(g.x, g.dims),
    residual: g.residual && nchwToNhwc(g.residual, g.dims),
    y,
    index,
  };
}
