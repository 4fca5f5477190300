// excite: squeeze-and-excitation and attention blocks for CNNs, in WebAssembly SIMD.

export { createSE, createCSE, type SEOptions } from "./blocks/se.js";
export { createSSE, type SSEOptions } from "./blocks/sse.js";
export { createSCSE, type SCSEOptions, type Combine } from "./blocks/scse.js";
export { createCBAM } from "./blocks/cbam.js";
export { createBAM, type BAMOptions, type BAMCombine } from "./blocks/bam.js";
export { createSEResBlock, type SEResBlockOptions } from "./blocks/se-resblock.js";
export { createCBAMBasicBlock, type CBAMBasicBlockOptions } from "./blocks/cbam-basicblock.js";
export { createGlobalContext, type GlobalContextOptions, type GCFusion, type GCPooling } from "./blocks/global-context.js";
export { createGatherExcite, type GatherExciteOptions } from "./blocks/gather-excite.js";
export { createTripletAttention, type TripletAttentionOptions } from "./blocks/triplet-attention.js";
export type { CBAMOptions, CBAMPool, SpatialOrder } from "./parts/cbam-attention.js";
export type { Activation, Pool } from "./parts/channel-gate.js";
export type { Gate, HardSigmoidOptions } from "./gate.js";
export { Block, BlockBase, BlockIO, FusionBlock, type BlockFactory } from "./block.js";
export { blocks, blockEntry, type BlockEntry } from "./registry.js";
export { kernels, type Conv2dParams, type GlobalPool, type ChannelPool } from "./kernels.js";
export { hasRelaxedSimd, loadModule, moduleFlavour, type ModuleFlavour, type WasmSource } from "./loader.js";
export { loadSafetensors, parseSafetensors, type SafetensorsEntry, type SafetensorsFile } from "./safetensors.js";
export type { Weights, WeightSpec } from "./weights.js";
export type { Dims, Layout } from "./validate.js";
