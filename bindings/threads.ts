// Worker threads: one setting (`setThreads`), a pool of Node worker_threads or Web Workers that
// instantiate the same shared-memory module, and the split of a stage's items over them.
//
// A stage's items are independent (assembly/call.ts), so a stage runs as contiguous ranges of
// items, one per thread, and gives the same bytes at every thread count. Each worker has a
// control block of 32-bit words in the module's memory; the calling thread writes a job (which
// export, its arguments, the item range), bumps the worker's generation word and notifies it,
// computes its own range, then waits for every worker's done word. Workers never allocate: the
// calling thread's instance owns the heap (a worker's instance starts with fresh globals).

import type { RunFn } from "./abi.js";
import {
  WORKER_BEGIN, WORKER_CALL, WORKER_DONE, WORKER_END, WORKER_EXIT, WORKER_FAILED, WORKER_FN, WORKER_GEN, WORKER_PARAMS, WORKER_STAGE, WORKER_WORDS,
} from "./constants.js";
import { type LoadedModule, loadedModule, moduleFlavour, moduleRequested, requestThreadsBuild } from "./loader.js";
import { sharedHeap } from "./memory.js";

/** What this platform allows. */
export interface ThreadSupport {
  /** Whether more than one thread can run (shared memory and workers exist here). */
  readonly available: boolean;
  /** Why not, when not. */
  readonly reason?: string;
  /** The platform's logical cores (navigator.hardwareConcurrency or os.availableParallelism). */
  readonly hardwareConcurrency: number;
}

// the control block of one worker (constants.ts)
const GEN = WORKER_GEN, DONE = WORKER_DONE, FN = WORKER_FN, PARAMS = WORKER_PARAMS, CALL = WORKER_CALL;
const STAGE = WORKER_STAGE, BEGIN = WORKER_BEGIN, END = WORKER_END, FAILED = WORKER_FAILED;

/**
 * By default a call whose input has fewer floats than this runs on the calling thread alone:
 * waking workers (tens of microseconds each way) costs more than it saves on small tensors
 * (bench/threads-threshold.ts measures the crossing point; README, "Threads").
 */
export const MIN_PARALLEL_FLOATS = 1 << 19;

let minParallelFloats = MIN_PARALLEL_FLOATS;

/**
 * Multiply-adds that cost about as much as one float's pass through memory: a memory-bound pass
 * moves a float in about 1.5–2 cycles here (io() at 60–100% of the limit), in which 128-bit SIMD
 * does up to 8 multiply-adds per cycle.
 */
const MACS_PER_PASS_FLOAT = 16;

/**
 * Whether a call on `floats` input floats is split over the threads: a block whose convolutions
 * spend `macsPerFloat` multiply-adds per input float counts as that many passes' worth of floats
 * (SEResBlock at 64 channels: 1152 multiply-adds a float, so 56×56 splits, 7×5 does not).
 */
export function parallelFor(floats: number, macsPerFloat = 0): boolean {
  return floats * Math.max(1, macsPerFloat / MACS_PER_PASS_FLOAT) >= minParallelFloats;
}

interface Worker {
  readonly control: number;
  post(message: unknown): void;
  terminate(): void;
}

interface Pool {
  readonly module: LoadedModule;
  readonly workers: Worker[];
  /** The `_run` exports by function, as indices the workers know them by. */
  readonly index: Map<RunFn, number>;
  generation: number;
}

let threads = 1;
let pool: Pool | undefined;

const hardware = (): number => {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  if (nav) return nav;
  const os = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule?.("node:os") as { availableParallelism?: () => number } | undefined;
  return os?.availableParallelism?.() ?? 1;
};

const isNode = (): boolean => typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === "string";

