// The v0 files endpoints of master and agent (reference §4.5), over whatever paths the caller
// resolves: `/files/browse?path=` (a JSON array of entries), `/files/read?path=&offset=&
// length=` (at most 16 pages = 64 KiB per call; a missing or -1 offset answers the file's
// size), `/files/download?path=` (the raw bytes; 400 for a directory).
// Every path is opened once by the resolver (open-beneath.ts) and served from that descriptor;
// downloads stream from it (no file is held in memory), at most FILES_DOWNLOADS_MAX at once.
import type { Stats } from "node:fs";
import { stringifyWire } from "../wire/json.ts";
import { listEntries, READ_FILE_MAX_BYTES, readAt } from "./file-access.ts";
import type { Opened } from "./open-beneath.ts";
import {
  fileReply,
  type HttpResponse,
  jsonResponse,
  type Reply,
  textResponse,
} from "./response.ts";

export const FILES_READ_MAX_BYTES = READ_FILE_MAX_BYTES;
/**
 * Downloads streamed at once by this process. Each holds one descriptor and one chunk in
 * flight (server.ts), so this bounds what downloads can take together; past it a download is
 * 503, to be retried (Mesos has no such bound: it reads the whole file into memory).
 */
export const FILES_DOWNLOADS_MAX = 64;
let downloadsActive = 0;

export type V0Resolved = { ok: true; opened: Opened } | { ok: false; response: HttpResponse };

/** Maps a requested path (null when the query has none) to what is opened there, or the
 *  answer. The caller closes what it gets. */
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

/** Resolves the query's path and serves what was opened there, closing it after. */
async function serveOpened(
  resolve: V0Resolver,
  query: URLSearchParams,
  serve: (opened: Opened) => Promise<HttpResponse>,
): Promise<HttpResponse> {
  const resolved = await resolve(query.get("path"));
  if (!resolved.ok) return resolved.response;
  try {
    return await serve(resolved.opened);
  } finally {
    await resolved.opened.close();
  }
}

export function browseFiles(resolve: V0Resolver, query: URLSearchParams): Promise<HttpResponse> {
  return serveOpened(resolve, query, async (opened) => {
    if (!opened.stats.isDirectory())
      return jsonResponse(200, stringifyWire([fileInfo(opened.path, opened.stats)]));
    return jsonResponse(200, stringifyWire(await listEntries(opened, opened.path, fileInfo)));
  });
}

export function readFiles(resolve: V0Resolver, query: URLSearchParams): Promise<HttpResponse> {
  return serveOpened(resolve, query, async (opened) => {
    if (opened.stats.isDirectory()) return textResponse(400, "Cannot read a directory.\n");
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
    const size = opened.stats.size;
    if (offset === -1) return jsonResponse(200, stringifyWire({ data: "", offset: size }));
    const want = Math.min(length === -1 ? FILES_READ_MAX_BYTES : length, FILES_READ_MAX_BYTES);
    const start = Math.min(offset, size);
    const data = await readAt(opened, start, Math.min(want, size - start));
    return jsonResponse(200, stringifyWire({ data: data.toString("utf8"), offset: start }));
  });
}

export async function downloadFiles(resolve: V0Resolver, query: URLSearchParams): Promise<Reply> {
  const resolved = await resolve(query.get("path"));
  if (!resolved.ok) return resolved.response;
  const { opened } = resolved;
  if (opened.stats.isDirectory() || downloadsActive >= FILES_DOWNLOADS_MAX) {
    await opened.close();
    return opened.stats.isDirectory()
      ? textResponse(400, "Cannot download a directory.\n")
      : textResponse(503, "Too many downloads in progress; retry later.\n");
  }
  downloadsActive++;
  const name = opened.path.split("/").pop() ?? "file";
  return fileReply(
    200,
    {
      "Content-Type": "application/octet-stream",
      "Content-Disposition": `attachment; filename=${name}`,
    },
    {
      handle: opened.handle,
      // The size when opened: a file that grows meanwhile is served as it was then.
      size: opened.stats.size,
      close: () => {
        downloadsActive--;
        return opened.close();
      },
    },
  );
}
