// disk/du (Mesos's posix disk isolator, reference §8.4): every --container_disk_watch_interval
// the disk a container's sandbox takes is measured as `du` measures it (allocated blocks, each
// inode once, symlinks not followed, one file system), reported as disk_used_bytes, and with
// --enforce_container_disk_quota a sandbox over the container's `disk` resource ends the
// container with REASON_CONTAINER_LIMITATION_DISK.

import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";
import { BYTES_PER_MB } from "./cgroup-limits.ts";
import type { Limitation } from "./termination.ts";

/** st_blocks counts 512-byte units whatever the file system's block size. */
const STAT_BLOCK_BYTES = 512;

/**
 * The bytes allocated under `dir`, as `du -s` counts them; 0 for a directory that is gone.
 * Entries that vanish while it walks (a task deleting files) are skipped, not errors.
 */
export async function diskUsageBytes(dir: string): Promise<number> {
  const root = await lstat(dir, { bigint: true }).catch(() => undefined);
  if (root === undefined) return 0;
  const seen = new Set<string>();
  let total = Number(root.blocks) * STAT_BLOCK_BYTES;
  const pending = root.isDirectory() ? [dir] : [];
  while (pending.length > 0) {
    const current = pending.pop() as string;
    const names = await readdir(current).catch(() => [] as string[]);
    for (const name of names) {
      const path = join(current, name);
      const entry = await lstat(path, { bigint: true }).catch(() => undefined);
      // Another file system mounted inside is not this sandbox's disk (du -x).
      if (entry === undefined || entry.dev !== root.dev) continue;
      if (entry.nlink > 1n && !entry.isDirectory()) {
        const key = String(entry.ino);
        if (seen.has(key)) continue;
        seen.add(key);
      }
      total += Number(entry.blocks) * STAT_BLOCK_BYTES;
      if (entry.isDirectory()) pending.push(path);
    }
  }
  return total;
}

/** The limitation when a sandbox uses more than its disk quota, else null. Pure. */
export function diskLimitation(usedBytes: number, quotaMb: number): Limitation | null {
  const quotaBytes = quotaMb * BYTES_PER_MB;
  if (quotaMb <= 0 || usedBytes <= quotaBytes) return null;
  return {
    reason: "REASON_CONTAINER_LIMITATION_DISK",
    message: `Disk usage (${formatBytes(usedBytes)}) exceeds quota (${formatBytes(quotaBytes)})`,
  };
}

/** Bytes the way Mesos's Bytes prints them: the largest unit that divides evenly. */
export function formatBytes(bytes: number): string {
  for (const [unit, size] of [
    ["GB", 1024 ** 3],
    ["MB", 1024 ** 2],
    ["KB", 1024],
  ] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return `${bytes}B`;
}
