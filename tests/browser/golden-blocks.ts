// Which goldens the browser runs: every block of the registry (bindings/registry.ts), each with
// its factory's export name (the page looks it up among excite's exports) and its golden files.

import * as excite from "../../dist/index.js";
import { goldenCases } from "../helpers/golden.js";

export interface GoldenBlock {
  /** The folder under tests/golden/, e.g. "scse". */
  readonly block: string;
  /** excite's export that creates it, e.g. "createSCSE". */
  readonly factory: string;
  readonly files: readonly string[];
  /** The layouts the block computes in. */
  readonly layouts: readonly ("nchw" | "nhwc")[];
}

export function goldenBlocks(): GoldenBlock[] {
  return excite.blocks.map(({ folder, create, layouts }) => {
    const factory = Object.entries(excite).find(([, v]) => v === create)?.[0];
    if (!factory) throw new Error(`the registry's ${folder} block has a create function that excite does not export`);
    return { block: folder, factory, files: goldenCases(folder), layouts };
  });
}
