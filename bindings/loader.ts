// Loads and instantiates the WebAssembly module once per process or page. This is the only
// file that uses @assemblyscript/loader, and only to instantiate (it supplies `env.abort`).

import { instantiateStreaming, instantiateSync } from "@assemblyscript/loader";
import type { ExciteExports } from "./abi.js";

/** Where the module comes from: a URL (string or URL), a fetch Response, its bytes, or a compiled module. */
export type WasmSource = string | URL | Response | ArrayBuffer | ArrayBufferView | WebAssembly.Module;

/**
 * Which build is loaded: "relaxed-simd" (`excite.relaxed.wasm`, whose multiply-adds are
 * `f32x4.relaxed_madd`), "simd" (`excite.wasm`), or "custom" (a source given to `loadModule`).
 */
export type ModuleFlavour = "relaxed-simd" | "simd" | "custom";

let loaded: Promise<ExciteExports> | undefined;
let flavour: ModuleFlavour | undefined;

// (module (func (param v128) (result v128) local.get 0 local.get 0 local.get 0 f32x4.relaxed_madd))
const RELAXED_SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x06, 0x01, 0x60, 0x01, 0x7b, 0x01, 0x7b, // type section: (v128) -> v128
  0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
  0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x00, 0x20, 0x00, 0xfd, 0x85, 0x02, 0x0b, // code: f32x4.relaxed_madd = 0xfd 0x105
]);

/** Whether this runtime compiles relaxed SIMD (it validates a module of one `f32x4.relaxed_madd`). */
export function hasRelaxedSimd(): boolean {
  return WebAssembly.validate(RELAXED_SIMD_PROBE);
}

/** The build that `loadModule` instantiated, or undefined before it has. */
export function moduleFlavour(): ModuleFlavour | undefined {
  return flavour;
}

/**
 * Instantiates excite's module (first call) and returns its exports; later calls return the
 * same instance. By default the module is `excite.relaxed.wasm` next to this file when the
 * runtime has relaxed SIMD (falling back to `excite.wasm` if that file cannot be loaded), else
 * `excite.wasm`: read from disk in Node, fetched (streaming, with a fallback for servers that do
 * not send application/wasm) in browsers. Pass `source` before the first block is created to
 * load it from elsewhere.
 */
export function loadModule(source?: WasmSource): Promise<ExciteExports> {
  if (loaded && source !== undefined) throw new Error("excite: the WebAssembly module is already loaded; pass its source before the first create");
  loaded ??= instantiateDefault(source).catch((err) => {
    loaded = undefined;
    throw err;
  });
  return loaded;
}

async function instantiateDefault(source: WasmSource | undefined): Promise<ExciteExports> {
  if (source !== undefined) return withFlavour(await instantiateFrom(source), "custom");
  const simd = new URL("./excite.wasm", import.meta.url);
  if (!hasRelaxedSimd()) return withFlavour(await instantiateFrom(simd), "simd");
  try {
    return withFlavour(await instantiateFrom(new URL("./excite.relaxed.wasm", import.meta.url)), "relaxed-simd");
  } catch {
    return withFlavour(await instantiateFrom(simd), "simd");
  }
}

function withFlavour(exports: ExciteExports, f: ModuleFlavour): ExciteExports {
  flavour = f;
  return exports;
}

async function instantiateFrom(source: WasmSource): Promise<ExciteExports> {
  if (typeof source === "string" || source instanceof URL) {
    const url = new URL(source, import.meta.url);
    if (url.protocol === "file:") return instantiateCompiled(await WebAssembly.compile(await readFileBytes(url) as BufferSource));
    const response = await fetch(url);
    if (!response.ok) throw new Error(`excite: fetching ${url} failed with HTTP ${response.status}`);
    source = response;
  }
  if (source instanceof WebAssembly.Module) return instantiateCompiled(source);
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) return instantiateCompiled(await WebAssembly.compile(source as BufferSource));
  try {
    return (await instantiateStreaming(source.clone(), {})).instance.exports as unknown as ExciteExports;
  } catch {
    // Served without Content-Type application/wasm: compile from the bytes instead.
    return instantiateCompiled(await WebAssembly.compile(await source.arrayBuffer()));
  }
}

/**
 * Instantiates a compiled module. The loader's synchronous path: its async `instantiate` reads
 * the global `Response`, which Node creates on first access by loading its fetch implementation
 * (some 40 ms, four times the rest of a first create).
 */
function instantiateCompiled(module: WebAssembly.Module): ExciteExports {
  return instantiateSync(module, {}).instance.exports as unknown as ExciteExports;
}

async function readFileBytes(url: URL): Promise<Uint8Array> {
  // A computed specifier keeps browser bundlers from resolving the Node built-in.
  const fsName = "node:fs/promises";
  const fs: typeof import("node:fs/promises") = await import(/* @vite-ignore */ fsName);
  return fs.readFile(url);
}
