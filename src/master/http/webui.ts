// The web UI (docs/ui.md): the leading master serves its page at `/` and the bundled assets
// under `/ui/`; a standby answers `/` with a redirect to the leader, as Mesos's UI does, so a
// bookmark of any master lands on the one that knows the cluster. The assets are built by
// `npm run build` (scripts/build.mjs) into dist/ui; without them `/` says how to build them.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import type { LeadershipView } from "../../http/leader.ts";
import { response, textResponse } from "../../http/response.ts";
import type { HttpServer } from "../../http/server.ts";

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json",
  ".svg": "image/svg+xml",
};

/**
 * Where the built assets are: next to the compiled master (dist/master/http → dist/ui) or,
 * run from TypeScript sources, in the repository's dist/ui. Undefined when neither is built.
 */
export function webUiAssetsDir(): string | undefined {
  const candidates = [
    fileURLToPath(new URL("../../ui/", import.meta.url)),
    fileURLToPath(new URL("../../../dist/ui/", import.meta.url)),
  ];
  // app.js marks a build: src/ui holds an index.html too, but only sources.
  return candidates.find((dir) => existsSync(join(dir, "app.js")));
}

const NOT_BUILT = "The web UI is not built: run `npm run build` in the tessera directory.\n";

export function registerWebUi(
  server: HttpServer,
  view: () => LeadershipView,
  assetsDir: () => string | undefined = webUiAssetsDir,
): void {
  server.route({
    name: "",
    prefixed: false,
    methods: ["GET", "HEAD"],
    handler: async (request) => {
      const v = view();
      if (v.kind === "following") {
        const host = v.leader.hostname.includes(":") ? `[${v.leader.hostname}]` : v.leader.hostname;
        // The query goes along: it names the other masters for the UI's failover (docs/ui.md).
        return response(307, "", { Location: `//${host}:${v.leader.port}${request.url}` });
      }
      return serveAsset(assetsDir(), "index.html");
    },
  });
  server.route({
    name: "ui",
    prefixed: false,
    subpaths: true,
    methods: ["GET", "HEAD"],
    handler: (request) => serveAsset(assetsDir(), request.tail),
  });
}

async function serveAsset(
  dir: string | undefined,
  name: string,
): Promise<ReturnType<typeof response>> {
  if (dir === undefined) return textResponse(503, NOT_BUILT);
  // The route's tail is below /ui/ already; a `..` still could climb out, so it is refused.
  const relative = normalize(name);
  if (relative.startsWith("..") || relative.startsWith("/") || relative === ".") {
    return textResponse(404, "");
  }
  const type = CONTENT_TYPES[extname(relative)];
  if (type === undefined) return textResponse(404, "");
  try {
    const body = await readFile(join(dir, relative));
    return response(200, body, {
      "Content-Type": type,
      // The page is small and names its assets; always revalidate so a rebuild shows at once.
      "Cache-Control": "no-cache",
    });
  } catch {
    return textResponse(404, "");
  }
}