/** Whether this platform can run excite on several threads, and why not when it cannot. */
export function threadSupport(): ThreadSupport {
  const base = { hardwareConcurrency: hardware() };
  if (typeof SharedArrayBuffer === "undefined") {
    return { ...base, available: false, reason: "SharedArrayBuffer is not available: a page must be cross-origin isolated (served with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)" };
  }
  const g = globalThis as { crossOriginIsolated?: boolean; Worker?: unknown; process?: { getBuiltinModule?: unknown } };
  if (isNode() && typeof g.process?.getBuiltinModule !== "function") return { ...base, available: false, reason: "Node before 20.16 has no process.getBuiltinModule, which the thread pool loads worker_threads with" };
  if (!isNode() && g.crossOriginIsolated === false) return { ...base, available: false, reason: "the page is not cross-origin isolated (Cross-Origin-Opener-Policy: same-origin, Cross-Origin-Embedder-Policy: require-corp)" };
  if (!isNode() && typeof g.Worker !== "function") return { ...base, available: false, reason: "this environment has no Worker" };
  if (moduleRequested() && !pool && !moduleFlavour()?.endsWith("-threads") && moduleFlavour() !== undefined && moduleFlavour() !== "custom") {
    return { ...base, available: false, reason: `the module was loaded without shared memory (${moduleFlavour()}): call setThreads before the first create` };
  }
  return { ...base, available: true };
}

/** The number of threads blocks run on (1 until setThreads says otherwise). */
export function getThreads(): number {
  return threads;
}

/**
 * Runs every block on `n` threads (the calling one and n − 1 workers) from now on. The first
 * call with n > 1 before any block is created loads the module's shared-memory build; after a
 * block was created with the plain build, n > 1 is an error (say why: threadSupport()). n = 1
 * stops the workers. Where the platform has no threads (threadSupport().available false), it
 * stays at 1 thread, and `setThreads(n > 1)` throws with the reason. `options.minFloats`: calls
 * on inputs of fewer floats run on the calling thread (default MIN_PARALLEL_FLOATS; 0 splits all).
 */
export async function setThreads(n: number, options: { minFloats?: number } = {}): Promise<void> {
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 1) throw new RangeError(`excite: setThreads takes a positive integer, got ${typeof n === "number" ? n : typeof n}`);
  const { minFloats = MIN_PARALLEL_FLOATS } = options;
  if (typeof minFloats !== "number" || !Number.isSafeInteger(minFloats) || minFloats < 0) throw new RangeError(`excite: setThreads option minFloats must be a non-negative integer, got ${minFloats}`);
  minParallelFloats = minFloats;
  if (n === threads) return;
  if (n === 1) {
    stopPool();
    threads = 1;
    return;
  }
  const support = threadSupport();
  if (!support.available) throw new Error(`excite: cannot run on ${n} threads: ${support.reason}`);
  if (!moduleRequested()) requestThreadsBuild();
  const module = await loadedModule();
  if (!module.sharedMemory) throw new Error(`excite: cannot run on ${n} threads: the module was loaded without shared memory (${moduleFlavour()}); call setThreads before the first create`);
  stopPool();
  pool = await startPool(module, n - 1);
  threads = n;
}

/** Whether stages are split over threads now. */
export function threaded(): boolean {
  return threads > 1 && pool !== undefined;
}

/**
 * Items [0, items) of stage `stage` of a call, on the calling thread or split in contiguous
 * ranges over the pool (when `parallel`, there are threads, and the stage has two items or more).
 */
