// Canvas pictures: a per-pixel map as a colour heatmap laid over the photo, and a feature
// map in grey.

/** A perceptually ordered dark-blue → teal → yellow ramp (stops of matplotlib's viridis). */
const RAMP: ReadonlyArray<readonly [number, number, number]> = [
  [68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37],
];

function ramp(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, t)) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(x)), f = x - i;
  const [a, b] = [RAMP[i], RAMP[i + 1]];
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}

export function range(values: Float32Array): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (const v of values) { if (v < lo) lo = v; if (v > hi) hi = v; }
  return [lo, hi];
}

function canvasOf(image: ImageData): [HTMLCanvasElement, CanvasRenderingContext2D] {
  const canvas = document.createElement("canvas");
  canvas.width = image.width;
  canvas.height = image.height;
  return [canvas, canvas.getContext("2d")!];
}

/** `map` (H·W, row-major) scaled from its range onto the ramp, blended over `photo` with weight `alpha`. */
export function heatmapOver(photo: ImageData, map: Float32Array, alpha = 0.65): HTMLCanvasElement {
  const [canvas, ctx] = canvasOf(photo);
  const [lo, hi] = range(map);
  const out = ctx.createImageData(photo.width, photo.height);
  for (let p = 0; p < map.length; p++) {
    const colour = ramp(hi > lo ? (map[p] - lo) / (hi - lo) : 0.5);
    for (let ch = 0; ch < 3; ch++) out.data[p * 4 + ch] = (1 - alpha) * photo.data[p * 4 + ch] + alpha * colour[ch];
    out.data[p * 4 + 3] = 255;
  }
  ctx.putImageData(out, 0, 0);
  return canvas;
}

/** One feature plane (H·W) in grey, scaled from its range. */
export function greyscale(plane: Float32Array, width: number, height: number): HTMLCanvasElement {
  const [canvas, ctx] = canvasOf(new ImageData(width, height));
  const [lo, hi] = range(plane);
  const out = ctx.createImageData(width, height);
  for (let p = 0; p < plane.length; p++) {
    const g = hi > lo ? ((plane[p] - lo) / (hi - lo)) * 255 : 128;
    out.data.set([g, g, g, 255], p * 4);
  }
  ctx.putImageData(out, 0, 0);
  return canvas;
}

/** The ramp as a CSS gradient, for legends. */
export const RAMP_CSS = `linear-gradient(to right, ${RAMP.map(([r, g, b]) => `rgb(${r},${g},${b})`).join(", ")})`;
