// LIST_FILES / READ_FILE of the v1 operator APIs (reference §4.2, §4.4), as Mesos's files
// process answers them: a path is looked up among the "attached" virtual paths (`/master/log`,
// `/slave/log`, a sandbox's `runs/latest`), anything else is 404; a read of a directory is
// 400; a read returns at most 16 pages from `offset` and the file's size (an offset past the
// end reads nothing). Paths that resolve (symlinks included) outside what was attached are 404.
import type { Stats } from "node:fs";
import { open, readdir, realpath, stat } from "node:fs/promises";
import { join, sep } from "node:path";

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
 * The real path behind `path` when it lies at or below one of `attached` (virtual → real),
 * checked after symlinks are followed; a not-found result otherwise.
 */
export async function resolveAttached(
  attached: ReadonlyMap<string, string>,
  path: string,
): Promise<FileAccessResult<Resolved>> {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, "") : path;
  for (const [virtual, root] of attached) {
    if (trimmed !== virtual && !trimmed.startsWith(`${virtual}/`)) continue;
    try {
      const realRoot = await realpath(root);
      const real = await realpath(join(root, trimmed.slice(virtual.length)));
      if (real !== realRoot && !real.startsWith(realRoot + sep)) return notFound(path);
      return { ok: true, value: { real, stats: await stat(real) } };
    } catch {
      return notFound(path);
    }
  }
  return notFound(path);
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

/** Maps a requested path to the real file behind it, or the answer to give. */
export type PathResolver = (path: string) => Promise<FileAccessResult<Resolved>>;
export interface Resolved {
  readonly real: string;
  readonly stats: Stats;
}

/** LIST_FILES: a directory's entries (by name, paths as asked), or a file's own entry. */
export async function listFiles(
  resolve: PathResolver,
  path: string,
): Promise<FileAccessResult<FileInfoJson[]>> {
  const resolved = await resolve(path);
  if (!resolved.ok) return resolved;
  const { real, stats } = resolved.value;
  if (!stats.isDirectory()) return { ok: true, value: [fileInfo(path, stats)] };
  const base = path.replace(/\/+$/, "");
  const infos: FileInfoJson[] = [];
  for (const name of (await readdir(real)).sort()) {
    try {
      infos.push(fileInfo(`${base}/${name}`, await stat(join(real, name))));
    } catch {
      // Removed between the listing and the stat: it is not there any more.
    }
  }
  return { ok: true, value: infos };
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
  const { real, stats } = resolved.value;
  if (stats.isDirectory()) return { ok: false, status: 400, message: "Cannot read a directory" };
  const size = stats.size;
  const count = Math.max(
    0,
    Math.min(length ?? READ_FILE_MAX_BYTES, READ_FILE_MAX_BYTES, size - offset),
  );
  const data = Buffer.alloc(count);
  if (count > 0) {
    const handle = await open(real, "r");
    try {
      await handle.read(data, 0, count, offset);
    } finally {
      await handle.close();
    }
  }
  return { ok: true, value: { size, data } };
}
