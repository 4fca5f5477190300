// A user's app that imports only what it uses, by name, from excite/embedded: the import that
// tree-shaking bundlers prune hardest. excite/embedded must still hand its module to the loader
// (package.json `sideEffects` keeps it), so nothing is fetched. With all-zero weights SE's gate
// is sigmoid(0), so y = x / 2.

import { createSE, moduleFlavour } from "excite/embedded";

const C = 8;
const weights = { "fc1.weight": new Float32Array(4 * C), "fc1.bias": new Float32Array(4), "fc2.weight": new Float32Array(C * 4), "fc2.bias": new Float32Array(C) };
const x = Float32Array.from({ length: C * 9 }, (_, i) => i - 20);

declare global {
  var namedImport: Promise<{ flavour: string | undefined; halved: boolean }>;
}

globalThis.namedImport = createSE({ channels: C, reduction: 2 }, weights).then((se) => {
  const y = se.run(x, [1, C, 3, 3]);
  return { flavour: moduleFlavour(), halved: y.every((v, i) => v === x[i] / 2) };
});
