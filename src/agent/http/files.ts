// The agent's sandbox files API (reference §4.5): `/files/browse?path=`, `/files/read?path=&
// offset=&length=` (at most 16 pages = 64 KiB per call; a missing or -1 offset answers the
// file's size), `/files/download?path=`. Paths are a sandbox's real path or the virtual
// `/frameworks/<fw>/executors/<ex>/runs/latest/...`; anything resolving (symlinks included)
// outside the agent's sandboxes is 404, as an unattached path is in Mesos.

import type { Stats } from "node:fs";
import { open, readdir, realpath, stat } from "node:fs/promises";
import { join, sep } from "node:path";
import { type HttpResponse, jsonResponse, response, textResponse } from "../../http/response.ts";
import { stringifyWire } from "../../wire/json.ts";

export const FILES_READ_MAX_BYTES = 16 * 4096;

export interface FilesContext {
  /** `<work_dir>/slaves/<agent id>` (undefined before the agent has an id). */
  sandboxRoot(): string | undefined;
  /** The current run's container id of an executor (for `runs/latest`). */
  latestRun(frameworkId: string, executorId: string): string | undefined;
}

export type Resolved =
  | { ok: true; path: string; stats: Stats }
  | { ok: false; response: HttpResponse };

/** Maps a requested path to a real path inside the sandboxes, or the answer to give. */
export async function resolveSandboxPath(
  ctx: FilesContext,
  requested: string | null,
): Promise<Resolved> {
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

function modeString(stats: Stats): string {
  const kinds = stats.isDirectory() ? "d" : stats.isSymbolicLink() ? "l" : "-";
  const bits = "rwxrwxrwx";
  let out = kinds;
  for (let i = 0; i < 9; i++) out += stats.mode & (1 << (8 - i)) ? bits[i] : "-";
  return out;
}

function fileInfo(path: string, stats: Stats) {
  return {
    path,
    nlink: stats.nlink,
    size: stats.size,
    mtime: Math.floor(stats.mtimeMs / 1000),
    mode: modeString(stats),
    uid: String(stats.uid),
    gid: String(stats.gid),
  };
}

export async function browse(ctx: FilesContext, query: URLSearchParams): Promise<HttpResponse> {
  const resolved = await resolveSandboxPath(ctx, query.get("path"));
  if (!resolved.ok) return resolved.response;
  if (!resolved.stats.isDirectory())
    return jsonResponse(200, stringifyWire([fileInfo(resolved.path, resolved.stats)]));
  const names = (await readdir(resolved.path)).sort();
  const infos = [];
  for (const name of names) {
    const full = join(resolved.path, name);
    try {
      infos.push(fileInfo(full, await stat(full)));
    } catch {
      // Removed meanwhile.
    }
  }
  return jsonResponse(200, stringifyWire(infos));
}

export async function read(ctx: FilesContext, query: URLSearchParams): Promise<HttpResponse> {
  const resolved = await resolveSandboxPath(ctx, query.get("path"));
  if (!resolved.ok) return resolved.response;
  if (resolved.stats.isDirectory()) return textResponse(400, "Cannot read a directory.\n");
  const offsetText = query.get("offset");
  const lengthText = query.get("length");
  const offset = offsetText === null ? -1 : Number(offsetText);
  const length = lengthText === null ? -1 : Number(lengthText);
  if (!Number.isInteger(offset) || offset < -1) {
    return textResponse(400, "Failed to parse offset: must be an integer >= -1\n");
  }
  if (!Number.isInteger(length) || length < -1) {
    return textResponse(400, "Failed to parse length: must be an integer >= -1\n");
  }
  const size = resolved.stats.size;
  if (offset === -1) return jsonResponse(200, stringifyWire({ data: "", offset: size }));
  const want = Math.min(length === -1 ? FILES_READ_MAX_BYTES : length, FILES_READ_MAX_BYTES);
  const start = Math.min(offset, size);
  const count = Math.max(0, Math.min(want, size - start));
  const buffer = Buffer.alloc(count);
  const handle = await open(resolved.path, "r");
  try {
    await handle.read(buffer, 0, count, start);
  } finally {
    await handle.close();
  }
  return jsonResponse(200, stringifyWire({ data: buffer.toString("utf8"), offset: start }));
}

export async function download(ctx: FilesContext, query: URLSearchParams): Promise<HttpResponse> {
  const resolved = await resolveSandboxPath(ctx, query.get("path"));
  if (!resolved.ok) return resolved.response;
  if (resolved.stats.isDirectory()) {
    return textResponse(400, "Cannot download a directory.\n");
  }
  const handle = await open(resolved.path, "r");
  try {
    const data = await handle.readFile();
    const name = resolved.path.split(sep).pop() ?? "file";
    return response(200, data, {
      "Content-Type": "application/octet-stream",
      "Content-Disposition": `attachment; filename=${name}`,
    });
  } finally {
    await handle.close();
  }
}
