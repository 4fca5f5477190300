// excite/onnx: the attention blocks of an ONNX model, as excite blocks.

export { findAttentionBlocks, type AttentionBlock } from "./find.js";
export type { BlockName } from "./canonical.js";
