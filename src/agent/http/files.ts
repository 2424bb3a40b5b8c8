// The agent's sandbox files API (reference §4.5): `/files/browse?path=`, `/files/read?path=&
// offset=&length=` (at most 16 pages = 64 KiB per call; a missing or -1 offset answers the
// file's size), `/files/download?path=`. Paths are a sandbox's real path or the virtual
// `/frameworks/<fw>/executors/<ex>/runs/latest/...`. Each is opened once, and a symlink is
// followed only inside the run directory it lies in (open-beneath.ts): a task cannot have the
// agent read another sandbox or a host file through one (issue 18), however it swaps links.

import { realpath } from "node:fs/promises";
import { join } from "node:path";
import { browseFiles, downloadFiles, readFiles, type V0Resolved } from "../../http/files-v0.ts";
import { openBeneath } from "../../http/open-beneath.ts";
import { textResponse } from "../../http/response.ts";

export interface FilesContext {
  /** `<work_dir>/slaves/<agent id>` (undefined before the agent has an id). */
  sandboxRoot(): string | undefined;
  /** The current run's container id of an executor (for `runs/latest`). */
  latestRun(frameworkId: string, executorId: string): string | undefined;
}

/** `<fw>/executors/<ex>/runs/<container>`: the components below `frameworks/` that name a run
 *  directory, the jail of the symlinks inside it. */
const RUN_DIR_DEPTH = 5;

/** The components below `<root>/frameworks` that `requested` names, or null if none. */
async function componentsOf(
  ctx: FilesContext,
  root: string,
  frameworks: string,
  requested: string,
): Promise<string[] | null> {
  const virtual = /^\/frameworks\/([^/]+)\/executors\/([^/]+)\/runs\/latest(\/.*)?$/.exec(
    requested,
  );
  if (virtual !== null) {
    const [, fw = "", ex = "", rest = ""] = virtual;
    const run = ctx.latestRun(fw, ex);
    if (run === undefined) return null;
    return [fw, "executors", ex, "runs", run, ...rest.split("/")];
  }
  for (const prefix of ["/frameworks", join(root, "frameworks"), frameworks]) {
    if (requested === prefix) return [];
    if (requested.startsWith(`${prefix}/`)) return requested.slice(prefix.length + 1).split("/");
  }
  return null;
}

/** Opens what a requested path names inside the sandboxes, or gives the answer to give. */
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
  let frameworks: string;
  try {
    frameworks = await realpath(join(root, "frameworks"));
  } catch {
    return notFound;
  }
  const components = await componentsOf(ctx, root, frameworks, requested);
  if (components === null) return notFound;
  const opened = await openBeneath(frameworks, components, RUN_DIR_DEPTH);
  return opened === null ? notFound : { ok: true, opened };
}

/** The sandbox resolver of `ctx`, for the v0 files endpoints. */
const sandboxes = (ctx: FilesContext) => (path: string | null) => resolveSandboxPath(ctx, path);

export const browse = (ctx: FilesContext, query: URLSearchParams) =>
  browseFiles(sandboxes(ctx), query);
export const read = (ctx: FilesContext, query: URLSearchParams) => readFiles(sandboxes(ctx), query);
export const download = (ctx: FilesContext, query: URLSearchParams) =>
  downloadFiles(sandboxes(ctx), query);