export function runStage(run: RunFn, params: number, call: number, stage: number, items: number, parallel: boolean): void {
  const p = pool;
  const parts = p && parallel ? Math.min(threads, items) : 1;
  if (parts <= 1) {
    run(params, call, stage, 0, items);
    return;
  }
  const fn = p!.index.get(run);
  if (fn === undefined) throw new Error("excite: a stage's function is not an export the workers know");
  const words = new Int32Array(p!.module.sharedMemory!.buffer);
  const generation = ++p!.generation;
  // thread t takes items [⌊t·items/parts⌋, ⌊(t + 1)·items/parts⌋); the calling thread the first range
  const bound = (t: number) => Math.floor((t * items) / parts);
  for (let t = 1; t < parts; t++) {
    const at = p!.workers[t - 1].control >>> 2;
    words[at + FN] = fn;
    words[at + PARAMS] = params;
    words[at + CALL] = call;
    words[at + STAGE] = stage;
    words[at + BEGIN] = bound(t);
    words[at + END] = bound(t + 1);
    Atomics.store(words, at + GEN, generation);
    Atomics.notify(words, at + GEN);
  }
  let failure: unknown;
  try {
    run(params, call, stage, 0, bound(1));
  } catch (err) {
    failure = err;
  }
  for (let t = 1; t < parts; t++) {
    const at = p!.workers[t - 1].control >>> 2;
    waitFor(words, at + DONE, generation);
    if (Atomics.load(words, at + FAILED)) failure ??= new Error("excite: a worker thread failed in a stage (a RuntimeError in the module)");
  }
  if (failure) throw failure;
}

/** Waits until words[i] is `value`: Atomics.wait where the thread may block (Node, workers), else a spin (a page's main thread). */
function waitFor(words: Int32Array, i: number, value: number): void {
  for (let spin = 0; spin < 2000; spin++) if (Atomics.load(words, i) === value) return;
  const canBlock = isNode() || typeof (globalThis as { document?: unknown }).document === "undefined";
  for (;;) {
    const now = Atomics.load(words, i);
    if (now === value) return;
    if (canBlock) Atomics.wait(words, i, now, 1000);
  }
}

async function startPool(module: LoadedModule, count: number): Promise<Pool> {
  const names = Object.keys(module.exports).filter((k) => k.endsWith("_run"));
  const index = new Map<RunFn, number>(names.map((k, i) => [(module.exports as unknown as Record<string, RunFn>)[k], i]));
  const heap = await sharedHeap();
  const workers: Worker[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const control = heap.allocFloats(WORKER_WORDS);
      new Int32Array(module.sharedMemory!.buffer, control, WORKER_WORDS).fill(0);
      workers.push(await spawn(module, control, names));
    }
  } catch (err) {
    for (const w of workers) w.terminate();
    throw err;
  }
  return { module, workers, index, generation: 0 };
}

function stopPool(): void {
  const p = pool;
  pool = undefined;
  if (!p) return;
  const words = new Int32Array(p.module.sharedMemory!.buffer);
  for (const w of p.workers) {
    const at = w.control >>> 2;
    words[at + FN] = WORKER_EXIT;
    Atomics.store(words, at + GEN, ++p.generation);
    Atomics.notify(words, at + GEN);
    w.terminate();
  }
}

/** One worker running dist/worker.js on the module and memory, ready once it says so. */
async function spawn(module: LoadedModule, control: number, names: string[]): Promise<Worker> {
  const init = { module: module.module, memory: module.sharedMemory, control, names };
  if (isNode()) {
    // process.getBuiltinModule (Node 20.16+) is invisible to browser bundlers, as a literal import is not
    const node = (globalThis as unknown as { process: { getBuiltinModule(id: string): unknown } }).process;
    const { Worker } = node.getBuiltinModule("node:worker_threads") as typeof import("node:worker_threads");
    const w = new Worker(new URL("./worker.js", import.meta.url));
    w.unref(); // a pool never keeps a process alive
    await new Promise<void>((resolve, reject) => {
      w.once("message", () => resolve());
      w.once("error", reject);
      w.postMessage(init);
    });
    return { control, post: (m) => w.postMessage(m), terminate: () => void w.terminate() };
  }
  // the literal new Worker(new URL("./worker.js", import.meta.url)) is the pattern bundlers recognise
  const w = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
  await new Promise<void>((resolve, reject) => {
    w.onmessage = () => resolve();
    w.onerror = (e) => reject(new Error(`excite: a worker failed to start (${e.message})`));
    w.postMessage(init);
  });
  return { control, post: (m) => w.postMessage(m), terminate: () => w.terminate() };
}
