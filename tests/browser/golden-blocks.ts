// Which goldens the browser runs: the blocks of the FACTORIES map in tests/golden.test.ts
// (read from its source at test time, so a block added there joins the browser test too),
// each with its factory's export name and its golden files.

import { readFileSync } from "node:fs";
import { goldenCases } from "../helpers/golden.js";

export interface GoldenBlock {
  /** The folder under tests/golden/, e.g. "scse". */
  readonly block: string;
  /** excite's export that creates it, e.g. "createSCSE". */
  readonly factory: string;
  readonly files: readonly string[];
}

const SOURCE = new URL("../golden.test.ts", import.meta.url);

export function goldenBlocks(): GoldenBlock[] {
  return factoryEntries(readFileSync(SOURCE, "utf8")).map(([block, factory]) => ({ block, factory, files: goldenCases(block) }));
}

/** The [key, createX] pairs of the object literal assigned to FACTORIES. */
function factoryEntries(source: string): [string, string][] {
  const head = /\bFACTORIES\b[^=]*=\s*\{/.exec(source);
  if (!head) throw new Error(`${SOURCE.pathname}: no 'FACTORIES = { ... }' object literal`);
  const entries: string[] = [];
  let depth = 0, start = head.index + head[0].length;
  for (let i = start; i < source.length; i++) {
    const ch = source[i];
    if ("{([".includes(ch)) depth++;
    else if (depth > 0 && "})]".includes(ch)) depth--;
    else if (ch === "," && depth === 0) { entries.push(source.slice(start, i)); start = i + 1; }
    else if (ch === "}") { entries.push(source.slice(start, i)); break; }
  }
  return entries.filter((e) => e.trim() !== "").map((entry) => {
    const key = /^\s*["']?([\w-]+)["']?\s*:/.exec(entry)?.[1];
    const factory = /\bcreate\w+/.exec(entry)?.[0];
    if (!key || !factory) throw new Error(`${SOURCE.pathname}: cannot read the FACTORIES entry '${entry.trim()}' as 'block: createX'`);
    return [key, factory];
  });
}
