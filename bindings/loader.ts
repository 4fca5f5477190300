// Loads and instantiates the WebAssembly module once per process or page. This is the only
// file that uses @assemblyscript/loader, and only to instantiate (it supplies `env.abort`).

import { instantiate, instantiateStreaming } from "@assemblyscript/loader";
import type { ExciteExports } from "./abi.js";

/** Where the module comes from: a URL (string or URL), a fetch Response, its bytes, or a compiled module. */
export type WasmSource = string | URL | Response | ArrayBuffer | ArrayBufferView | WebAssembly.Module;

let loaded: Promise<ExciteExports> | undefined;

/**
 * Instantiates excite's module (first call) and returns its exports; later calls return the
 * same instance. By default the module is `excite.wasm` next to this file: read from disk in
 * Node, fetched (streaming, with a fallback for servers that do not send application/wasm) in
 * browsers. Pass `source` before the first block is created to load it from elsewhere.
 */
export function loadModule(source?: WasmSource): Promise<ExciteExports> {
  if (loaded && source !== undefined) throw new Error("excite: the WebAssembly module is already loaded; pass its source before the first create");
  loaded ??= instantiateFrom(source ?? new URL("./excite.wasm", import.meta.url)).catch((err) => {
    loaded = undefined;
    throw err;
  });
  return loaded;
}

async function instantiateFrom(source: WasmSource): Promise<ExciteExports> {
  const imports = {};
  if (typeof source === "string" || source instanceof URL) {
    const url = new URL(source, import.meta.url);
    if (url.protocol === "file:") return (await instantiate(await readFileBytes(url), imports)).instance.exports as unknown as ExciteExports;
    const response = await fetch(url);
    if (!response.ok) throw new Error(`excite: fetching ${url} failed with HTTP ${response.status}`);
    source = response;
  }
  if (typeof Response !== "undefined" && source instanceof Response) {
    try {
      return (await instantiateStreaming(source.clone(), imports)).instance.exports as unknown as ExciteExports;
    } catch {
      // Served without Content-Type application/wasm: compile from the bytes instead.
      return (await instantiate(await source.arrayBuffer(), imports)).instance.exports as unknown as ExciteExports;
    }
  }
  const bytes = source as ArrayBuffer | ArrayBufferView | WebAssembly.Module;
  return (await instantiate(bytes as BufferSource | WebAssembly.Module, imports)).instance.exports as unknown as ExciteExports;
}

async function readFileBytes(url: URL): Promise<Uint8Array> {
  // A computed specifier keeps browser bundlers from resolving the Node built-in.
  const fsName = "node:fs/promises";
  const fs: typeof import("node:fs/promises") = await import(/* @vite-ignore */ fsName);
  return fs.readFile(url);
}
