// The README's section of each block ("### … — `createX`") is its reference: it must name every
// option the block accepts, and its examples may call only the factories its heading names (a
// section whose table or example belongs to another block is caught here).

import { readFileSync } from "node:fs";
import test from "ava";
import * as api from "../dist/index.js";

const README = readFileSync(new URL("../README.md", import.meta.url), "utf8");

/** The README's "### …" sections with the factories their headings name. */
const sections = README.split(/^(?=### )/m).slice(1).map((text) => {
  const heading = text.slice(0, text.indexOf("\n"));
  return { heading, text, factories: [...heading.matchAll(/`(create\w+)`/g)].map((m) => m[1]) };
});

/** Each exported createX by its name. */
const factories = new Map(Object.entries(api).filter(([k]) => /^create[A-Z]/.test(k)).map(([k, f]) => [f, k]));

test("the README's code fences are balanced, in every section", (t) => {
  for (const s of sections) t.is((s.text.match(/^```/gm) ?? []).length % 2, 0, s.heading);
});

for (const b of api.blocks) {
  test(`the README's section of ${b.name} names its options and calls only its own factories`, (t) => {
    const name = factories.get(b.create as never);
    if (!name) return t.fail(`${b.name}'s factory is not exported`);
    const own = sections.filter((s) => s.factories.includes(name));
    t.is(own.length, 1, `one section's heading names \`${name}\``);
    for (const s of own) {
      for (const key of b.create.optionKeys) t.true(s.text.includes(`\`${key}\``), `${s.heading}: option \`${key}\``);
      const called = [...s.text.matchAll(/\b(create[A-Z]\w*)\(/g)].map((m) => m[1]);
      t.true(called.length > 0, `${s.heading}: an example`);
      t.deepEqual([...new Set(called.filter((f) => !s.factories.includes(f)))], [], `${s.heading}: calls other blocks' factories`);
    }
  });
}
