// excite: squeeze-and-excitation and attention blocks for CNNs, in WebAssembly SIMD.

export { createSE, createCSE, SEBlock, type SEOptions } from "./blocks/se.js";
export { createSSE, SSEBlock, type SSEOptions } from "./blocks/sse.js";
export { createSCSE, SCSEBlock, type SCSEOptions } from "./blocks/scse.js";
export { createCBAM, CBAMBlock, type CBAMOptions, type SpatialOrder } from "./blocks/cbam.js";
export { createBAM, BAMBlock, type BAMOptions } from "./blocks/bam.js";
export { createSEResBlock, SEResBlock, type SEResBlockOptions } from "./blocks/se-resblock.js";
export { createCBAMBasicBlock, CBAMBasicBlock, type CBAMBasicBlockOptions } from "./blocks/cbam-basicblock.js";
export { Block, BlockIO } from "./block.js";
export { kernels, type Conv2dParams, type GlobalPool, type ChannelPool } from "./kernels.js";
export { hasRelaxedSimd, loadModule, moduleFlavour, type ModuleFlavour, type WasmSource } from "./loader.js";
export { loadSafetensors, parseSafetensors, type SafetensorsEntry, type SafetensorsFile } from "./safetensors.js";
export type { Weights } from "./weights.js";
export type { Dims } from "./validate.js";
export type { Activation, Gate, Pool, Combine } from "./abi.js";
export type { CBAMPool, BAMCombine } from "./abi.js";
export type { HardSigmoidOptions } from "./gate.js";
