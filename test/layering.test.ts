import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { after, describe, test } from "node:test";
import {
  checkLayering,
  type ImportEdge,
  importSpecifiers,
  layerOf,
  readImports,
  sourceFiles,
} from "../scripts/layering.ts";

const SRC = new URL("../src", import.meta.url).pathname;

function lines(edges: ImportEdge[]): string[] {
  return checkLayering(edges).map((v) => v.line);
}

describe("the layering rule of DESIGN.md", () => {
  const edges = readImports(SRC);

  test("src/ imports only from its own folder and below, with no cycle between folders", () => {
    const violations = lines(edges);
    assert.deepEqual(violations, [], `layering violations:\n${violations.join("\n")}`);
  });

  test("every source file of src/ lies in a folder of the layering", () => {
    const unplaced = sourceFiles(SRC)
      .map((path) => relative(SRC, path))
      .filter((file) => layerOf(file) === undefined);
    assert.deepEqual(unplaced, []);
  });

  test("invariants go through the one assert of src/base/assert.ts, never node:assert", () => {
    const users = sourceFiles(SRC).filter((path) =>
      importSpecifiers(path, readFileSync(path, "utf8")).some((spec) =>
        /^(node:)?assert(\/strict)?$/.test(spec),
      ),
    );
    assert.deepEqual(
      users.map((path) => relative(SRC, path)),
      [],
    );
  });

  test("the imports are really read (the check is not passing over nothing)", () => {
    assert.ok(edges.length > 500, `only ${edges.length} imports read`);
    assert.ok(edges.some((e) => e.file === "master/server.ts" && e.target === "base/version.ts"));
  });

  test("one violating import added to the real tree fails, naming the file and the import", () => {
    const upward = { file: "http/endpoints.ts", target: "cli/version.ts" };
    const coreToShell = { file: "wire/ids.ts", target: "cli/main.ts" };
    assert.deepEqual(lines([...edges, upward, coreToShell]), [
      "http/endpoints.ts → cli/version.ts (http imports cli, which lies above it)",
      "wire/ids.ts → cli/main.ts (the core wire imports cli, a shell or above)",
    ]);
  });
});

describe("the layering checker", () => {
  test("an import from a folder above fails", () => {
    const found = checkLayering([{ file: "sdk/client.ts", target: "frameworks/services/a.ts" }]);
    assert.deepEqual(
      found.map((v) => v.kind),
      ["upward"],
    );
    assert.equal(
      found[0]?.line,
      "sdk/client.ts → frameworks/services/a.ts (sdk imports frameworks, which lies above it)",
    );
  });

  test("a core importing a shell fails as such", () => {
    const found = checkLayering([
      { file: "allocator/sorter.ts", target: "http/server.ts" },
      { file: "agent/core/agent.ts", target: "agent/checkpoint/store.ts" },
    ]);
    assert.deepEqual(
      found.map((v) => v.kind),
      ["core-imports-shell", "core-imports-shell"],
    );
  });

  test("two folders of one rank importing each other fail, round a longer cycle too", () => {
    const found = checkLayering([
      { file: "master/http/a.ts", target: "master/registry/b.ts" },
      { file: "master/registry/b.ts", target: "master/election/c.ts" },
      { file: "master/election/c.ts", target: "master/http/d.ts" },
      { file: "master/server.ts", target: "master/http/a.ts" },
    ]);
    assert.deepEqual(
      found.map((v) => `${v.kind} ${v.file}`),
      ["cycle master/http/a.ts", "cycle master/registry/b.ts", "cycle master/election/c.ts"],
    );
  });

  test("imports within a folder, downward and between peers without a cycle pass", () => {
    assert.deepEqual(
      lines([
        { file: "master/core/master.ts", target: "master/core/offers.ts" },
        { file: "master/core/master.ts", target: "allocator/index.ts" },
        { file: "frameworks/services/a.ts", target: "sdk/index.ts" },
        { file: "cli/agent.ts", target: "agent/server.ts" },
        { file: "master/server.ts", target: "master/http/context.ts" },
        { file: "zk/session.ts", target: "base/assert.ts" },
      ]),
      [],
    );
  });

  test("the master and the agent importing each other's folders fails", () => {
    assert.deepEqual(
      lines([
        { file: "agent/flags.ts", target: "master/flags.ts" },
        { file: "master/http/a.ts", target: "agent/core/types.ts" },
        { file: "agent/core/agent.ts", target: "master/core/types.ts" },
      ]),
      [
        "agent/flags.ts → master/flags.ts (agent imports master; what both need belongs below them)",
        "master/http/a.ts → agent/core/types.ts (master imports agent; what both need belongs below them)",
        "agent/core/agent.ts → master/core/types.ts (agent imports master; what both need belongs below them)",
      ],
    );
  });

  test("a file outside every folder of the layering fails", () => {
    assert.deepEqual(
      checkLayering([
        { file: "jobs/a.ts", target: "wire/ids.ts" },
        { file: "base/version.ts", target: "../package.json" },
      ]).map((v) => v.kind),
      ["unplaced", "unplaced"],
    );
  });

  test("static imports, re-exports, dynamic import() and import types are all read", () => {
    const text = [
      'import { a } from "./a.ts";',
      'import type { B } from "../b.ts";',
      'export { c } from "./c.ts";',
      'export * from "./d.ts";',
      'import "./e.ts";',
      'const f = await import("./f.ts");',
      'type G = import("./g.ts").G;',
      '// import { h } from "./h.ts";',
      "const s = \"import { i } from './i.ts'\";",
      'import fs from "node:fs";',
    ].join("\n");
    assert.deepEqual(importSpecifiers("x.ts", text), [
      "./a.ts",
      "../b.ts",
      "./c.ts",
      "./d.ts",
      "./e.ts",
      "./f.ts",
      "./g.ts",
      "node:fs",
    ]);
  });

  describe("over a synthetic tree", () => {
    const root = mkdtempSync(join(tmpdir(), "tessera-layering-"));
    after(() => rmSync(root, { recursive: true, force: true }));
    const write = (file: string, text: string) => {
      mkdirSync(dirname(join(root, file)), { recursive: true });
      writeFileSync(join(root, file), text);
    };
    write("base/assert.ts", "export const assert = 1;\n");
    write(
      "wire/ids.ts",
      'import { assert } from "../base/assert.ts";\nexport const id = assert;\n',
    );
    write("cli/main.ts", 'import { id } from "../wire/ids.ts";\nexport const main = id;\n');

    test("a tree that keeps the rule passes", () => {
      assert.deepEqual(lines(readImports(root)), []);
    });

    test("a violating import, even a dynamic one, makes it fail", () => {
      write("wire/late.ts", 'export const late = () => import("../cli/main.ts");\n');
      assert.deepEqual(lines(readImports(root)), [
        "wire/late.ts → cli/main.ts (the core wire imports cli, a shell or above)",
      ]);
    });
  });
});
