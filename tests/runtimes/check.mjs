// Runs golden cases with the excite it is handed, in whichever runtime loads it (Node, Deno,
// Bun; both entry scripts load it). The cases come on standard input as
// JSON, [{ factory, options, dims, golden: base64 of the safetensors file, x: base64 of the
// float32 input, residual: the second input of AFF and iAFF }], and the outputs go to standard output, so that the runtime needs no
// permission of its own: what Deno asks for is what excite asks for.

import { Buffer } from "node:buffer";
import process from "node:process";

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

const f32 = (bytes) => new Float32Array(new Uint8Array(bytes).buffer);

/** Runs every case through `run` and prints { flavour, hasRelaxedSimd, resolved, outputs: base64 of each float32 output }. */
export async function check(excite, resolved) {
  const outputs = [];
  for (const c of await readStdin()) {
    const { tensors } = excite.parseSafetensors(Buffer.from(c.golden, "base64"));
    const weights = {};
    for (const [key, t] of Object.entries(tensors)) if (key !== "y" && key !== "y_index") weights[key] = f32(t.bytes);
    const block = await excite[c.factory](c.options, weights);
    const x = f32(Buffer.from(c.x, "base64"));
    const y = c.residual ? block.run(x, f32(Buffer.from(c.residual, "base64")), c.dims) : block.run(x, c.dims);
    block.dispose();
    outputs.push(Buffer.from(y.buffer, y.byteOffset, y.byteLength).toString("base64"));
  }
  process.stdout.write(JSON.stringify({ flavour: excite.moduleFlavour(), hasRelaxedSimd: excite.hasRelaxedSimd(), resolved, outputs }));
}
