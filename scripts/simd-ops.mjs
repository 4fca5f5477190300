// Counts the SIMD instructions (v128.*, f32x4.*, i32x4.*, ...) in each function of the release
// build's text form, build/excite.wat (`npm run build:wasm` writes it): `npm run simd-ops`.

import { readFileSync } from "node:fs";

const wat = readFileSync(new URL("../build/excite.wat", import.meta.url), "utf8");
const SIMD = /^\s*\(?(v128|f32x4|f64x2|i8x16|i16x8|i32x4|i64x2)\.[a-z_0-9]+/;
const counts = new Map();
let current = null;
for (const line of wat.split("\n")) {
  const fn = /^ \(func \$([^\s)]+)/.exec(line);
  if (fn) current = fn[1];
  else if (current && SIMD.test(line)) counts.set(current, (counts.get(current) ?? 0) + 1);
}
const exported = new Map([...wat.matchAll(/\(export "([^"]+)" \(func \$([^\s)]+)\)\)/g)].map((m) => [m[2], m[1]]));
const rows = [...counts].map(([fn, n]) => [exported.get(fn) ?? fn, n]).sort((a, b) => b[1] - a[1]);
const width = Math.max(...rows.map(([name]) => name.length));
for (const [name, n] of rows) console.log(`${name.padEnd(width)}  ${n}`);
console.log(`${"total".padEnd(width)}  ${rows.reduce((s, [, n]) => s + n, 0)}`);
