// The child process of ort.ts: onnxruntime-web on N threads (argv[2]; env.wasm.numThreads is
// fixed when its wasm starts, so the benchmark's own process keeps it on one). It holds one
// session at a time and answers the parent's requests over IPC, one at a time; `time` runs a
// slice here, so the IPC is not in the samples.

import * as ort from "onnxruntime-web";
import { type SliceOptions, slice } from "../timing.js";
import { type Level, ortSession, type Session } from "./ort-session.js";

export type ChildRequest =
  | { op: "prepare"; onnxPath: string; inputs: Float32Array[]; dims: number[]; level: Level }
  | { op: "run" }
  | { op: "output" }
  | { op: "time"; slice: SliceOptions }
  | { op: "dispose" };

export interface ChildReply {
  error?: string;
  output?: Float32Array;
  samples?: number[];
}

if (process.send) {
  const threads = Number(process.argv[2]);
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.simd = true;
  let session: Session | undefined;

  const handle = async (m: ChildRequest): Promise<ChildReply> => {
    switch (m.op) {
      case "prepare":
        await session?.release();
        session = await ortSession(ort, "wasm", m, m.level, threads);
        return {};
      case "run":
        await session!.run();
        return {};
      case "output":
        return { output: session!.output() };
      case "time":
        return { samples: await slice(session!.run, m.slice) };
      case "dispose":
        await session?.release();
        session = undefined;
        return {};
    }
  };

  process.on("message", (m: ChildRequest) => {
    handle(m).then(
      (reply) => process.send!(reply),
      (err: Error) => process.send!({ error: String(err?.message ?? err).split("\n")[0] }),
    );
  });
  process.on("disconnect", () => process.exit(0));
}
