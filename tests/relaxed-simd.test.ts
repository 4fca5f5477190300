// The two builds of the module: dist/excite.wasm (SIMD) and dist/excite.relaxed.wasm (relaxed
// SIMD: f32x4.relaxed_madd, fused where the CPU has FMA), which the loader picks by feature
// detection. This process loads the relaxed build (the loader's default here) and a child process
// the plain one (helpers/plain-build-goldens.ts); every golden of every block of the registry
// runs in both, and each must match PyTorch (SPEC §5) and the other build within a far tighter
// tolerance.

import test from "ava";
import { fork } from "node:child_process";
import { readFileSync } from "node:fs";
import v8 from "node:v8";
import { blocks, hasRelaxedSimd, moduleFlavour } from "../dist/index.js";
import { closeness, type Tolerance } from "./helpers/close.js";
import { compareToGolden, goldenCases, readGolden, runGolden } from "./helpers/golden.js";

// Node 20's V8 has relaxed SIMD behind a flag; Node 22 and current browsers have it on.
if (!hasRelaxedSimd()) v8.setFlagsFromString("--experimental-wasm-relaxed-simd");

/**
 * Between the builds: 1e-6·(|y| + max|y|), y the plain build's output. A fused multiply-add rounds
 * once where mul + add rounds twice, so each step of a sum may differ by an ulp and the
 * differences grow with the length of the sums; one ulp is 2⁻²³ ≈ 1.2e-7 of a float at the top of
 * its binade, so this is 8 ulps of the element, or of the output's largest element where a result
 * is a small difference of larger terms (a residual add, a convolution's cancellations). Measured
 * on every golden of the 22 blocks of the registry: at most 9.5e-7·max|y| (SK, its fc2 poisoned
 * with a NaN), 94% of this tolerance, and under 45% on every other block (the test logs it per
 * block). PyTorch's, 1e-5 + 1e-4·|y|, is some 20 to 100 times
 * looser for outputs of magnitude 1.
 */
const BETWEEN_BUILDS = 1e-6;

const betweenBuilds = (plain: Float32Array): Tolerance => {
  let max = 0;
  for (const v of plain) if (Math.abs(v) > max) max = Math.abs(v);
  return { atol: BETWEEN_BUILDS * max, rtol: BETWEEN_BUILDS };
};

/** The plain build's output on every golden, from the child process. */
function plainBuildOutputs(): Promise<{ flavour: string; outputs: Map<string, Float32Array> }> {
  const child = fork(new URL("./helpers/plain-build-goldens.ts", import.meta.url), [], { execArgv: ["--import=tsx"], serialization: "advanced" });
  return new Promise((resolve, reject) => {
    child.once("message", (m) => resolve(m as never));
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`the plain build's process exited (${code}) without sending its outputs`)));
  });
}

test("the relaxed build is built with relaxed SIMD, the plain one without", (t) => {
  t.true(readFileSync(new URL("../build/excite.relaxed.wat", import.meta.url), "utf8").includes("f32x4.relaxed_madd"));
  t.false(readFileSync(new URL("../build/excite.wat", import.meta.url), "utf8").includes("relaxed"));
});

test("every golden of every block: both builds match PyTorch, and each other within 1e-6·(|y| + max|y|)", async (t) => {
  t.true(hasRelaxedSimd());
  const plain = await plainBuildOutputs();
  t.is(plain.flavour, "custom", "the child loaded the build it was given");
  for (const { folder, create } of blocks) {
    const cases = goldenCases(folder);
    t.true(cases.length > 0, `${folder} has goldens`);
    let worst = 0, worstAbs = 0, at = "";
    for (const file of cases) {
      const g = readGolden(folder, file), what = `${folder}/${file}`;
      const block = await create(g.options as never, g.weights);
      const relaxed = runGolden(block, g);
      block.dispose();
      const simd = plain.outputs.get(what);
      if (!simd) {
        t.fail(`${what}: the plain build's process sent no output`);
        continue;
      }
      for (const [name, y] of [["relaxed", relaxed], ["simd", simd]] as const) {
        const c = compareToGolden(g, y);
        t.true(c.worstRatio <= 1, `${what}, ${name} build: element ${c.at} is ${y[c.at]}, not PyTorch's`);
      }
      const tol = betweenBuilds(simd);
      const c = closeness(relaxed, simd, tol);
      t.is(relaxed.length, simd.length, `${what}: lengths`);
      t.true(c.worstRatio <= 1, `${what}: element ${c.at} is ${simd[c.at]} in the simd build, ${relaxed[c.at]} in the relaxed one (${(c.worstRatio * 100).toFixed(0)}% of the tolerance)`);
      if (c.worstRatio > worst) { worst = c.worstRatio; worstAbs = c.maxAbs / (tol.atol / BETWEEN_BUILDS); at = file; }
    }
    t.log(`${folder}: ${cases.length} goldens; largest difference between the builds ${(worst * 100).toFixed(1)}% of the tolerance (${at}; max |Δ| = ${worstAbs.toExponential(2)}·max|y|)`);
  }
  t.is(moduleFlavour(), "relaxed-simd", "this process ran the relaxed build");
});
