// A worker thread of the pool (threads.ts): it instantiates excite's shared-memory module on the
// memory it is given and runs the jobs its control block holds, one at a time, until told to exit.
// It never allocates (the calling thread's instance owns the heap); the module's data segments,
// which each instantiation writes again, hold only constants.

import {
  WORKER_BEGIN, WORKER_CALL, WORKER_DONE, WORKER_END, WORKER_EXIT, WORKER_FAILED, WORKER_FN, WORKER_GEN, WORKER_PARAMS, WORKER_STAGE,
} from "./constants.js";

interface Init {
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  /** Byte offset of this worker's control block. */
  readonly control: number;
  /** The `_run` exports, by the index a job names. */
  readonly names: readonly string[];
}

type Run = (params: number, call: number, stage: number, begin: number, end: number) => void;

function serve({ module, memory, control, names }: Init, ready: () => void): void {
  const exports = new WebAssembly.Instance(module, { env: { memory } }).exports as Record<string, unknown>;
  const fns = names.map((n) => exports[n] as Run);
  const words = new Int32Array(memory.buffer);
  const at = control >>> 2;
  let seen = Atomics.load(words, at + WORKER_GEN);
  ready();
  for (;;) {
    // a short spin first: a call's next stage usually follows within microseconds
    let gen = Atomics.load(words, at + WORKER_GEN);
    for (let spin = 0; gen === seen && spin < 20000; spin++) gen = Atomics.load(words, at + WORKER_GEN);
    while (gen === seen) {
      Atomics.wait(words, at + WORKER_GEN, seen);
      gen = Atomics.load(words, at + WORKER_GEN);
    }
    seen = gen;
    const fn = words[at + WORKER_FN];
    if (fn === WORKER_EXIT) return;
    try {
      fns[fn](words[at + WORKER_PARAMS], words[at + WORKER_CALL], words[at + WORKER_STAGE], words[at + WORKER_BEGIN], words[at + WORKER_END]);
      words[at + WORKER_FAILED] = 0;
    } catch {
      words[at + WORKER_FAILED] = 1;
    }
    Atomics.store(words, at + WORKER_DONE, gen);
    Atomics.notify(words, at + WORKER_DONE);
  }
}

// Node's worker_threads or a Web Worker: the first message is the Init.
const node = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule?.("node:worker_threads") as typeof import("node:worker_threads") | undefined;
if (node?.parentPort) {
  const port = node.parentPort;
  port.once("message", (init: Init) => serve(init, () => port.postMessage("ready")));
} else {
  const scope = globalThis as unknown as { onmessage: ((e: MessageEvent<Init>) => void) | null; postMessage(m: unknown): void };
  scope.onmessage = (e) => {
    scope.onmessage = null;
    serve(e.data, () => scope.postMessage("ready"));
  };
}
