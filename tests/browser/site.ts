// The URL layout the browser sees: which directory each path prefix serves. The golden pages,
// the wasm-source checks and the demo page all use it (the demo adds its own: demo/web/serve.ts).

import { join } from "node:path";
import { OUT, ROOT, STAGED } from "./build.js";
import type { Mount } from "./static-server.js";

export const SITE: readonly Mount[] = [
  { prefix: "/tests/browser/", dir: join(ROOT, "tests/browser") },
  { prefix: "/tests/golden/", dir: join(ROOT, "tests/golden") },
  { prefix: "/build/browser/", dir: OUT },
  // The module at a URL of the page's choosing, for loadModule(source).
  { prefix: "/alt-wasm/", dir: join(STAGED, "dist") },
  { prefix: "/alt-octet/", dir: join(STAGED, "dist"), contentType: "application/octet-stream" },
  { prefix: "/demo/web/", dir: join(ROOT, "demo/web") },
];
