// `npm run demo:web`: builds the demo page (esbuild, excite bundled as a user's app would),
// makes sure the benchmark's onnxruntime-web and models are there (bench/prepare.mjs installs
// the bench sub-package and exports the models when missing), and serves on 127.0.0.1.
// PORT=… picks the port (default 8080, or any free one when that is taken).

import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { buildPage, ROOT, stagePackage } from "../../tests/browser/build.js";
import { SITE } from "../../tests/browser/site.js";
import { startStaticServer } from "../../tests/browser/static-server.js";

/** Builds the page script (and excite first, on a fresh checkout); returns the page's path on the server. */
export async function buildDemo(): Promise<string> {
  if (!existsSync(join(ROOT, "dist/index.js"))) execFileSync("npm", ["run", "build"], { cwd: ROOT, stdio: "inherit" });
  stagePackage();
  await buildPage("demo/web/main.ts", "demo");
  return "/demo/web/";
}

/** Installs onnxruntime-web and exports the models when missing; the page runs excite alone if this fails. */
export function prepareBench(): void {
  try {
    execFileSync("node", ["bench/prepare.mjs"], { cwd: ROOT, stdio: "inherit" });
  } catch {
    console.warn("demo:web: bench/prepare.mjs failed (above); the page will time excite alone where onnxruntime-web or a model is missing");
  }
}

async function listen() {
  const port = Number(process.env.PORT ?? 8080);
  try {
    return await startStaticServer(SITE, port);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EADDRINUSE" || process.env.PORT) throw err;
    return startStaticServer(SITE, 0);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  prepareBench();
  const page = await buildDemo();
  const server = await listen();
  console.log(`excite demo: ${server.origin}${page}  (Ctrl-C stops it)`);
}
