// Compiles src/ to dist/ (tsconfig.build.json), bundles the web UI into dist/ui
// (scripts/build-ui.mjs), and stamps the result, so that bin/tessera.mjs runs the compiled
// JavaScript only while it is at least as new as every source file.
import { execFileSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { buildWebUi } from "./build-ui.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
rmSync(`${root}dist`, { recursive: true, force: true });
const tsc = fileURLToPath(new URL("../node_modules/typescript/bin/tsc", import.meta.url));
execFileSync(process.execPath, [tsc, "-p", `${root}tsconfig.build.json`], { stdio: "inherit" });
await buildWebUi();
writeFileSync(`${root}dist/.built`, `${new Date().toISOString()}\n`);
