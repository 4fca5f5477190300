// Loads and instantiates the WebAssembly module once per process or page. This is the only
// file that uses @assemblyscript/loader, and only to instantiate (it supplies `env.abort`).

import { instantiateStreaming, instantiateSync } from "@assemblyscript/loader";
import type { ExciteExports } from "./abi.js";
import { BUILDS, builtModuleUrl, type Build } from "./module-url.js";

/**
 * Where the module comes from: a URL (a `URL`, or a string resolved against the page's
 * `location.href`; in Node, Deno and Bun a string that is not an absolute URL is a file path),
 * a fetch Response, its bytes, or a compiled module.
 */
export type WasmSource = string | URL | Response | ArrayBuffer | ArrayBufferView | WebAssembly.Module;

/**
 * Which build is loaded: "relaxed-simd" (`excite.relaxed.wasm`, whose multiply-adds are
 * `f32x4.relaxed_madd`), "simd" (`excite.wasm`, or the same bytes inlined by `excite/embedded`),
 * or "custom" (a source given to `loadModule`).
 */
export type ModuleFlavour = Build | "custom";

let loaded: Promise<ExciteExports> | undefined;
let flavour: ModuleFlavour | undefined;
let embedded: (() => Uint8Array) | undefined;

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
 * Makes `bytes()` (the SIMD build) the module loaded when no source is given; `excite/embedded`
 * calls it with the bytes it carries. Not part of the public API.
 */
export function useEmbeddedModule(bytes: () => Uint8Array): void {
  embedded = bytes;
}

/**
 * Instantiates excite's module (first call) and returns its exports; later calls return the
 * same instance. By default the module is `excite.relaxed.wasm` next to this file when the
 * runtime has relaxed SIMD (falling back to `excite.wasm` if that file cannot be loaded), else
 * `excite.wasm`: read from disk in Node, Deno and Bun, fetched (streaming, with a fallback for
 * servers that do not send application/wasm) in browsers; with `excite/embedded`, the SIMD
 * build it carries. Pass `source` before the first block is created to load it from elsewhere.
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
  if (embedded) return withFlavour(instantiateCompiled(await WebAssembly.compile(embedded() as BufferSource)), "simd");
  if (hasRelaxedSimd()) {
    try {
      return withFlavour(await instantiateBuilt("relaxed-simd"), "relaxed-simd");
    } catch {
      // Not served, or not compiled after all: the plain SIMD build runs everywhere SIMD does.
    }
  }
  return withFlavour(await instantiateBuilt("simd"), "simd");
}

function withFlavour(exports: ExciteExports, f: ModuleFlavour): ExciteExports {
  flavour = f;
  return exports;
}

async function instantiateBuilt(build: Build): Promise<ExciteExports> {
  const url = builtModuleUrl(build);
  try {
    return await instantiateFrom(url);
  } catch (err) {
    throw new Error(
      `excite: could not load its module ${BUILDS[build]} from ${url} (${(err as Error).message}). ` +
        "Bundlers that do not emit the .wasm files a library points to (esbuild, Rollup) need them copied next to the bundle " +
        "(`cp node_modules/excite/dist/*.wasm <the bundle's folder>`); or import from \"excite/embedded\", which carries the module; " +
        "or hand it to loadModule(source) before the first create (README, \"In the browser\").",
      { cause: err },
    );
  }
}

async function instantiateFrom(source: WasmSource): Promise<ExciteExports> {
  if (typeof source === "string" || source instanceof URL) {
    const location = resolveLocation(source);
    if (typeof location === "string" || location.protocol === "file:") return instantiateCompiled(await WebAssembly.compile(await readFileBytes(location) as BufferSource));
    const response = await fetch(location);
    if (!response.ok) throw new Error(`excite: fetching ${location} failed with HTTP ${response.status}`);
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
 * A URL given as a string, resolved as `fetch` resolves it: against the page's (or worker's)
 * `location`. Without one (Node, Deno, Bun) a string that is not an absolute URL is a file path.
 * Never against this file's own URL: bundlers rewrite `new URL(x, import.meta.url)`.
 */
function resolveLocation(source: string | URL): URL | string {
  if (source instanceof URL) return source;
  const base = (globalThis as { location?: { href?: string } }).location?.href;
  if (base) return new URL(source, base);
  try {
    return new URL(source);
  } catch {
    return source;
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

/** A file's bytes (a file: URL or a path), in Node, Deno and Bun. */
async function readFileBytes(file: URL | string): Promise<Uint8Array> {
  type Fs = typeof import("node:fs/promises");
  const fsName = "node:fs/promises";
  // process.getBuiltinModule (Node 20.16+, Deno, Bun) is invisible to bundlers and skips the
  // ES module loader; before it, a computed specifier and the comments keep browser bundlers
  // from resolving the Node built-in.
  const builtin = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule;
  const fs = (builtin?.(fsName) as Fs | undefined) ?? ((await import(/* webpackIgnore: true */ /* @vite-ignore */ fsName)) as Fs);
  return fs.readFile(file);
}
