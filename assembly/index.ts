// excite's WebAssembly module: every export takes byte offsets into this module's memory. This
// entry holds the allocator and the public kernels; every file of blocks/ is an entry of the
// module too (scripts/build-wasm.mjs lists them), exporting its block's `_plan` and `_run`.

export { alloc, free } from "./memory";
export { f32_gpool_cw, f32_gavgmaxpool_cw, f32_gavgpool2_cw } from "./kernels/f32-gpool";
export { f32_gemm_cw } from "./kernels/f32-gemm-cw";
export { f32_cpool_cw } from "./kernels/f32-cpool";
export { f32_gmoments_cw } from "./kernels/f32-gmoments";
export { f32_moments_nhwc } from "./kernels/f32-moments-nhwc";
export { f32_dirpool_cw } from "./kernels/f32-dirpool";
export { f32_dirpool_nwc } from "./kernels/f32-dirpool-nhwc";
export { f32_conv1d } from "./kernels/f32-conv1d";
export { f32_dense, f32_dense_grouped } from "./kernels/f32-dense";
export { f32_gemm_nt, f32_gemm_pack_nt, f32_syrk_mirror, f32_syrk_nt } from "./kernels/f32-gemm";
export { f32_conv1x1_o1_cw } from "./kernels/f32-conv1x1";
export { f32_conv2d_pack } from "./kernels/f32-conv2d";
export { f32_winograd_f43_pack } from "./kernels/f32-winograd-f43";
export { f32_conv2d_nchw_plan, f32_conv2d_nchw_run } from "./kernels/f32-conv2d-nchw";
export { f32_vsigmoid, f32_vhardsigmoid, f32_vrelu, f32_vsilu, f32_vhardswish } from "./kernels/f32-vunary";
export { f32_vgate, f32_vactivation } from "./kernels/f32-vgate";
export { f32_vsimam_cw } from "./kernels/f32-vsimam";
export { f32_vsimam_nwc } from "./kernels/f32-vsimam";
export { f32_vsoftmax_rows } from "./kernels/f32-vsoftmax";
export { f32_vmulsum_cw } from "./kernels/f32-vmulsum";
export { f32_vscale_channel_cw, f32_vscale_spatial_cw, f32_vscale_shift_cw } from "./kernels/f32-vscale";
export { f32_softmax_pool_cw, f32_softmax_pool_nhwc } from "./kernels/f32-softmax-pool";
export { f32_vscale_shift_nhwc } from "./kernels/f32-vscale-shift-nhwc";
export { f32_triplet_pool_nhwc } from "./kernels/f32-triplet-pool-nhwc";
export { f32_vscale_channel_nwc, f32_vscale_rowcol_nwc } from "./kernels/f32-vmul-rows-nhwc";
export { f32_layernorm } from "./kernels/f32-layernorm";
export { f32_rcpool_cw } from "./kernels/f32-rcpool-cw";
export { f32_avgpool_cw } from "./kernels/f32-avgpool-cw";
export { f32_avgpool_nwc } from "./kernels/f32-avgpool-nhwc";
export { f32_vscale_nearest_cw } from "./kernels/f32-resize-nearest";
export { f32_vscale_nearest_nwc } from "./kernels/f32-resize-nearest";
export { f32_dwconv3x3s2_cw } from "./kernels/f32-dwconv3x3s2-cw";
export { f32_dwconv_nwc } from "./kernels/f32-dwconv-nhwc";
export { f32_gemm_nhwc } from "./kernels/f32-gemm-nhwc";
export { f32_gavgpool2_nhwc } from "./kernels/f32-gpool2-nhwc";
export { f32_vshuffle_gate_nhwc } from "./kernels/f32-vshuffle-nhwc";
