// Where the module's builds are by default: next to this file. Each URL is written out as
// `new URL("./<file>.wasm", import.meta.url)` with a literal path, the pattern that webpack 5,
// Vite and Parcel recognise: they emit the file (under a hashed name) and rewrite the URL to
// it, and a page fetches only the build it picks. esbuild and Rollup keep the URL as written:
// the file must then sit next to the bundle. Where a bundler leaves `import.meta` empty
// (esbuild's iife format) the URL is taken relative to the script that loaded this code.
// A new build is one more entry in BUILDS and one more literal case in builtModuleUrl.

export type Build = "simd" | "relaxed-simd" | "simd-threads" | "relaxed-simd-threads";

/** Each build's file in dist/ (the threads builds import a shared memory, for worker threads). */
export const BUILDS: Readonly<Record<Build, string>> = {
  simd: "excite.wasm",
  "relaxed-simd": "excite.relaxed.wasm",
  "simd-threads": "excite.threads.wasm",
  "relaxed-simd-threads": "excite.relaxed.threads.wasm",
};

/** The classic script that is running this code now (esbuild's iife), else the page or worker. */
const SCRIPT_URL: string | undefined =
  (typeof document === "undefined" ? undefined : (document.currentScript as HTMLScriptElement | null)?.src) ||
  (globalThis as { location?: { href?: string } }).location?.href;

export function builtModuleUrl(build: Build): URL {
  if (typeof import.meta.url !== "string") {
    if (!SCRIPT_URL) throw new Error(`excite: cannot tell where ${BUILDS[build]} is (no import.meta.url, no script or page URL); pass it to loadModule(source)`);
    return new URL(BUILDS[build], SCRIPT_URL);
  }
  switch (build) {
    case "simd":
      return new URL("./excite.wasm", import.meta.url);
    case "relaxed-simd":
      return new URL("./excite.relaxed.wasm", import.meta.url);
    case "simd-threads":
      return new URL("./excite.threads.wasm", import.meta.url);
    case "relaxed-simd-threads":
      return new URL("./excite.relaxed.threads.wasm", import.meta.url);
  }
}
