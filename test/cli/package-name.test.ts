// The registry-name trap: `tessera` on the public npm registry is an unrelated package, so
// `npx tessera …` can fetch and run it. Our package has a name of its own, keeps `tessera` as
// the command, and no command the docs give a user reaches for the registry.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

const root = new URL("../..", import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  name: string;
  bin: Record<string, string>;
  scripts: Record<string, string>;
};

test("the package is named tessera-kernel and installs the `tessera` command", () => {
  assert.equal(pkg.name, "tessera-kernel");
  assert.equal(pkg.bin.tessera, "bin/tessera.mjs");
  assert.equal(pkg.scripts.dev, "node bin/tessera.mjs dev");
});

test("no command in the README or docs/ runs `npx tessera` (it would reach the registry)", () => {
  const docs = readdirSync(join(root, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => join(root, "docs", f));
  for (const file of [join(root, "README.md"), ...docs]) {
    for (const line of readFileSync(file, "utf8").split("\n")) {
      if (/^\s*(\$\s*)?npx tessera\b/.test(line) || /&&\s*npx tessera\b/.test(line)) {
        assert.fail(`${file.slice(root.length)}: ${line.trim()}`);
      }
    }
  }
});
