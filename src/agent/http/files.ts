// The agent's sandbox files API (reference §4.5): `/files/browse?path=`, `/files/read?path=&
// offset=&length=` (at most 16 pages = 64 KiB per call; a missing or -1 offset answers the
// file's size), `/files/download?path=`. Paths are a sandbox's real path or the virtual
// `/frameworks/<fw>/executors/<ex>/runs/latest/...`; anything resolving (symlinks included)
// outside the agent's sandboxes is 404, as an unattached path is in Mesos.

import { realpath, stat } from "node:fs/promises";
import { join, sep } from "node:path";
import { browseFiles, downloadFiles, readFiles, type V0Resolved } from "../../http/files-v0.ts";
import { textResponse } from "../../http/response.ts";

export interface FilesContext {
  /** `<work_dir>/slaves/<agent id>` (undefined before the agent has an id). */
  sandboxRoot(): string | undefined;
  /** The current run's container id of an executor (for `runs/latest`). */
  latestRun(frameworkId: string, executorId: string): string | undefined;
}

/** Maps a requested path to a real path inside the sandboxes, or the answer to give. */
export async function resolveSandboxPath(
  ctx: FilesContext,
  requested: string | null,
): Promise<V0Resolved> {
  if (requested === null || requested === "") {
    return { ok: false, response: textResponse(400, "Expecting 'path=value' in query.\n") };
  }
  const root = ctx.sandboxRoot();
  const notFound = { ok: false as const, response: textResponse(404, "") };
  if (root === undefined) return notFound;
  let path = requested;
  const virtual = /^\/frameworks\/([^/]+)\/executors\/([^/]+)\/runs\/latest(\/.*)?$/.exec(path);
  if (virtual !== null) {
    const run = ctx.latestRun(virtual[1] ?? "", virtual[2] ?? "");
    if (run === undefined) return notFound;
    path = join(
      root,
      "frameworks",
      virtual[1] ?? "",
      "executors",
      virtual[2] ?? "",
      "runs",
      run,
      virtual[3] ?? "",
    );
  } else if (path.startsWith("/frameworks/")) {
    path = join(root, path);
  }
  try {
    const real = await realpath(path);
    const realRoot = await realpath(join(root, "frameworks"));
    if (real !== realRoot && !real.startsWith(realRoot + sep)) return notFound;
    return { ok: true, path: real, stats: await stat(real) };
  } catch {
    return notFound;
  }
}

/** The sandbox resolver of `ctx`, for the v0 files endpoints. */
const sandboxes = (ctx: FilesContext) => (path: string | null) => resolveSandboxPath(ctx, path);

export const browse = (ctx: FilesContext, query: URLSearchParams) =>
  browseFiles(sandboxes(ctx), query);
export const read = (ctx: FilesContext, query: URLSearchParams) => readFiles(sandboxes(ctx), query);
export const download = (ctx: FilesContext, query: URLSearchParams) =>
  downloadFiles(sandboxes(ctx), query);
