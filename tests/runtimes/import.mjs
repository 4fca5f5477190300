// `import("excite")` (or the entry named by the first argument), then check.mjs.
import process from "node:process";
import { check } from "./check.mjs";

const entry = process.argv[2] ?? "excite";
await check(await import(entry), import.meta.resolve(entry));
