// excite: squeeze-and-excitation and attention blocks for CNNs, in WebAssembly SIMD.

export { createSE, createCSE, SEBlock, type SEOptions } from "./blocks/se.js";
export { createSSE, SSEBlock, type SSEOptions } from "./blocks/sse.js";
export { createSCSE, SCSEBlock, type SCSEOptions } from "./blocks/scse.js";
export { Block, BlockIO } from "./block.js";
export { loadModule, type WasmSource } from "./loader.js";
export { loadSafetensors, parseSafetensors, type SafetensorsEntry, type SafetensorsFile } from "./safetensors.js";
export type { Weights } from "./weights.js";
export type { Dims } from "./validate.js";
export type { Activation, Gate, Pool, Combine } from "./abi.js";
export type { HardSigmoidOptions } from "./gate.js";
