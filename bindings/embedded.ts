// `excite/embedded`: excite with its module inside the JavaScript, for bundlers that do not emit
// the .wasm files a library points to (esbuild, Rollup) and pages that cannot serve them. It
// carries the SIMD build as base64 (as hash-wasm does): 200 kB more JavaScript (65 kB gzipped),
// decoded once at the first create, and the relaxed-SIMD build is never picked. Everything else
// is excite's main entry; `loadModule(source)` still overrides.

import { useEmbeddedModule } from "./loader.js";
import { SIMD_WASM_BASE64 } from "./wasm-simd-base64.js";

useEmbeddedModule(() => decodeBase64(SIMD_WASM_BASE64));

export * from "./index.js";

function decodeBase64(text: string): Uint8Array {
  const fromBase64 = (Uint8Array as { fromBase64?: (s: string) => Uint8Array }).fromBase64;
  if (fromBase64) return fromBase64(text);
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
