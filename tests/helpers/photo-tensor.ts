// An RGBA image as a model input, resized bilinearly (half-pixel centres) and normalised per
// channel in NCHW. Pure, so that the tests (jpeg-js in Node) and the demo page (a canvas) share it.

export interface PhotoInput {
  height: number;
  width: number;
  /** 'bgr' puts the blue channel first (PaddleOCR's detection input). */
  order: "rgb" | "bgr";
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
}

/** The RGBA pixels `data` of a `w0`×`h0` image as [1, 3, height, width]: (pixel/255 − mean)/std. */
export function rgbaToTensor(data: ArrayLike<number>, w0: number, h0: number, p: PhotoInput): Float32Array {
  const out = new Float32Array(3 * p.height * p.width);
  const plane = p.height * p.width;
  for (let y = 0; y < p.height; y++) {
    const sy = Math.min(h0 - 1, Math.max(0, ((y + 0.5) * h0) / p.height - 0.5)), y0 = Math.floor(sy), y1 = Math.min(h0 - 1, y0 + 1), fy = sy - y0;
    for (let x = 0; x < p.width; x++) {
      const sx = Math.min(w0 - 1, Math.max(0, ((x + 0.5) * w0) / p.width - 0.5)), x0 = Math.floor(sx), x1 = Math.min(w0 - 1, x0 + 1), fx = sx - x0;
      for (let c = 0; c < 3; c++) {
        const at = (yy: number, xx: number) => data[4 * (yy * w0 + xx) + (p.order === "bgr" ? 2 - c : c)];
        const v = (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x1)) + fy * ((1 - fx) * at(y1, x0) + fx * at(y1, x1));
        out[c * plane + y * p.width + x] = (v / 255 - p.mean[c]) / p.std[c];
      }
    }
  }
  return out;
}
