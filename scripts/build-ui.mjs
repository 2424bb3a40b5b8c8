// Bundles the web UI (src/ui, browser TypeScript) with esbuild into dist/ui: app.js (preact
// bundled in: no CDN, works offline), its source map, index.html and app.css. Called by
// scripts/build.mjs, and by the UI's tests, which need the assets and not the rest of dist/.
import { copyFileSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

export async function buildWebUi(out = `${root}dist/ui`) {
  const { build } = await import("esbuild");
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: [`${root}src/ui/main.ts`],
    bundle: true,
    format: "esm",
    target: "es2022",
    minify: true,
    sourcemap: true,
    outfile: `${out}/app.js`,
    logLevel: "warning",
  });
  copyFileSync(`${root}src/ui/index.html`, `${out}/index.html`);
  copyFileSync(`${root}src/ui/app.css`, `${out}/app.css`);
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildWebUi();
