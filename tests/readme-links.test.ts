// The README is also the package's page on npm, where a relative link leads nowhere: every link
// and image must be an anchor or absolute, and those into this repository (package.json's
// `repository`, the one place that names it) must name a file it has.

import { existsSync, readFileSync } from "node:fs";
import test from "ava";

const ROOT = new URL("../", import.meta.url);
const README = readFileSync(new URL("README.md", ROOT), "utf8");
const REPO = JSON.parse(readFileSync(new URL("package.json", ROOT), "utf8")).repository.url.replace(/^git\+/, "").replace(/\.git$/, "");
const RAW = REPO.replace("https://github.com/", "https://raw.githubusercontent.com/");

const links = [...README.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]);

test("every README link is an anchor or an absolute URL", (t) => {
  t.true(links.length > 0);
  t.deepEqual(links.filter((l) => !l.startsWith("#") && !/^https:\/\//.test(l)), []);
});

test("every README link into the repository names a file it has", (t) => {
  const own = links.filter((l) => l.startsWith(`${REPO}/`) || l.startsWith(`${RAW}/`));
  t.true(own.length > 0, `links to ${REPO}`);
  for (const link of own) {
    const path = /^(?:.*\/blob\/main|.*\.com\/[^/]+\/[^/]+\/main)\/(.+)$/.exec(link)?.[1];
    t.truthy(path, `${link} names a file on the main branch`);
    if (path) t.true(existsSync(new URL(path, ROOT)), `${link}: ${path} exists`);
  }
});
