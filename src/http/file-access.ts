// LIST_FILES / READ_FILE of the v1 operator APIs (reference §4.2, §4.4), as Mesos's files
// process answers them: a path is looked up among the "attached" virtual paths (`/master/log`,
// `/slave/log`, a sandbox's `runs/latest`), anything else is 404; a read of a directory is
// 400; a read returns at most 16 pages from `offset` and the file's size (an offset past the
// end reads nothing). A path is opened once, never through a symlink leading outside what was
// attached (open-beneath.ts): such a path is 404; what is answered is what was opened.
import type { Stats } from "node:fs";
import { lstat, readdir, realpath } from "node:fs/promises";
import { type Opened, openBeneath } from "./open-beneath.ts";

/** At most this much per READ_FILE, as Mesos's 16 pages of 4 KiB. */
export const READ_FILE_MAX_BYTES = 16 * 4096;

export type FileAccessResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly status: 400 | 404; readonly message: string };

export interface FileInfoJson {
  path: string;
  nlink: number;
  size: number;
  mtime: { nanoseconds: number };
  mode: number;
  uid: string;
  gid: string;
}

const notFound = (path: string) =>
  ({ ok: false, status: 404, message: `File '${path}' not found` }) as const;

/**
 * What lies at `path` when it is at or below one of `attached` (virtual → real), opened
 * without following a symlink out of the attached path (open-beneath.ts); not found otherwise.
 * The caller closes what it gets.
 */
export async function resolveAttached(
  attached: ReadonlyMap<string, string>,
  path: string,
): Promise<FileAccessResult<Opened>> {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, "") : path;
  for (const [virtual, root] of attached) {
    if (trimmed !== virtual && !trimmed.startsWith(`${virtual}/`)) continue;
    let realRoot: string;
    try {
      // The attached path itself is the operator's (a --log_dir may be a symlink).
      realRoot = await realpath(root);
    } catch {
      return notFound(path);
    }
    const opened = await openBeneath(realRoot, trimmed.slice(virtual.length).split("/"));
    return opened === null ? notFound(path) : { ok: true, value: opened };
  }
  return notFound(path);
}

/**
 * A directory's entries, each described by lstat: a symlink is shown as itself, never as what
 * it points to. `dir` is an opened directory (its `/proc/self/fd` path); `shownAs` the path
 * the entries are named under.
 */
export async function listEntries<T>(
  dir: Opened,
  shownAs: string,
  describe: (path: string, stats: Stats) => T,
): Promise<T[]> {
  const base = shownAs.replace(/\/+$/, "");
  const infos: T[] = [];
  for (const name of (await readdir(dir.fdPath)).sort()) {
    try {
      infos.push(describe(`${base}/${name}`, await lstat(`${dir.fdPath}/${name}`)));
    } catch {
      // Removed between the listing and the lstat: it is not there any more.
    }
  }
  return infos;
}

/** Reads up to `count` bytes at `offset` of an opened file (fewer at its end). */
export async function readAt(file: Opened, offset: number, count: number): Promise<Buffer> {
  const data = Buffer.alloc(Math.max(0, count));
  if (count <= 0) return data;
  const { bytesRead } = await file.handle.read(data, 0, count, offset);
  return bytesRead === count ? data : data.subarray(0, bytesRead);
}

function fileInfo(path: string, stats: Stats): FileInfoJson {
  return {
    path,
    nlink: stats.nlink,
    size: stats.size,
    mtime: { nanoseconds: Math.floor(stats.mtimeMs) * 1_000_000 },
    mode: stats.mode,
    uid: String(stats.uid),
    gid: String(stats.gid),
  };
}

/** Maps a requested path to what is opened there, or the answer to give. */
export type PathResolver = (path: string) => Promise<FileAccessResult<Opened>>;

/** LIST_FILES: a directory's entries (by name, paths as asked), or a file's own entry. */
export async function listFiles(
  resolve: PathResolver,
  path: string,
): Promise<FileAccessResult<FileInfoJson[]>> {
  const resolved = await resolve(path);
  if (!resolved.ok) return resolved;
  const opened = resolved.value;
  try {
    if (!opened.stats.isDirectory()) return { ok: true, value: [fileInfo(path, opened.stats)] };
    return { ok: true, value: await listEntries(opened, path, fileInfo) };
  } finally {
    await opened.close();
  }
}

/** READ_FILE: the file's size and up to `length` (at most READ_FILE_MAX_BYTES) bytes. */
export async function readFileRange(
  resolve: PathResolver,
  path: string,
  offset: number,
  length: number | undefined,
): Promise<FileAccessResult<{ size: number; data: Buffer }>> {
  const resolved = await resolve(path);
  if (!resolved.ok) return resolved;
  const opened = resolved.value;
  try {
    const { stats } = opened;
    if (stats.isDirectory()) return { ok: false, status: 400, message: "Cannot read a directory" };
    const size = stats.size;
    const count = Math.max(
      0,
      Math.min(length ?? READ_FILE_MAX_BYTES, READ_FILE_MAX_BYTES, size - offset),
    );
    return { ok: true, value: { size, data: await readAt(opened, offset, count) } };
  } finally {
    await opened.close();
  }
}
