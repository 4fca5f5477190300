// The excite blocks that peer checkpoints map to: the name a resolved checkpoint reports, the
// block's folder of goldens (its registry entry is looked up by it when the block is built, so a
// block merged later needs no change here) and its createX.

export const BLOCK_IDS = {
  SE: { folder: "se", factory: "createSE" },
  scSE: { folder: "scse", factory: "createSCSE" },
  CBAM: { folder: "cbam", factory: "createCBAM" },
  BAM: { folder: "bam", factory: "createBAM" },
  EffectiveSE: { folder: "effective_se", factory: "createEffectiveSE" },
  ECA: { folder: "eca", factory: "createECA" },
  GatherExcite: { folder: "gather_excite", factory: "createGatherExcite" },
  GlobalContext: { folder: "global_context", factory: "createGlobalContext" },
  SK: { folder: "sk", factory: "createSK" },
  SplitAttention: { folder: "split_attention", factory: "createSplitAttention" },
  CoordAttention: { folder: "coord_attention", factory: "createCoordAttention" },
  MSCAM: { folder: "mscam", factory: "createMSCAM" },
  AFF: { folder: "aff", factory: "createAFF" },
  iAFF: { folder: "iaff", factory: "createIAFF" },
  ShuffleAttention: { folder: "shuffle_attention", factory: "createShuffleAttention" },
  TripletAttention: { folder: "triplet_attention", factory: "createTripletAttention" },
  SimAM: { folder: "simam", factory: "createSimAM" },
} as const;

export type BlockId = keyof typeof BLOCK_IDS;
