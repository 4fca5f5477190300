// fromCheckpoint against the peers' own modules (tests/checkpoints, made by gen_checkpoints.py from
// modules re-typed from timm, smp and the official code, saved under their own key names). Every
// case: resolveCheckpoint gives the block, options and canonical weights the golden states (which
// the generator checked against SPEC's module in PyTorch); and where this build's registry has the
// block(s), fromCheckpoint's block computes the peer module's output within SPEC §5's tolerance.
// Where it has not, fromCheckpoint says so, and the same test runs the block once it is merged.

import test from "ava";
import { blocks, fromCheckpoint, resolveCheckpoint, type CheckpointBlock, type FusionBlock, type ResolvedBlock } from "../dist/index.js";
import { type CheckpointGolden, checkpointCases, readCheckpointGolden } from "./helpers/checkpoint.js";
import { assertClose, closeness, SPEC_TOLERANCE } from "./helpers/close.js";

const inBuild = (folder: string) => blocks.some((b) => b.folder === folder);

function stagesOf(r: ResolvedBlock): ResolvedBlock[] {
  const out: ResolvedBlock[] = [];
  for (let b: ResolvedBlock | undefined = r; b; b = b.then) out.push(b);
  return out;
}

function run(block: CheckpointBlock, g: CheckpointGolden, out?: Float32Array): Float32Array {
  return g.residual ? (block as FusionBlock).run(g.x, g.residual, g.dims, out) : (block as Exclude<CheckpointBlock, FusionBlock>).run(g.x, g.dims, out);
}

/** The resolved stages against the golden's expectation: block, options, canonical keys, shapes and values. */
function checkResolved(t: import("ava").ExecutionContext, g: CheckpointGolden, stages: ResolvedBlock[]) {
  t.deepEqual(stages.map((s) => s.block), g.expect.map((e) => e.block), "blocks");
  stages.forEach((s, i) => {
    const e = g.expect[i];
    t.deepEqual(s.options, e.options, `${s.block} options`);
    t.deepEqual(Object.keys(s.weights).sort(), Object.keys(e.weights).sort(), `${s.block} canonical keys`);
    for (const [k, w] of Object.entries(e.weights)) {
      t.deepEqual([...s.shapes[k]], w.shape, `${s.block} ${k} shape`);
      t.is(s.weights[k].length, w.shape.reduce((a, b) => a * b, 1), `${k} length`);
      // a renamed weight is the checkpoint's tensor, value for value
      if (w.from !== null) t.deepEqual(s.weights[k], g.stateDict[g.prefix + w.from].data, `${k} = ${w.from}`);
    }
  });
}

for (const [folder, file] of checkpointCases()) {
  const g = readCheckpointGolden(folder, file);
  test(`${g.source} ${g.name}`, async (t) => {
    const resolved = resolveCheckpoint(g.source, g.stateDict, g.options);
    t.is(resolved.source, g.source);
    t.is(resolved.prefix, g.prefix);
    const stages = stagesOf(resolved);
    checkResolved(t, g, stages);

    // the same from the file's bytes, where the state_dict is inside a network (y sits outside the prefix)
    if (g.prefix !== "") t.deepEqual(resolveCheckpoint(g.source, g.bytes, g.options), resolved, "from the safetensors bytes");

    // without shapes (loadSafetensors' Record): the same result where the lengths tell, else an error that says so
    try {
      t.deepEqual(resolveCheckpoint(g.source, g.flat, g.options), resolved, "from lengths alone");
    } catch (err) {
      t.regex((err as Error).message, /cannot be told apart from the length of '.+' \(\d+ floats for \[.+\]\): its shape is not known/);
      t.true(err instanceof RangeError);
    }

    const missing = g.expect.filter((e) => !inBuild(e.folder));
    if (missing.length > 0) {
      await t.throwsAsync(fromCheckpoint(g.source, g.stateDict, g.options), {
        message: new RegExp(`this build of excite has no ${missing[0].block} block \\(create\\w+\\) yet, so ${g.source} cannot be built`),
      });
      t.log(`${missing.map((e) => e.block).join(", ")} not in this build: resolved and checked against the expected mapping only`);
      return;
    }
    const block = await fromCheckpoint(g.source, g.stateDict, g.options);
    try {
      t.deepEqual([...block.outputDims(g.dims)], g.outDims);
      const c = assertClose(t, run(block, g), g.y, SPEC_TOLERANCE, `${g.source} ${g.name}`);
      t.log(`max |err| ${c.maxAbs.toExponential(2)}, ${(c.worstRatio * 100).toFixed(1)}% of tolerance`);
    } finally {
      block.dispose();
    }
  });
}

test("timm:CbamModule: the mean-max order it reads gives timm's output; the official max-mean order would not", async (t) => {
  const g = readCheckpointGolden("timm_CbamModule", "mlp_bias_rd5_k3_c20.safetensors");
  t.is(resolveCheckpoint(g.source, g.stateDict).options.spatialOrder, "mean-max");
  const right = await fromCheckpoint(g.source, g.stateDict);
  const wrong = await fromCheckpoint(g.source, g.stateDict, { spatialOrder: "max-mean" });
  const ok = closeness(run(right, g), g.y, SPEC_TOLERANCE), bad = closeness(run(wrong, g), g.y, SPEC_TOLERANCE);
  right.dispose();
  wrong.dispose();
  t.true(ok.worstRatio <= 1, `mean-max: ${ok.worstRatio}`);
  t.true(bad.worstRatio > 100, `max-mean is off by only ${bad.worstRatio}× the tolerance`);
  t.log(`mean-max: ${(ok.worstRatio * 100).toFixed(1)}% of the tolerance; max-mean: ${bad.worstRatio.toFixed(0)}× (max |err| ${bad.maxAbs.toExponential(2)})`);
});

test("float16: a half-precision network's state_dict, from the file's bytes and from loadSafetensors' Record", async (t) => {
  const g = readCheckpointGolden("timm_SEModule", "f16_prefix_c20.safetensors");
  t.deepEqual([...g.dtypes].sort(), ["F16", "F32", "I64"]); // F16 weights, y in F32, num_batches_tracked I64
  for (const [what, sd] of [["bytes", g.bytes], ["Record", g.flat]] as const) {
    const block = await fromCheckpoint(g.source, sd, g.options);
    assertClose(t, run(block, g), g.y, SPEC_TOLERANCE, `F16 from ${what}`);
    block.dispose();
  }
});

test("timm:LightCbamModule: a chain of two blocks, through run (into out, in place) and io", async (t) => {
  const g = readCheckpointGolden("timm_LightCbamModule", "rd5_c20.safetensors");
  const chain = await fromCheckpoint(g.source, g.stateDict);
  t.is(chain.name, "SE → CBAM");
  t.is(chain.channels, 20);
  const out = new Float32Array(g.y.length);
  t.is(run(chain, g, out), out);
  assertClose(t, out, g.y, SPEC_TOLERANCE, "run into out");
  const x = g.x.slice();
  (chain as Exclude<CheckpointBlock, FusionBlock>).run(x, g.dims, x);
  assertClose(t, x, g.y, SPEC_TOLERANCE, "in place");
  const io = (chain as Exclude<CheckpointBlock, FusionBlock>).io(g.dims);
  io.input.set(g.x);
  assertClose(t, io.run(), g.y, SPEC_TOLERANCE, "io");
  io.dispose();
  chain.dispose();
  t.true(chain.isDisposed);
});
