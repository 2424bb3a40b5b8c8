// The layering rule of DESIGN.md, checked over the imports of src/: a module imports from its
// own folder and from folders below it; no pure core imports a shell; no two folders import
// each other, directly or round a longer cycle; and the two daemons, master and agent, share
// only what lies below both (nothing under src/agent/ imports src/master/, nor the reverse). test/layering.test.ts runs it over the tree;
// run it by hand to see the violations:   npx tsx scripts/layering.ts
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

/** One import of one file: both paths relative to src/, the folder being the file's layer. */
export interface ImportEdge {
  file: string;
  target: string;
}

export interface Violation {
  kind: "upward" | "core-imports-shell" | "cycle" | "cross-daemon" | "unplaced";
  file: string;
  target: string;
  /** One line for a person: `file → import (why)`. */
  line: string;
}

/** Folders from the bottom up; folders of one rank may import each other (if no cycle). */
export const LAYERS: readonly (readonly string[])[] = [
  ["base"],
  ["wire"],
  ["resources"],
  ["allocator"],
  ["master/core", "agent/core"],
  ["http", "zk", "security"],
  [
    "master/registry",
    "master/election",
    "master/http",
    "agent/containerizer",
    "agent/executor",
    "agent/checkpoint",
    "agent/http",
    "agent/nested",
    "agent/provisioner",
    "agent/network",
    "agent/docker",
  ],
  // The files directly in src/master/ and src/agent/: each daemon's wiring of its shells.
  ["master", "agent"],
  ["sdk"],
  ["frameworks", "executors", "sim", "cli", "ui"],
];

/** The pure cores: they never import a shell (anything from the shared shells up). */
export const CORES: readonly string[] = [
  "wire",
  "resources",
  "allocator",
  "master/core",
  "agent/core",
];

/** Subsystems that never import each other's folders (what both need lies below them). */
export const DAEMONS: readonly string[] = ["master", "agent"];

const RANK = new Map<string, number>(LAYERS.flatMap((folders, i) => folders.map((f) => [f, i])));
const SHELL_RANK = RANK.get("http")!;

/**
 * The layer a file (path relative to src/) belongs to: the longest known folder holding it
 * (`master/core/agents.ts` is in master/core; `frameworks/services/x.ts` in frameworks).
 * Undefined for a file in no known folder.
 */
export function layerOf(file: string): string | undefined {
  const parts = file.split("/").slice(0, -1);
  for (let n = parts.length; n > 0; n--) {
    const folder = parts.slice(0, n).join("/");
    if (RANK.has(folder)) return folder;
  }
  return undefined;
}

/** Every module specifier one source text imports: static, `export … from`, and `import()`. */
export function importSpecifiers(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier !== undefined &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      out.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] !== undefined &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      out.push(node.arguments[0].text);
    } else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      out.push(node.argument.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/** Every TypeScript source file under `dir`, as full paths. */
export function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(ts|mts|tsx)$/.test(entry) && !entry.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

/** The imports between files of `srcDir` (imports of packages and node: are not layering). */
export function readImports(srcDir: string): ImportEdge[] {
  const root = resolve(srcDir);
  const edges: ImportEdge[] = [];
  for (const path of sourceFiles(root)) {
    const file = relative(root, path);
    for (const spec of importSpecifiers(path, readFileSync(path, "utf8"))) {
      if (!spec.startsWith(".")) continue;
      const target = relative(root, resolve(dirname(path), spec));
      edges.push({ file, target });
    }
  }
  return edges;
}

/**
 * The folder pairs lying on a cycle among folders of one rank (strongly connected components
 * of that graph). A cycle through folders of different ranks holds an upward import, which is
 * reported as such; reporting every edge of it again would bury that one import.
 */
function cyclicFolderPairs(edges: ImportEdge[]): Set<string> {
  const graph = new Map<string, Set<string>>();
  for (const { file, target } of edges) {
    const from = layerOf(file);
    const to = layerOf(target);
    if (from === undefined || to === undefined || from === to) continue;
    if (RANK.get(from) !== RANK.get(to)) continue;
    const next = graph.get(from) ?? new Set<string>();
    graph.set(from, next);
    next.add(to);
  }
  // Tarjan's algorithm; the graph has a few dozen nodes.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const component = new Map<string, number>();
  let counter = 0;
  let components = 0;
  const strongConnect = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        strongConnect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      for (;;) {
        const w = stack.pop()!;
        onStack.delete(w);
        component.set(w, components);
        if (w === v) break;
      }
      components++;
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) strongConnect(v);
  const pairs = new Set<string>();
  for (const [from, next] of graph) {
    for (const to of next) {
      if (component.get(from) === component.get(to)) pairs.add(`${from}\0${to}`);
    }
  }
  return pairs;
}

/** Every violation of the rule among `edges`, in the order of the edges. */
export function checkLayering(edges: ImportEdge[]): Violation[] {
  const out: Violation[] = [];
  const cyclic = cyclicFolderPairs(edges);
  const seenUnplaced = new Set<string>();
  for (const { file, target } of edges) {
    const from = layerOf(file);
    const to = layerOf(target);
    const say = (kind: Violation["kind"], why: string): void => {
      out.push({ kind, file, target, line: `${file} → ${target} (${why})` });
    };
    if (from === undefined || to === undefined) {
      const where = from === undefined ? file : target;
      if (!seenUnplaced.has(where)) say("unplaced", `${where} is in no folder of the layering`);
      seenUnplaced.add(where);
      continue;
    }
    if (from === to) continue;
    const fromRank = RANK.get(from)!;
    const toRank = RANK.get(to)!;
    const fromDaemon = from.split("/")[0]!;
    const toDaemon = to.split("/")[0]!;
    if (DAEMONS.includes(fromDaemon) && DAEMONS.includes(toDaemon) && fromDaemon !== toDaemon) {
      say("cross-daemon", `${fromDaemon} imports ${toDaemon}; what both need belongs below them`);
    } else if (CORES.includes(from) && toRank >= SHELL_RANK) {
      say("core-imports-shell", `the core ${from} imports ${to}, a shell or above`);
    } else if (toRank > fromRank) {
      say("upward", `${from} imports ${to}, which lies above it`);
    } else if (cyclic.has(`${from}\0${to}`)) {
      say("cycle", `${from} and ${to} lie on one import cycle`);
    }
  }
  return out;
}

if (
  process.argv[1] !== undefined &&
  resolve(process.argv[1]) === new URL(import.meta.url).pathname
) {
  const violations = checkLayering(readImports(new URL("../src", import.meta.url).pathname));
  for (const v of violations) process.stdout.write(`${v.line}\n`);
  process.stdout.write(`${violations.length} layering violation(s)\n`);
  process.exit(violations.length === 0 ? 0 : 1);
}
