// Writes dist/wasm-simd-base64.js, dist/excite.wasm as a base64 string, which excite/embedded
// (bindings/embedded.ts) carries. Run after the wasm build (`npm run build:wasm` does).

import { readFileSync, writeFileSync } from "node:fs";

const wasm = readFileSync(new URL("../dist/excite.wasm", import.meta.url));
const js = `// dist/excite.wasm (${wasm.length} bytes), base64; written by scripts/embed-wasm.mjs.\nexport const SIMD_WASM_BASE64 = "${wasm.toString("base64")}";\n`;
writeFileSync(new URL("../dist/wasm-simd-base64.js", import.meta.url), js);
