// ONNX Runtime on the models exported by export_models.py: onnxruntime-web (its WebAssembly
// backend) and onnxruntime-node (the native CPU library, the reference for native speed), at
// graph optimisation levels 'all' and 'extended', on one thread and on two. NHWC cells run the
// NHWC model (the NCHW one between Transpose nodes, as a user with tfjs's tensors would).
//
// onnxruntime-web fixes its thread count once, when its wasm starts (env.wasm.numThreads; it
// has no per-session intraOpNumThreads), so one process cannot hold it on one thread and on two:
// this process runs it on one, and a child process (ort-web-child.ts) on two, timed there in
// this process's turn of each round. onnxruntime-node takes intraOpNumThreads per session.

import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import * as ortNode from "onnxruntime-node";
import * as ortWeb from "onnxruntime-web";
import type { Cell, Engine, Runner } from "../table.js";
import { type Level, type Ort, ortSession } from "./ort-session.js";
import type { SliceOptions } from "../timing.js";
import type { ChildReply, ChildRequest } from "./ort-web-child.js";

ortWeb.env.wasm.numThreads = 1;
ortWeb.env.wasm.simd = true;

function inProcess(id: string, label: string, ort: Ort, provider: string, level: Level, threads: number): Engine {
  return {
    id,
    label,
    supports: () => true,
    async prepare(cell: Cell): Promise<Runner> {
      const s = await ortSession(ort, provider, cell, level, threads);
      return { run: s.run, output: s.output, dispose: s.release };
    },
  };
}

/** The child process running onnxruntime-web on `threads` threads, started on first use. */
class WebChild {
  private child?: ChildProcess;
  private pending?: { resolve: (r: ChildReply) => void; reject: (e: Error) => void };

  constructor(private readonly threads: number) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  request(message: ChildRequest): Promise<ChildReply> {
    const child = (this.child ??= this.start());
    if (this.pending) throw new Error("ORT-web child: one request at a time");
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      child.send(message);
    });
  }

  private start(): ChildProcess {
    const child = fork(fileURLToPath(new URL("./ort-web-child.ts", import.meta.url)), [String(this.threads)], { execArgv: ["--import=tsx"], serialization: "advanced", stdio: ["ignore", "inherit", "inherit", "ipc"] });
    child.on("message", (reply: ChildReply) => {
      const p = this.pending;
      this.pending = undefined;
      if (!p) return;
      if (reply.error) p.reject(new Error(reply.error));
      else p.resolve(reply);
    });
    child.on("exit", (code) => {
      this.child = undefined;
      this.pending?.reject(new Error(`ORT-web child exited (${code})`));
      this.pending = undefined;
    });
    child.unref();
    (child.channel as unknown as { unref(): void } | undefined)?.unref();
    return child;
  }

  stop(): void {
    this.child?.kill();
    this.child = undefined;
  }
}

const webChild = new WebChild(2);

/** Ends the child process (the end of the run). */
export function stopOrtWebChild(): void {
  webChild.stop();
}

function inChild(id: string, label: string, level: Level): Engine {
  return {
    id,
    label,
    supports: () => true,
    async prepare(cell: Cell): Promise<Runner> {
      await webChild.request({ op: "prepare", onnxPath: cell.onnxPath, inputs: [...cell.inputs], dims: [...cell.dims], level });
      return {
        run: () => webChild.request({ op: "run" }),
        output: async () => (await webChild.request({ op: "output" })).output!,
        timeSlice: async (o: SliceOptions) => (await webChild.request({ op: "time", slice: o })).samples!,
        pids: () => (webChild.pid ? [webChild.pid] : []),
        dispose: async () => void (await webChild.request({ op: "dispose" })),
      };
    },
  };
}

export const ortWeb1 = {
  all: inProcess("ort-web-all", "ORT-web (all)", ortWeb, "wasm", "all", 1),
  extended: inProcess("ort-web-ext", "ORT-web (extended)", ortWeb, "wasm", "extended", 1),
};
export const ortWeb2 = {
  all: inChild("ort-web-all-2t", "ORT-web (all), 2 threads", "all"),
  extended: inChild("ort-web-ext-2t", "ORT-web (extended), 2 threads", "extended"),
};
export const ortNode1 = {
  all: inProcess("ort-node-all", "ORT-node (all)", ortNode, "cpu", "all", 1),
  extended: inProcess("ort-node-ext", "ORT-node (extended)", ortNode, "cpu", "extended", 1),
};
export const ortNode2 = {
  all: inProcess("ort-node-all-2t", "ORT-node (all), 2 threads", ortNode, "cpu", "all", 2),
  extended: inProcess("ort-node-ext-2t", "ORT-node (extended), 2 threads", ortNode, "cpu", "extended", 2),
};
