// onnxruntime-web (its WebAssembly backend), a devDependency loaded at run time from
// node_modules (served at /ort/ by demo/web/serve.ts), so that excite's own bundle never
// contains it. Only the few parts of its API the demo calls are typed here.

export interface OrtTensor {
  readonly data: Float32Array;
  readonly dims: readonly number[];
  readonly type: string;
}

export interface OrtSession {
  readonly inputNames: readonly string[];
  run(feeds: Record<string, unknown>, fetches?: readonly string[]): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}

export interface Ort {
  readonly env: { wasm: { wasmPaths?: string; numThreads?: number } };
  readonly InferenceSession: { create(model: string | Uint8Array, options: Record<string, unknown>): Promise<OrtSession> };
  readonly Tensor: new (type: "float32", data: Float32Array, dims: readonly number[]) => unknown;
}

const ORT_DIR = "/ort/";

/** onnxruntime-web with `threads` WebAssembly threads, or undefined (with the reason) when it is not installed. */
export async function loadOrt(threads: number): Promise<{ ort?: Ort; missing?: string }> {
  const url = `${ORT_DIR}ort.wasm.min.mjs`;
  if (!(await fetch(url, { method: "HEAD" })).ok) return { missing: "onnxruntime-web is not installed (it is a devDependency: npm install)" };
  const ort = (await import(url)) as Ort;
  ort.env.wasm.wasmPaths = ORT_DIR;
  // More than one thread needs SharedArrayBuffer, i.e. a cross-origin isolated page (the demo server sends COOP/COEP).
  ort.env.wasm.numThreads = crossOriginIsolated ? threads : 1;
  return { ort };
}

/** A session on `model` (a URL or the bytes) with the wasm backend at graph optimisation `level`. */
export function ortSession(ort: Ort, model: string | Uint8Array, threads: number, level: "all" | "extended"): Promise<OrtSession> {
  return ort.InferenceSession.create(model, {
    executionProviders: ["wasm"],
    graphOptimizationLevel: level,
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: "sequential",
  });
}
