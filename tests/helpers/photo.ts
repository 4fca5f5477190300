// The demo's photo (demo/web/chelsea.jpg, CC0) as a model input: decoded with jpeg-js,
// resized bilinearly, normalised per channel in NCHW.

import { readFileSync } from "node:fs";
import jpeg from "jpeg-js";

const PHOTO = new URL("../../demo/web/chelsea.jpg", import.meta.url);

export interface PhotoInput {
  height: number;
  width: number;
  /** 'bgr' puts the blue channel first (PaddleOCR's detection input). */
  order: "rgb" | "bgr";
  mean: [number, number, number];
  std: [number, number, number];
}

/** [1, 3, height, width]: (pixel/255 − mean)/std. */
export function photoTensor(p: PhotoInput): Float32Array {
  const img = jpeg.decode(readFileSync(PHOTO), { useTArray: true });
  const { width: w0, height: h0, data } = img;
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
