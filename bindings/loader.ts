// Loads and instantiates the WebAssembly module once per process or page. The release builds
// import nothing but, for the threads builds, a shared memory (`env.memory`); the debug build
// also imports `env.abort` (an assertion that failed).

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
 * their shared-memory builds for worker threads "relaxed-simd-threads" and "simd-threads"
 * (loaded by `setThreads`), or "custom" (a source given to `loadModule`).
 */
export type ModuleFlavour = Build | "custom";

/** The instantiated module, and what worker threads need to instantiate it again on the same memory. */
export interface LoadedModule {
  readonly exports: ExciteExports;
  readonly module: WebAssembly.Module;
  /** The shared memory it imports (threads builds), else undefined. */
  readonly sharedMemory?: WebAssembly.Memory;
}

let loaded: Promise<LoadedModule> | undefined;
let flavour: ModuleFlavour | undefined;
let embedded: (() => Uint8Array) | undefined;
/** Whether the next default load takes a threads build (setThreads asks for it before the first create). */
let wantThreads = false;

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
export async function loadModule(source?: WasmSource): Promise<ExciteExports> {
  return (await loadedModule(source)).exports;
}

/** loadModule's instance with its compiled module and memory (the thread pool instantiates it again in each worker). */
export function loadedModule(source?: WasmSource): Promise<LoadedModule> {
  if (loaded && source !== undefined) throw new Error("excite: the WebAssembly module is already loaded; pass its source before the first create");
  loaded ??= instantiateDefault(source).catch((err) => {
    loaded = undefined;
    throw err;
  });
  return loaded;
}

/** Whether the module is loaded (or being loaded) already. */
export function moduleRequested(): boolean {
  return loaded !== undefined;
}

/** Makes the next default load take a threads build (before the first create; threads.ts). */
export function requestThreadsBuild(): void {
  wantThreads = true;
}

async function instantiateDefault(source: WasmSource | undefined): Promise<LoadedModule> {
  if (source !== undefined) return withFlavour(await instantiateFrom(source), "custom");
  if (embedded) return withFlavour(instantiateCompiled(await WebAssembly.compile(embedded() as BufferSource)), "simd");
  const threads = wantThreads ? "-threads" : "";
  if (hasRelaxedSimd()) {
    try {
      return withFlavour(await instantiateBuilt(`relaxed-simd${threads}` as Build), `relaxed-simd${threads}` as Build);
    } catch {
      // Not served, or not compiled after all: the plain SIMD build runs everywhere SIMD does.
    }
  }
  return withFlavour(await instantiateBuilt(`simd${threads}` as Build), `simd${threads}` as Build);
}

function withFlavour(m: LoadedModule, f: ModuleFlavour): LoadedModule {
  flavour = f;
  return m;
}

async function instantiateBuilt(build: Build): Promise<LoadedModule> {
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

async function instantiateFrom(source: WasmSource): Promise<LoadedModule> {
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
    return instantiateCompiled(await WebAssembly.compileStreaming(source.clone()));
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

/** The pages a shared memory starts with (the module declares 2; 1 MiB spares the first growths). */
const SHARED_INITIAL_PAGES = 16;
/** The most pages a 32-bit memory has: 4 GiB. */
const MAX_PAGES = 65536;

/** The imports of `module`: a shared memory when it imports one (a threads build), `env.abort` (the debug build). */
export function moduleImports(module: WebAssembly.Module, memory?: WebAssembly.Memory): { imports: WebAssembly.Imports; memory?: WebAssembly.Memory } {
  const wanted = WebAssembly.Module.imports(module);
  const env: Record<string, WebAssembly.ImportValue> = {};
  if (wanted.some((i) => i.module === "env" && i.name === "memory")) {
    memory ??= new WebAssembly.Memory({ initial: SHARED_INITIAL_PAGES, maximum: MAX_PAGES, shared: true });
    env.memory = memory;
  }
  if (wanted.some((i) => i.module === "env" && i.name === "abort")) {
    env.abort = (_message: number, _file: number, line: number, column: number) => {
      throw new Error(`excite: an assertion failed in the WebAssembly module (debug build, line ${line}:${column})`);
    };
  }
  return { imports: { env }, memory: env.memory as WebAssembly.Memory | undefined };
}

/**
 * Instantiates a compiled module, synchronously (an async instantiate is no faster, and in Node
 * may load its fetch implementation on first access: some 40 ms, four times a first create).
 */
function instantiateCompiled(module: WebAssembly.Module): LoadedModule {
  const { imports, memory } = moduleImports(module);
  const exports = new WebAssembly.Instance(module, imports).exports as unknown as ExciteExports;
  return { exports, module, sharedMemory: memory };
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
