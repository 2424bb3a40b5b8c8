// The v0 files endpoints of master and agent (reference §4.5), over whatever paths the caller
// resolves: `/files/browse?path=` (a JSON array of entries), `/files/read?path=&offset=&
// length=` (at most 16 pages = 64 KiB per call; a missing or -1 offset answers the file's
// size), `/files/download?path=` (the raw bytes; 400 for a directory).
import type { Stats } from "node:fs";
import { open, readdir, stat } from "node:fs/promises";
import { join, sep } from "node:path";
import { stringifyWire } from "../wire/json.ts";
import { READ_FILE_MAX_BYTES } from "./file-access.ts";
import { type HttpResponse, jsonResponse, response, textResponse } from "./response.ts";

export const FILES_READ_MAX_BYTES = READ_FILE_MAX_BYTES;

export type V0Resolved =
  | { ok: true; path: string; stats: Stats }
  | { ok: false; response: HttpResponse };

/** Maps a requested path (null when the query has none) to a real one, or the answer. */
export type V0Resolver = (path: string | null) => Promise<V0Resolved>;

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

export async function browseFiles(
  resolve: V0Resolver,
  query: URLSearchParams,
): Promise<HttpResponse> {
  const resolved = await resolve(query.get("path"));
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

export async function readFiles(
  resolve: V0Resolver,
  query: URLSearchParams,
): Promise<HttpResponse> {
  const resolved = await resolve(query.get("path"));
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

export async function downloadFiles(
  resolve: V0Resolver,
  query: URLSearchParams,
): Promise<HttpResponse> {
  const resolved = await resolve(query.get("path"));
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
