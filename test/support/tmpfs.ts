// A small tmpfs for the tests of what happens on a full disk (root only), and a filler that
// takes every byte of it but a few.
import { execFileSync } from "node:child_process";
import {
  closeSync,
  mkdtempSync,
  openSync,
  rmSync,
  statSync,
  truncateSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A 1 MB tmpfs under a fresh temp dir named with `prefix`, or why there is none. */
export function mountTmpfs(prefix: string): { dir: string } | { reason: string } {
  if (process.getuid?.() !== 0) return { reason: "needs root to mount a tmpfs" };
  const dir = mkdtempSync(join(tmpdir(), prefix));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", dir]);
    return { dir };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    return { reason: `cannot mount a tmpfs: ${(error as Error).message}` };
  }
}

/** Takes every byte left on the file system in the file `path`, then gives back `leaveBytes`. */
export function fillDisk(path: string, leaveBytes = 0): void {
  const fd = openSync(path, "w");
  try {
    for (const size of [64 * 1024, 512, 1]) {
      try {
        for (;;) writeSync(fd, Buffer.alloc(size, 1));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
      }
    }
  } finally {
    closeSync(fd);
  }
  if (leaveBytes > 0) truncateSync(path, statSync(path).size - leaveBytes);
}
