// Opens a file below a trusted directory without ever following a symlink out of it: the one
// way the files APIs (file-access.ts, files-v0.ts) open what a client asked for.
//
// Why a walk: a sandbox is written by its task, which may swap any path component for a
// symlink at any moment. Checking a path (realpath) and then opening it lets a task win the
// race and have the agent, running as root, open /etc/shadow (issue 18, finding 1). Here each
// component is opened once, relative to the directory opened before it and with O_NOFOLLOW
// (openat(2) through `/proc/self/fd/<dir>/<name>`, as Node has no openat), as an O_PATH
// descriptor: opening one has no side effect, even on a device or a FIFO. A symlink met on the
// way is read and resolved by this walk itself, inside the jail; one that would leave it ends
// the walk as not found. The last component is re-opened for reading through its descriptor,
// and what is reported (fstat) is exactly what was opened.
import type { Stats } from "node:fs";
import { constants } from "node:fs";
import { type FileHandle, open, readlink } from "node:fs/promises";

// Not in fs.constants; the same value on every Linux architecture Node runs on.
const O_PATH = 0o10000000;
const { O_NOFOLLOW, O_RDONLY, O_NONBLOCK, O_NOCTTY } = constants;
/** At most this many symlinks are followed in one walk, as the kernel's MAXSYMLINKS. */
export const OPEN_BENEATH_MAX_SYMLINKS = 40;

/** What was opened: a regular file (readable) or a directory (listable through `fdPath`). */
export interface Opened {
  /** The host path of what was opened, symlinks resolved. */
  readonly path: string;
  readonly stats: Stats;
  /** For a regular file: opened for reading. For a directory: an O_PATH descriptor. */
  readonly handle: FileHandle;
  /** `/proc/self/fd/<fd>`: the opened directory itself, for readdir and lstat of entries. */
  readonly fdPath: string;
  close(): Promise<void>;
}

interface Step {
  readonly handle: FileHandle;
  readonly path: string;
}

const fdPath = (h: FileHandle) => `/proc/self/fd/${h.fd}`;

async function closeAll(steps: readonly Step[]): Promise<void> {
  await Promise.allSettled(steps.map((s) => s.handle.close()));
}

/**
 * Opens `components` below `trustedRoot` (an operator-given path, opened as is). The first
 * `jailDepth` components must be real directories (no symlink at all: the agent made them);
 * they name the jail, the directory nothing after them may leave. Null when nothing is there,
 * when a symlink would leave the jail, or when the file is neither regular nor a directory.
 */
export async function openBeneath(
  trustedRoot: string,
  components: readonly string[],
  jailDepth = 0,
): Promise<Opened | null> {
  let root: FileHandle;
  try {
    root = await open(trustedRoot, O_PATH);
  } catch {
    return null;
  }
  const steps: Step[] = [{ handle: root, path: trustedRoot.replace(/\/+$/, "") || "/" }];
  const opened = await walk(steps, components, jailDepth).catch(() => null);
  if (opened === null) {
    await closeAll(steps);
    return null;
  }
  return opened;
}

async function walk(
  steps: Step[],
  components: readonly string[],
  jailDepth: number,
): Promise<Opened | null> {
  const queue = [...components];
  let walked = 0;
  let symlinks = 0;
  // The jail's index in `steps` once its components are walked; nothing may leave it.
  let jail = jailDepth === 0 ? 0 : -1;
  for (;;) {
    const name = queue.shift();
    const top = steps[steps.length - 1] as Step;
    if (name === undefined) return finish(steps);
    if (name === "" || name === ".") continue;
    const inJail = jail >= 0;
    if (name === "..") {
      if (!inJail || steps.length - 1 <= jail) return null;
      await (steps.pop() as Step).handle.close();
      continue;
    }
    if (name.includes("\0")) return null;
    const childPath = `${fdPath(top.handle)}/${name}`;
    const handle = await open(childPath, O_PATH | O_NOFOLLOW);
    const stats = await handle.stat().catch(async (e: unknown) => {
      await handle.close();
      throw e;
    });
    if (stats.isSymbolicLink()) {
      await handle.close();
      if (!inJail || ++symlinks > OPEN_BENEATH_MAX_SYMLINKS) return null;
      const target = await readlink(childPath);
      if (target.startsWith("/")) {
        // An absolute target is followed only while it stays in the jail.
        const base = (steps[jail] as Step).path;
        if (target !== base && !target.startsWith(`${base}/`)) return null;
        await closeAll(steps.splice(jail + 1));
        queue.unshift(...target.slice(base.length).split("/"));
      } else {
        queue.unshift(...target.split("/"));
      }
      continue;
    }
    steps.push({ handle, path: top.path === "/" ? `/${name}` : `${top.path}/${name}` });
    if (!inJail && ++walked === jailDepth) jail = steps.length - 1;
    if (queue.length > 0 && !stats.isDirectory()) return null;
  }
}

/** Closes every step but the last, and turns the last into what the caller gets. */
async function finish(steps: Step[]): Promise<Opened | null> {
  await closeAll(steps.splice(0, steps.length - 1));
  const last = steps[0] as Step;
  const stats = await last.handle.stat();
  if (stats.isDirectory()) return opened(last.path, stats, last.handle);
  if (!stats.isFile()) return null;
  // Re-opened through the descriptor: the very inode that was checked, now for reading.
  const reading = await open(fdPath(last.handle), O_RDONLY | O_NONBLOCK | O_NOCTTY);
  steps.push({ handle: reading, path: last.path });
  const checked = await reading.stat();
  if (checked.ino !== stats.ino || checked.dev !== stats.dev) return null;
  await closeAll(steps.splice(0, 1));
  return opened(last.path, checked, reading);
}

function opened(path: string, stats: Stats, handle: FileHandle): Opened {
  return { path, stats, handle, fdPath: fdPath(handle), close: () => handle.close() };
}
