// Rewrites dist/worker.js (the thread pool's worker, bindings/worker.ts) as one self-contained
// file, its imports inlined, so that a bundler that emits it as an asset, or a user who copies it
// next to a bundle, has nothing else to provide. Run after `tsc` (`npm run build:ts` does).

import { build } from "esbuild";

const file = new URL("../dist/worker.js", import.meta.url).pathname;
await build({ entryPoints: [file], outfile: file, allowOverwrite: true, bundle: true, format: "esm", target: "es2022", sourcemap: true, logLevel: "warning" });
