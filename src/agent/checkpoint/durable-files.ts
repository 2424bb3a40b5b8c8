// Durable file primitives for the agent's checkpoint (reference §8.2): atomic replacement
// (write a temp file, fsync it, rename over the target, fsync the directory) and append-only
// record files whose torn tail (a crash mid-append) is ignored on read.
import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, rm, symlink, unlink } from "node:fs/promises";
import { dirname } from "node:path";

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
 * all are durable, but sharing the fsyncs (group commit): every file's data is written and
 * fsynced in parallel, then the atomic renames happen in order, then each touched directory is
 * fsynced once. An fsync costs about as much alone as ten in parallel on this kind of disk, so
 * a batch of checkpoint writes costs about two fsync times instead of two per file.
 * A crash in the middle leaves each file either as before or as after (never torn), and an
 * append can be durable while a replace of the same batch is not yet visible; nothing of the
 * batch was reported durable, so recovery sees a state from before the batch's
 * acknowledgement, as with the writes made one by one. Removals are applied alone, in order.
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
    await removeTree(op.path);
  }
  await applySegment(segment);
}

async function applySegment(ops: readonly DurableOp[]): Promise<void> {
  if (ops.length === 0) return;
  const dirs = new Set(ops.map((op) => dirname(op.path)));
  await Promise.all([...dirs].map((dir) => mkdir(dir, { recursive: true })));
  // Directories whose entries change (renames, new files) and must be fsynced at the end.
  const dirsToSync = new Set<string>();
  // Temp files of the replaces and links, renamed in the ops' order once all are durable.
  const temps = new Map<DurableOp, string>();
  const byPath = new Map<string, DurableOp[]>();
  for (const op of ops) {
    const list = byPath.get(op.path);
    if (list === undefined) byPath.set(op.path, [op]);
    else list.push(op);
    if (op.kind === "replace" || op.kind === "link") {
      temps.set(op, tempName(op.path));
      dirsToSync.add(dirname(op.path));
    }
  }
  // Phase 1: data. One path's ops run in order; different paths in parallel.
  await Promise.all(
    [...byPath.values()].map(async (list) => {
      for (const op of list) {
        const temp = temps.get(op);
        if (op.kind === "replace" && temp !== undefined) {
          const handle = await open(temp, "w", 0o600);
          try {
            await handle.writeFile(op.data);
            await handle.sync();
          } finally {
            await handle.close();
          }
        } else if (op.kind === "link" && temp !== undefined) {
          await symlink(op.target, temp);
        } else if (op.kind === "append" || op.kind === "create") {
          const handle = await openForAppend(op.path, () => dirsToSync.add(dirname(op.path)));
          try {
            if (op.kind === "append") {
              await handle.appendFile(encodeRecord(op.value));
              await handle.sync();
            }
          } finally {
            await handle.close();
          }
        }
      }
    }),
  );
  // Phase 2: make the replaced files visible, in order.
  for (const [op, temp] of temps) await rename(temp, op.path);
  // Phase 3: the directory entries.
  await Promise.all([...dirsToSync].map((dir) => fsyncDir(dir)));
}

/** Opens `path` for appending; `created` is called when the file did not exist. */
async function openForAppend(path: string, created: () => void) {
  try {
    const handle = await open(path, "ax", 0o600);
    created();
    return handle;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    return open(path, "a", 0o600);
  }
}
