// Docs say only what exists: every repository path that README.md or a file under docs/ names
// (src/…, test/…, bench/…, scripts/…, docs/…) must exist in the tree. A path with a
// placeholder (`<role>`, `*`) names a shape, not a file, and is not checked.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

const root = new URL("..", import.meta.url).pathname;
const PATH = /(?<![\w./-])((?:src|test|bench|scripts|docs)\/[\w./-]*)/g;

function markdownFiles(): string[] {
  const docs = join(root, "docs");
  const inDocs = existsSync(docs)
    ? readdirSync(docs, { recursive: true, encoding: "utf8" })
        .filter((name) => name.endsWith(".md"))
        .map((name) => join(docs, name))
    : [];
  return [join(root, "README.md"), ...inDocs];
}

function namedPaths(text: string): string[] {
  const out = new Set<string>();
  for (const match of text.matchAll(PATH)) {
    const path = (match[1] ?? "").replace(/[.,:;)]+$/, "");
    const next = text[(match.index ?? 0) + (match[1] ?? "").length];
    if (next === "<" || next === "*" || next === "{") continue;
    out.add(path);
  }
  return [...out];
}

test("a docs path scan finds src/ paths and skips placeholders", () => {
  const text =
    "see `src/wire/json.ts`, src/agent/ and test/x.test.ts. Not src/<role>/x or src/*.ts";
  assert.deepEqual(namedPaths(text), ["src/wire/json.ts", "src/agent/", "test/x.test.ts"]);
});

test("every repository path named in README.md and docs/ exists", () => {
  const missing: string[] = [];
  for (const file of markdownFiles()) {
    for (const path of namedPaths(readFileSync(file, "utf8"))) {
      if (!existsSync(join(root, path))) missing.push(`${file.slice(root.length)}: ${path}`);
    }
  }
  assert.deepEqual(missing, [], `docs name paths that do not exist:\n${missing.join("\n")}`);
});
