// Durable file primitives for the agent's checkpoint (reference §8.2): atomic replacement
// (write a temp file, fsync it, rename over the target, fsync the directory) and append-only
// record files whose torn tail (a crash mid-append) is ignored on read.
import { randomBytes } from "node:crypto";
import {
  closeSync,
  fstatSync,
  fsync,
  ftruncateSync,
  mkdirSync,
  openSync,
  renameSync,
  symlinkSync,
  writeSync,
} from "node:fs";
import { mkdir, open, readFile, rename, rm, symlink, unlink } from "node:fs/promises";
import { dirname, join } from "node:path";

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function tempName(path: string): string {
  return `${path}.tmp-${randomBytes(6).toString("hex")}`;
}

/** Replaces `path` with `data` so that a crash leaves either the old or the new content. */
export async function writeFileAtomic(path: string, data: string): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const temp = tempName(path);
  const handle = await open(temp, "w", 0o600);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path);
  await fsyncDir(dir);
}

/** Points the symlink `path` at `target`, atomically (Mesos's `latest` links). */
export async function symlinkAtomic(target: string, path: string): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const temp = tempName(path);
  await symlink(target, temp);
  try {
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await fsyncDir(dir);
}

/**
 * One record per line: `<byte length of json> <json>\n`. A record is complete only when its
 * length matches and the newline is there, so a torn last append is recognised and skipped.
 */
export function encodeRecord(value: unknown): string {
  const json = JSON.stringify(value);
  return `${Buffer.byteLength(json)} ${json}\n`;
}

/** Decodes records up to the first incomplete or corrupt one (a torn tail). */
export function decodeRecords(data: Buffer): unknown[] {
  const out: unknown[] = [];
  let offset = 0;
  while (offset < data.length) {
    const space = data.indexOf(0x20, offset);
    if (space === -1 || space - offset > 12) break;
    const length = Number(data.subarray(offset, space).toString("ascii"));
    if (!Number.isInteger(length) || length < 0) break;
    const end = space + 1 + length;
    if (end >= data.length || data[end] !== 0x0a) break;
    try {
      out.push(JSON.parse(data.subarray(space + 1, end).toString("utf8")));
    } catch {
      break;
    }
    offset = end + 1;
  }
  return out;
}

/** Appends one record and fsyncs it (and the directory when the file is new). */
export async function appendRecord(path: string, value: unknown): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const handle = await open(path, "a", 0o600);
  let created = false;
  try {
    created = (await handle.stat()).size === 0;
    await handle.appendFile(encodeRecord(value));
    await handle.sync();
  } finally {
    await handle.close();
  }
  if (created) await fsyncDir(dir);
}

export async function readRecords(path: string): Promise<unknown[]> {
  const data = await readIfExists(path);
  return data === undefined ? [] : decodeRecords(data);
}

