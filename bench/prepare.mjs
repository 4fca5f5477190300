// Everything `npm run bench` needs besides excite's own build, made when missing:
//  - the peers, in this private sub-package (bench/package.json), so that installing excite
//    never installs them. ONNXRUNTIME_NODE_INSTALL=skip: onnxruntime-node's install script
//    would otherwise try to download GPU binaries (its CPU binary ships in the package);
//  - the limit probe, bench/assembly/limit.ts → bench/build/limit.wasm;
//  - the table of blocks and options, from excite's registry (bench/table.ts) → bench/models/blocks.json;
//  - the models, bench/export_models.py (PyTorch: /usr/bin/python3 with torch) → bench/models/.

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

const bench = fileURLToPath(new URL(".", import.meta.url));
const root = fileURLToPath(new URL("..", import.meta.url));
const run = (cmd, args, cwd, env = {}) => execFileSync(cmd, args, { cwd, stdio: "inherit", env: { ...process.env, ...env } });
const newer = (a, b) => !existsSync(b) || statSync(a).mtimeMs > statSync(b).mtimeMs;

const peers = ["onnxruntime-web", "onnxruntime-node", "@tensorflow/tfjs-core", "@tensorflow/tfjs-backend-wasm"];
if (peers.some((p) => !existsSync(`${bench}node_modules/${p}/package.json`))) {
  console.log("bench: installing the peers in bench/node_modules");
  run("npm", ["ci", "--no-audit", "--no-fund"], bench, { ONNXRUNTIME_NODE_INSTALL: "skip" });
}

if (newer(`${bench}assembly/limit.ts`, `${bench}build/limit.wasm`)) {
  console.log("bench: building the limit probe");
  run("npx", ["asc", "--config", "bench/asconfig.json"], root);
}

mkdirSync(`${bench}models`, { recursive: true });
run(process.execPath, ["--import=tsx", `${bench}table.ts`, `${bench}models/blocks.json`], root);

// export_models.py writes only the files that are missing or were made with other options.
try {
  run("/usr/bin/python3", [`${bench}export_models.py`], root);
} catch (err) {
  throw new Error("bench: exporting the models failed (above); it needs /usr/bin/python3 with torch: apt-get install -y python3-torch", { cause: err });
}
