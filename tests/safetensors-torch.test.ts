// loadSafetensors against PyTorch itself: files of every float dtype, and real state_dicts with
// BatchNorms, written at test time by /usr/bin/python3 with torch (tests/helpers/torch_safetensors.py),
// each beside torch's own `.float()` of it, compared bit for bit.

import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import { createSEResBlock, loadSafetensors } from "../dist/index.js";
import { compareToGolden, type Golden } from "./helpers/golden.js";

const PYTHON = "/usr/bin/python3";
const hasTorch = spawnSync(PYTHON, ["-c", "import torch"]).status === 0;
const torchTest = hasTorch ? test : test.skip;
if (!hasTorch) console.log(`safetensors-torch: skipped, ${PYTHON} cannot import torch (apt-get install python3-torch)`);
// CI installs torch (.ci/run): there, its absence is a failure, not a skip
if (!hasTorch && process.env.CI) test("PyTorch is installed (CI)", (t) => t.fail(`${PYTHON} cannot import torch: apt-get install -y python3-torch`));

let folder = "";
const files = (name: string) => loadSafetensors(readFileSync(join(folder, name)));

test.before(() => {
  if (!hasTorch) return;
  folder = mkdtempSync(join(tmpdir(), "excite-safetensors-"));
  const script = fileURLToPath(new URL("./helpers/torch_safetensors.py", import.meta.url));
  const run = spawnSync(PYTHON, [script, folder], { encoding: "utf8" });
  if (run.status !== 0) throw new Error(`${script} failed: ${run.stderr}`);
});
test.after.always(() => {
  if (folder) rmSync(folder, { recursive: true, force: true });
});

const bits = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);
const hex = (v: number) => "0x" + v.toString(16).padStart(8, "0");

/** Indices where the float32 bits differ, with the first few described. */
function bitMismatches(actual: Float32Array, expected: Float32Array): { count: number; first: string[] } {
  const a = bits(actual), e = bits(expected), first: string[] = [];
  let count = 0;
  for (let i = 0; i < e.length; i++) {
    if (a[i] !== e[i]) {
      if (count++ < 5) first.push(`[${i}] ${hex(a[i])} != torch ${hex(e[i])}`);
    }
  }
  return { count, first };
}

for (const source of ["f16", "bf16", "f64"]) {
  torchTest(`${source} converts to float32 bit for bit as torch's .float()`, (t) => {
    const w = files("dtypes.safetensors");
    const { count, first } = bitMismatches(w[source], w[`${source}.float`]);
    t.log(`${w[source].length} ${source} values compared, ${count} mismatches`);
    t.is(w[source].length, w[`${source}.float`].length);
    t.true(w[source].length >= 65536);
    t.is(count, 0, first.join("; "));
  });
}

for (const dtype of ["f32", "f16", "bf16", "f64"]) {
  torchTest(`an SEResBlock state_dict() saved as ${dtype}: num_batches_tracked skipped, weights as torch's .float(), the block as torch`, async (t) => {
    const weights = files(`bn_${dtype}.safetensors`), expected = files("bn_expected.safetensors");
    t.deepEqual(Object.keys(weights).filter((k) => k.includes("num_batches_tracked")), [], "the I64 counters are skipped");
    const keys = Object.keys(expected).filter((k) => k.startsWith(`${dtype}/`));
    t.deepEqual(Object.keys(weights).sort(), keys.map((k) => k.slice(dtype.length + 1)).sort());
    for (const k of keys) t.is(bitMismatches(weights[k.slice(dtype.length + 1)], expected[k]).count, 0, k);
    const block = await createSEResBlock({ channels: 8, reduction: 4 }, weights);
    const y = block.run(expected.x, [2, 8, 5, 7]);
    block.dispose();
    const { worstRatio } = compareToGolden({ y: expected[`y_${dtype}`] } as Golden, y);
    t.true(worstRatio <= 1, `worst error ${worstRatio} of SPEC §5's tolerance`);
  });
}
