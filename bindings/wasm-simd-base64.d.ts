// Written by scripts/embed-wasm.mjs as dist/wasm-simd-base64.js from dist/excite.wasm.

/** dist/excite.wasm, base64. */
export declare const SIMD_WASM_BASE64: string;
