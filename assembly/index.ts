// excite's WebAssembly module: every export takes byte offsets into this module's memory.

export { alloc, free } from "./memory";
export { f32_gavgpool_cw, f32_gmaxpool_cw, f32_gavgmaxpool_cw } from "./kernels/f32-gpool";
export { f32_dense } from "./kernels/f32-dense";
export { f32_conv1x1_o1_cw } from "./kernels/f32-conv1x1";
export { f32_vsigmoid, f32_vhardsigmoid, f32_vrelu, f32_vsilu, f32_vhardswish } from "./kernels/f32-vunary";
export { f32_vgate, f32_vactivation } from "./kernels/f32-vgate";
export { f32_vscale_channel_cw, f32_vscale_spatial_cw } from "./kernels/f32-vscale";
export { se_f32_nchw, se_f32_nchw_scratch_bytes } from "./blocks/se";
export { sse_f32_nchw } from "./blocks/sse";
export { scse_f32_nchw, scse_f32_nchw_scratch_bytes } from "./blocks/scse";
export { f32_glppool_cw, f32_glsepool_cw } from "./kernels/f32-gpool";
export { f32_cavgpool_cw, f32_cmaxpool_cw } from "./kernels/f32-cpool";
export { f32_conv2d_nchw, f32_conv2d_nchw_scratch_bytes, f32_conv2d_pack } from "./kernels/f32-conv2d";
export { f32_vscale_cs_cw } from "./kernels/f32-vscale-cs";
export { f32_vscale_channel_add_cw } from "./kernels/f32-vscale-add";
export { cbam_f32_nchw, cbam_f32_nchw_scratch_bytes } from "./blocks/cbam";
export { bam_f32_nchw, bam_f32_nchw_scratch_bytes } from "./blocks/bam";
export { se_resblock_f32_nchw, se_resblock_f32_nchw_scratch_bytes } from "./blocks/se-resblock";
export { cbam_basicblock_f32_nchw, cbam_basicblock_f32_nchw_scratch_bytes } from "./blocks/cbam-basicblock";
