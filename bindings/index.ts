// excite: squeeze-and-excitation and attention blocks for CNNs, in WebAssembly SIMD.

export { createSE, createCSE, type SEOptions } from "./blocks/se.js";
export { createSSE, type SSEOptions } from "./blocks/sse.js";
export { createSCSE, type SCSEOptions, type Combine } from "./blocks/scse.js";
export { createCBAM } from "./blocks/cbam.js";
export { createBAM, type BAMOptions, type BAMCombine } from "./blocks/bam.js";
export { createSEResBlock, type SEResBlockOptions } from "./blocks/se-resblock.js";
export { createCBAMBasicBlock, type CBAMBasicBlockOptions } from "./blocks/cbam-basicblock.js";
export { createECA, ecaKernelSize, type ECAOptions, type ECAPadding } from "./blocks/eca.js";
export { createEffectiveSE, type EffectiveSEOptions } from "./blocks/effective-se.js";
export { createSimAM, type SimAMOptions } from "./blocks/simam.js";
export { createCoordAttention, type CoordAttentionOptions } from "./blocks/coord-attention.js";
export { createSK, type SKOptions } from "./blocks/sk.js";
export { createSplitAttention, type SplitAttentionOptions } from "./blocks/split-attention.js";
export { createGSoP, type GSoPOptions } from "./blocks/gsop.js";
export { createMSCAM, type MSCAMOptions } from "./blocks/mscam.js";
export { createAFF, type AFFOptions } from "./blocks/aff.js";
export { createIAFF, type IAFFOptions, type SecondGlobal } from "./blocks/iaff.js";
export { createShuffleAttention, type ShuffleAttentionOptions } from "./blocks/shuffle-attention.js";
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
export { getThreads, setThreads, threadSupport, type ThreadSupport } from "./threads.js";
export { loadSafetensors, parseSafetensors, type SafetensorsEntry, type SafetensorsFile } from "./safetensors.js";
export type { Weights, WeightSpec } from "./weights.js";
export type { Dims, Layout } from "./validate.js";
export {
  fromCheckpoint, resolveCheckpoint, listCheckpointModules, checkpointSources, BlockChain, BlockChainIO,
  type CheckpointBlock, type CheckpointInput, type CheckpointModule, type CheckpointOptions, type ResolvedBlock, type ResolvedCheckpoint,
  type ShapedTensor, type StateDict,
} from "./checkpoints/index.js";
