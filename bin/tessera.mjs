#!/usr/bin/env node
// The `tessera` command. `npm install` compiles the TypeScript sources to dist/ (the `prepare`
// script), and the command runs that JavaScript: start-up is then Node's own plus the command's
// imports. Where dist/ is missing or older than a source file (a checkout being edited), tsx
// compiles the sources on the fly instead, so the command never runs stale code.
import { readdirSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const STAMP = `${root}dist/.built`;

/** The newest modification time of any file under `dir`, in ms. */
function newestUnder(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const mtime = statSync(`${entry.parentPath ?? entry.path}/${entry.name}`).mtimeMs;
    if (mtime > newest) newest = mtime;
  }
  return newest;
}

function builtIsFresh() {
  try {
    return statSync(STAMP).mtimeMs >= newestUnder(`${root}src`);
  } catch {
    return false;
  }
}

if (builtIsFresh()) {
  await import("../dist/cli/main.js");
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../src/cli/main.ts");
}
