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
import type { Authorizer } from "../../security/authorizer.ts";
import { masterAttachedPaths } from "./operator-api-process.ts";
import { authorizeOne } from "./security-checks.ts";

export function registerMasterFiles(
  server: HttpServer,
  flags: Readonly<Record<string, string>>,
  authorizer?: Authorizer,
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
      // Every attached path is the master's log: access_mesos_logs (reference §2).
      handler: (request) =>
        (authorizer && authorizeOne(authorizer, request.principal, "access_mesos_logs")) ??
        serve(resolve, request.query),
    });
  }
}
