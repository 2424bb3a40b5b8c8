// The size rules of STYLE.md, checked over every file in src/: no file over 500 lines, no
// function over 120 lines unless the comment right above it says why, with a marker
// `long-function: <reason>`. A long function is usually several steps that want names of
// their own; the marker is for the rare one (a flat table, a switch mirroring a protocol) where
// splitting would hide the shape. Functions are found with the TypeScript compiler's own
// parser, so methods, arrow functions and nested functions all count, each on its own span.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { test } from "node:test";
import ts from "typescript";

const FILE_LINES_MAX = 500;
const FUNCTION_LINES_MAX = 120;
const MARKER = /long-function:\s*\S/;

const root = new URL("..", import.meta.url).pathname;

interface LongFunction {
  name: string;
  line: number;
  lines: number;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(ts|tsx|mts|cts)$/.test(entry.name)) out.push(path);
  }
  return out.sort();
}

/** Lines as an editor numbers them: a final newline does not start another line. */
function lineCount(text: string): number {
  if (text.length === 0) return 0;
  const lines = text.split("\n").length;
  return text.endsWith("\n") ? lines - 1 : lines;
}

function functionName(node: ts.SignatureDeclaration): string {
  if (node.name !== undefined) return node.name.getText();
  if (ts.isConstructorDeclaration(node)) return "constructor";
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent)) {
    return parent.name.getText();
  }
  if (ts.isPropertyDeclaration(parent)) return parent.name.getText();
  return "(anonymous)";
}

/** The nodes whose leading comment counts as "the comment right above" a function: the
 * function itself and its parents up to the statement or member that holds it (so the comment
 * above `export const f = () => { … }` or `foo: function () { … }` counts). */
function commentHosts(node: ts.Node): ts.Node[] {
  const hosts = [node];
  let current = node;
  while (
    !ts.isStatement(current) &&
    !ts.isClassElement(current) &&
    !ts.isObjectLiteralElement(current) &&
    current.parent !== undefined &&
    !ts.isSourceFile(current.parent)
  ) {
    current = current.parent;
    hosts.push(current);
  }
  return hosts;
}

function hasMarker(node: ts.Node, text: string): boolean {
  for (const host of commentHosts(node)) {
    const ranges = ts.getLeadingCommentRanges(text, host.pos) ?? [];
    // Only the comments touching the function count: walk up from it and stop at a blank
    // line, so the file's opening comment above a first statement never excuses it.
    let next = host.getStart();
    for (let i = ranges.length - 1; i >= 0; i--) {
      const range = ranges[i]!;
      if (/\n[ \t]*\r?\n/.test(text.slice(range.end, next))) break;
      if (MARKER.test(text.slice(range.pos, range.end))) return true;
      next = range.pos;
    }
  }
  return false;
}

/** Every function, method, accessor, constructor or arrow function in `text` longer than
 * `maxLines` whose comment does not carry the marker. */
function longFunctions(
  fileName: string,
  text: string,
  maxLines = FUNCTION_LINES_MAX,
): LongFunction[] {
  const file = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const found: LongFunction[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && "body" in node && node.body !== undefined) {
      const first = file.getLineAndCharacterOfPosition(node.getStart(file)).line;
      const last = file.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = last - first + 1;
      if (lines > maxLines && !hasMarker(node, text)) {
        found.push({ name: functionName(node), line: first + 1, lines });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

test(`no file in src/ is over ${FILE_LINES_MAX} lines`, () => {
  const offenders = sourceFiles(join(root, "src"))
    .map((path) => ({ path: relative(root, path), lines: lineCount(readFileSync(path, "utf8")) }))
    .filter((file) => file.lines > FILE_LINES_MAX)
    .map((file) => `${file.path}: ${file.lines} lines`);
  assert.deepEqual(offenders, [], `files over ${FILE_LINES_MAX} lines:\n${offenders.join("\n")}`);
});

test(`no function in src/ is over ${FUNCTION_LINES_MAX} lines unless a long-function: comment says why`, () => {
  const offenders: string[] = [];
  for (const path of sourceFiles(join(root, "src"))) {
    for (const fn of longFunctions(path, readFileSync(path, "utf8"))) {
      offenders.push(`${relative(root, path)}:${fn.line} ${fn.name}: ${fn.lines} lines`);
    }
  }
  assert.deepEqual(
    offenders,
    [],
    `functions over ${FUNCTION_LINES_MAX} lines:\n${offenders.join("\n")}`,
  );
});

function body(lines: number): string {
  return Array.from({ length: lines }, (_, i) => `  const v${i} = ${i};\n`).join("");
}

test("the function check finds a 130-line function, method and arrow function", () => {
  const source = [
    `// opening comment of the file\n\nfunction long(): void {\n${body(128)}}\n`,
    `class C {\n  method(): void {\n${body(128)}  }\n}\n`,
    `export const arrow = (): void => {\n${body(128)}};\n`,
    `function short(): void {\n${body(10)}}\n`,
  ].join("\n");
  const found = longFunctions("synthetic.ts", source);
  assert.deepEqual(
    found.map((fn) => [fn.name, fn.lines]),
    [
      ["long", 130],
      ["method", 130],
      ["arrow", 130],
    ],
  );
});

test("a long function passes when the comment right above it says why with the marker", () => {
  const source = [
    `// long-function: one case per Mesos call, in the order of the protocol\nfunction long(): void {\n${body(128)}}\n`,
    `class C {\n  /** long-function: a flat table reads better whole */\n  method(): void {\n${body(128)}  }\n}\n`,
    `// long-function: kept whole so the steps read in order\nexport const arrow = (): void => {\n${body(128)}};\n`,
  ].join("\n");
  assert.deepEqual(longFunctions("synthetic.ts", source), []);
});

test("the marker needs a reason and must stand right above the function", () => {
  const noReason = `// long-function:\nfunction long(): void {\n${body(128)}}\n`;
  assert.equal(longFunctions("synthetic.ts", noReason).length, 1);
  const farAway = `// long-function: this comment is about something else\n\nconst x = 1;\n\nfunction long(): void {\n${body(128)}}\n`;
  assert.equal(longFunctions("synthetic.ts", farAway).length, 1);
  const separated = `// long-function: separated by a blank line\n\nfunction long(): void {\n${body(128)}}\n`;
  assert.equal(longFunctions("synthetic.ts", separated).length, 1);
});

test("the file check counts lines as an editor numbers them", () => {
  assert.equal(lineCount(""), 0);
  assert.equal(lineCount("a\n"), 1);
  assert.equal(lineCount("a\nb"), 2);
  assert.equal(lineCount("x\n".repeat(FILE_LINES_MAX + 1)), FILE_LINES_MAX + 1);
});