export async function readIfExists(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

export async function removeTree(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
}

/** One step of a checkpoint batch (see applyDurably). */
export type DurableOp =
  /** Replace the file's content atomically (writeFileAtomic). */
  | { readonly kind: "replace"; readonly path: string; readonly data: string }
  /** Point the symlink at `target` atomically (symlinkAtomic). */
  | { readonly kind: "link"; readonly path: string; readonly target: string }
  /** Append one record (appendRecord). */
  | { readonly kind: "append"; readonly path: string; readonly value: unknown }
  /** Create the file empty if it does not exist. */
  | { readonly kind: "create"; readonly path: string }
  /** Remove the tree (removeTree). */
  | { readonly kind: "remove"; readonly path: string };

/**
 * Applies `ops` in order with the guarantees of the single-file functions above, resolving once
 * all are durable, but sharing the fsyncs (group commit): every file's data is written, then
 * all are fsynced in parallel, then the atomic renames happen in order, then each touched
 * directory is fsynced, again in parallel. An fsync costs about as much alone as ten in
 * parallel on this kind of disk, so a batch costs about two fsync times instead of two per
 * file. Opens, writes, renames and closes are synchronous: they touch only the page cache, and
 * a trip through the thread pool for each (and a wait for the event loop after it) cost more
 * than the call, several ms per batch on a busy agent. A crash in the middle leaves each file
 * either as before or as after (never torn), and an append can be durable while a replace of
 * the same batch is not yet visible; nothing of the batch was reported durable, so recovery
 * sees a state from before the batch's acknowledgement, as with the writes made one by one.
 * A removal takes its tree out of view at once, in order, and deletes it in the background.
 */
export async function applyDurably(ops: readonly DurableOp[]): Promise<void> {
  let segment: DurableOp[] = [];
  for (const op of ops) {
    if (op.kind !== "remove") {
      segment.push(op);
      continue;
    }
    await applySegment(segment);
    segment = [];
    removeTreeSoon(op.path);
  }
  await applySegment(segment);
}

async function applySegment(ops: readonly DurableOp[]): Promise<void> {
  if (ops.length === 0) return;
  // Directories whose entries change (renames, new files) and must be fsynced at the end.
  const dirsToSync = new Set<string>();
  const madeDirs = new Set<string>();
  // Temp files of the replaces and links, renamed in the ops' order once all are durable.
  const renames: Array<[temp: string, path: string]> = [];
  const toSync: number[] = [];
  const open: number[] = [];
  try {
    for (const op of ops) {
      const dir = dirname(op.path);
      if (!madeDirs.has(dir)) {
        mkdirSync(dir, { recursive: true });
        madeDirs.add(dir);
      }
      if (op.kind === "link") {
        const temp = tempName(op.path);
        symlinkSync(op.target, temp);
        renames.push([temp, op.path]);
        dirsToSync.add(dir);
        continue;
      }
      let fd: number;
      if (op.kind === "replace") {
        const temp = tempName(op.path);
        fd = openSync(temp, "w", 0o600);
        renames.push([temp, op.path]);
        dirsToSync.add(dir);
      } else {
        fd = openForAppend(op.path, () => dirsToSync.add(dir));
      }
      open.push(fd);
      if (op.kind === "replace") writeWhole(fd, op.data, false);
      if (op.kind === "append") writeWhole(fd, encodeRecord(op.value), true);
      if (op.kind !== "create") toSync.push(fd);
    }
    await Promise.all(toSync.map(fsyncFd));
  } finally {
    for (const fd of open) closeSync(fd);
  }
  for (const [temp, path] of renames) renameSync(temp, path);
  const dirFds = [...dirsToSync].map((dir) => openSync(dir, "r"));
  try {
    await Promise.all(dirFds.map(fsyncFd));
  } finally {
    for (const fd of dirFds) closeSync(fd);
  }
}

/**
 * Writes all of `data`, or throws. On a nearly full disk write(2) takes what fits and returns
 * a short count (writeSync does not retry): left at that, a temp file would be renamed over a
 * task.info with its JSON cut off, and an append would leave a torn record reported durable,
 * its update then sent (found chasing nemesis seed 3). The rest is written until the disk refuses (ENOSPC
 * is thrown); an append that fails is cut back to where it began, so that no torn record stays
 * in front of the records written once the disk has room again.
 */
function writeWhole(fd: number, data: string, append: boolean): void {
  const bytes = Buffer.from(data);
  const start = append ? fstatSync(fd).size : 0;
  let written = 0;
  try {
    while (written < bytes.length) {
      const n = writeSync(fd, bytes, written, bytes.length - written);
      if (n <= 0)
        throw Object.assign(new Error("ENOSPC: the write made no progress"), { code: "ENOSPC" });
      written += n;
    }
  } catch (error) {
    if (append && written > 0) {
      try {
        ftruncateSync(fd, start);
      } catch {
        // The batch fails with the write's own error; the reader still stops at a torn tail.
      }
    }
    throw error;
  }
}

function fsyncFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fsync(fd, (e) => (e === null ? resolve() : reject(e))));
}

/** Opens `path` for appending; `created` is called when the file did not exist. */
function openForAppend(path: string, created: () => void): number {
  try {
    const fd = openSync(path, "ax", 0o600);
    created();
    return fd;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    return openSync(path, "a", 0o600);
  }
}

/**
 * Removes a tree without holding up the batch: one rename takes it out of the checkpoint's
 * view at once (recovery skips `.tmp-` names), and the files go in the background. Mesos too
 * removes finished executors' directories later, by its garbage collector.
 */
function removeTreeSoon(path: string): void {
  // Named beside it, not after it: `<name>.tmp-...` of a 255-byte id (NAME_MAX, which Mesos
  // allows) would be too long a name.
  const trash = tempName(join(dirname(path), ".removed"));
  try {
    renameSync(path, trash);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  void rm(trash, { recursive: true, force: true }).catch(() => undefined);
}
