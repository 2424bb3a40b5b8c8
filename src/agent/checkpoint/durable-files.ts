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
