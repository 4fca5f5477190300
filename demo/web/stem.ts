// The demo's fixed stem: a hand-set 3×3 convolution RGB → 12 feature maps (colours, colour
// opponents, oriented edges, blobs), each then standardised over the image (zero mean, unit
// variance, as a batch norm would), so that an attention block has something legible to
// weigh. Plain JavaScript: it runs once per image, and is not excite's to compute.

/** 3×3 spatial kernels, row-major. */
const KERNELS = {
  centre: [0, 0, 0, 0, 1, 0, 0, 0, 0],
  sobelX: [-1, 0, 1, -2, 0, 2, -1, 0, 1],
  sobelY: [-1, -2, -1, 0, 0, 0, 1, 2, 1],
  diag45: [0, 1, 2, -1, 0, 1, -2, -1, 0],
  diag135: [-2, -1, 0, -1, 0, 1, 0, 1, 2],
  laplacian: [0, 1, 0, 1, -4, 1, 0, 1, 0],
};

/** Weights of each input colour channel (R, G, B). */
const COLOURS = {
  red: [1, 0, 0],
  green: [0, 1, 0],
  blue: [0, 0, 1],
  luma: [0.299, 0.587, 0.114], // ITU-R BT.601
  redGreen: [1, -1, 0],
  blueYellow: [-0.5, -0.5, 1],
};

/** Each output channel is a colour combination filtered by a spatial kernel. */
const FILTERS: ReadonlyArray<readonly [label: string, colour: keyof typeof COLOURS, kernel: keyof typeof KERNELS]> = [
  ["R", "red", "centre"],
  ["G", "green", "centre"],
  ["B", "blue", "centre"],
  ["R−G", "redGreen", "centre"],
  ["B−Y", "blueYellow", "centre"],
  ["edge |", "luma", "sobelX"],
  ["edge —", "luma", "sobelY"],
  ["edge /", "luma", "diag45"],
  ["edge \\", "luma", "diag135"],
  ["blob", "luma", "laplacian"],
  ["R−G edge", "redGreen", "sobelX"],
  ["B−Y edge", "blueYellow", "sobelY"],
];

export const STEM_LABELS: readonly string[] = FILTERS.map(([label]) => label);
export const STEM_CHANNELS = FILTERS.length;

/**
 * Features [1, 12, H, W] (NCHW) of an RGB image given as canvas ImageData (values 0–255),
 * zero-padded 3×3 convolution then per-channel standardisation.
 */
export function stem(image: ImageData): Float32Array {
  const { width: w, height: h, data } = image;
  const hw = h * w;
  const rgb = [0, 1, 2].map((ch) => Float32Array.from({ length: hw }, (_, p) => data[p * 4 + ch] / 255));
  const out = new Float32Array(STEM_CHANNELS * hw);
  FILTERS.forEach(([, colour, kernel], o) => {
    const mix = new Float32Array(hw);
    COLOURS[colour].forEach((cw, ch) => { if (cw !== 0) for (let p = 0; p < hw; p++) mix[p] += cw * rgb[ch][p]; });
    const k = KERNELS[kernel];
    const plane = out.subarray(o * hw, (o + 1) * hw);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let acc = 0;
        for (let dy = -1; dy <= 1; dy++) {
          const yy = y + dy;
          if (yy < 0 || yy >= h) continue;
          for (let dx = -1; dx <= 1; dx++) {
            const xx = x + dx;
            if (xx >= 0 && xx < w) acc += k[(dy + 1) * 3 + dx + 1] * mix[yy * w + xx];
          }
        }
        plane[y * w + x] = acc;
      }
    }
    standardise(plane);
  });
  return out;
}

function standardise(plane: Float32Array): void {
  let mean = 0;
  for (const v of plane) mean += v;
  mean /= plane.length;
  let variance = 0;
  for (const v of plane) variance += (v - mean) ** 2;
  const scale = 1 / Math.sqrt(variance / plane.length + 1e-5);
  for (let p = 0; p < plane.length; p++) plane[p] = (plane[p] - mean) * scale;
}
