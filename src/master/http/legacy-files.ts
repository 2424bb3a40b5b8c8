// The master's v0 files endpoints (reference §4.5): `/files/browse`, `/files/read` and
// `/files/download` over the paths the master attaches (its log file as `/master/log` with
// `--log_dir`); any other path is 404. Served by every master, leading or not, as
// libprocess's files process is.
import { resolveAttached } from "../../http/file-access.ts";
import {
  browseFiles,
  downloadFiles,
  readFiles,
  type V0Resolved,
  type V0Resolver,
} from "../../http/files-v0.ts";
import { textResponse } from "../../http/response.ts";
import type { HttpServer } from "../../http/server.ts";
import { masterAttachedPaths } from "./operator-api-process.ts";

export function registerMasterFiles(
  server: HttpServer,
  flags: Readonly<Record<string, string>>,
): void {
  const attached = masterAttachedPaths(flags);
  const resolve: V0Resolver = async (path): Promise<V0Resolved> => {
    if (path === null || path === "") {
      return { ok: false, response: textResponse(400, "Expecting 'path=value' in query.\n") };
    }
    const found = await resolveAttached(attached, path);
    if (!found.ok) return { ok: false, response: textResponse(404, "") };
    return { ok: true, opened: found.value };
  };
  const routes = [
    ["files/browse", browseFiles],
    ["files/read", readFiles],
    ["files/download", downloadFiles],
  ] as const;
  for (const [name, serve] of routes) {
    server.route({
      name,
      prefixed: false,
      methods: ["GET"],
      handler: (request) => serve(resolve, request.query),
    });
  }
}
