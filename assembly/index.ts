// excite's WebAssembly module: every export takes byte offsets into this module's memory. This
// entry holds the allocator and the public kernels; every file of blocks/ is an entry of the
// module too (scripts/build-wasm.mjs lists them), exporting its block's `_plan` and `_run`.

export { alloc, free } from "./memory";
export { f32_gpool_cw, f32_gavgmaxpool_cw } from "./kernels/f32-gpool";
export { f32_cpool_cw } from "./kernels/f32-cpool";
export { f32_dense } from "./kernels/f32-dense";
export { f32_conv1x1_o1_cw } from "./kernels/f32-conv1x1";
export { f32_conv2d_pack } from "./kernels/f32-conv2d";
export { f32_winograd_f43_pack } from "./kernels/f32-winograd-f43";
export { f32_conv2d_nchw_plan, f32_conv2d_nchw_run } from "./kernels/f32-conv2d-nchw";
export { f32_vsigmoid, f32_vhardsigmoid, f32_vrelu, f32_vsilu, f32_vhardswish } from "./kernels/f32-vunary";
export { f32_vgate, f32_vactivation } from "./kernels/f32-vgate";
export { f32_vscale_channel_cw, f32_vscale_spatial_cw } from "./kernels/f32-vscale";
