// The demo's photo (demo/web/chelsea.jpg, CC0) as a model input: decoded with jpeg-js, then
// resized and normalised by photo-tensor.ts (which the demo page runs on the same photo).

import { readFileSync } from "node:fs";
import jpeg from "jpeg-js";
import { type PhotoInput, rgbaToTensor } from "./photo-tensor.js";

export type { PhotoInput };

const PHOTO = new URL("../../demo/web/chelsea.jpg", import.meta.url);

/** [1, 3, height, width]: (pixel/255 − mean)/std. */
export function photoTensor(p: PhotoInput): Float32Array {
  const { width, height, data } = jpeg.decode(readFileSync(PHOTO), { useTArray: true });
  return rgbaToTensor(data, width, height, p);
}
