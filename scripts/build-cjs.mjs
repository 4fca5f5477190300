// Writes dist/index.cjs, the CommonJS entry (`require("excite")` on Node releases without
// require(esm), before 20.19): the ES module build in dist/ bundled into one file, with the
// package's dependencies left to `require` and `import.meta.url` made from `__filename`, so
// the module is read from dist/ as the ES build reads it. Run after `tsc` (`npm run build:ts`).

import { readFileSync } from "node:fs";
import { build } from "esbuild";

const { dependencies } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));

await build({
  entryPoints: [new URL("../dist/index.js", import.meta.url).pathname],
  outfile: new URL("../dist/index.cjs", import.meta.url).pathname,
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  external: Object.keys(dependencies), // required from node_modules, as the ES build imports them
  define: { "import.meta.url": "importMetaUrl" },
  banner: { js: 'const importMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
  logLevel: "warning",
});
