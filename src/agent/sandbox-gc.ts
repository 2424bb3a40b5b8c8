// Garbage collection of finished containers' sandboxes, as Mesos's agent does it (reference
// §8, "Sandbox GC"): a sandbox is scheduled for removal when its container ends and removed
// `--gc_delay` later; every `--disk_watch_interval` the delay shrinks with the disk's usage,
// to gc_delay × max(0, 1 − gc_disk_headroom − usage), and what has waited that long goes at
// once. A sandbox is kept that long so that its files can still be browsed and fetched.
// Sandboxes left by an earlier run of the agent are found at start and scheduled from their
// last change, and the checkpoint's trash that a crash left behind is removed.

import { lstat, readdir, readlink, rm, rmdir, stat, statfs } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import { detachVolumes } from "./containerizer/volume-mounts.ts";
import { metaDir } from "./core/paths.ts";

/** The name durable-files.ts gives a tree it removes in the background. */
const TRASH = /\.tmp-[0-9a-f]{12}$/;

export interface SandboxGcOptions {
  readonly workDir: string;
  readonly gcDelayMs: number;
  /** The share of the disk to keep free (0..1). */
  readonly diskHeadroom: number;
  readonly diskWatchIntervalMs: number;
  readonly logger: Logger;
}

export interface SandboxGcStats {
  readonly pending: number;
  readonly succeeded: number;
  readonly failed: number;
  /** Mesos's slave/executor_directory_max_allowed_age_secs, in ms. */
  readonly maxAllowedAgeMs: number;
}

/** How long a scheduled sandbox may wait at this disk usage (0..1). Pure. */
export function gcAgeMs(gcDelayMs: number, diskHeadroom: number, usage: number): number {
  return gcDelayMs * Math.max(0, 1 - diskHeadroom - usage);
}

/** The scheduled paths that have waited at least `ageMs` by `nowMs`, oldest first. Pure. */
export function duePaths(
  scheduled: ReadonlyMap<string, number>,
  nowMs: number,
  ageMs: number,
): string[] {
  return [...scheduled]
    .filter(([, atMs]) => nowMs - atMs >= ageMs)
    .sort((a, b) => a[1] - b[1])
    .map(([path]) => path);
}

export class SandboxGc {
  /** Sandbox run directory -> when it was scheduled (ms since the epoch). */
  readonly #scheduled = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #pruning: Promise<void> | undefined;
  #succeeded = 0;
  #failed = 0;
  /** How long a sandbox may wait at the last check's disk usage. */
  #maxAgeMs: number;

  constructor(private readonly options: SandboxGcOptions) {
    this.#maxAgeMs = gcAgeMs(options.gcDelayMs, options.diskHeadroom, 0);
  }

  /** Schedules a finished container's sandbox (its `runs/<container>` directory). */
  schedule(runDir: string, atMs = Date.now()): void {
    if (!this.#scheduled.has(runDir)) this.#scheduled.set(runDir, atMs);
  }

  scheduled(): ReadonlyMap<string, number> {
    return this.#scheduled;
  }

  /** Mesos's gc/path_removals_{pending,succeeded,failed} and the age a sandbox may reach. */
  stats(): SandboxGcStats {
    return {
      pending: this.#scheduled.size,
      succeeded: this.#succeeded,
      failed: this.#failed,
      maxAllowedAgeMs: this.#maxAgeMs,
    };
  }

  /** Schedules every sandbox under the work dir whose container is not `live`, from its
   *  directory's last change (sandboxes of containers that ended while no agent ran). */
  async scheduleLeftovers(live: (containerId: string) => boolean): Promise<void> {
    const slaves = join(this.options.workDir, "slaves");
    for (const agent of await list(slaves)) {
      const frameworks = join(slaves, agent, "frameworks");
      for (const fw of await list(frameworks)) {
        const executors = join(frameworks, fw, "executors");
        for (const ex of await list(executors)) {
          const runs = join(executors, ex, "runs");
          for (const run of await list(runs)) {
            if (run === "latest" || live(run)) continue;
            const changed = await stat(join(runs, run)).catch(() => undefined);
            if (changed?.isDirectory()) this.schedule(join(runs, run), changed.mtimeMs);
          }
        }
      }
    }
  }

  /** Removes the directories the checkpoint renamed away to delete in the background
   *  (durable-files.ts, `<name>.tmp-<hex>`) that an agent crash left half removed. Only
   *  directories: a `.tmp-` file may be an atomic write under way. */
  async removeCheckpointTrash(): Promise<number> {
    let removed = 0;
    const walk = async (dir: string, depth: number): Promise<void> => {
      for (const name of await list(dir)) {
        const path = join(dir, name);
        const entry = await lstat(path).catch(() => undefined);
        if (!entry?.isDirectory()) continue;
        if (TRASH.test(name)) {
          await rm(path, { recursive: true, force: true }).catch(() => undefined);
          removed++;
        } else if (depth > 0) {
          await walk(path, depth - 1);
        }
      }
    };
    // meta/slaves/<agent>/frameworks/<fw>/executors/<ex>/runs/<run>/tasks/<task>
    await walk(join(metaDir(this.options.workDir), "slaves"), 9);
    return removed;
  }

  start(): void {
    this.#timer = setInterval(() => void this.prune(), this.options.diskWatchIntervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#pruning;
  }

  /** One check: the disk's usage sets how long sandboxes may wait; older ones are removed. */
  prune(nowMs = Date.now()): Promise<void> {
    this.#pruning ??= this.#prune(nowMs).finally(() => {
      this.#pruning = undefined;
    });
    return this.#pruning;
  }

  async #prune(nowMs: number): Promise<void> {
    const { gcDelayMs, diskHeadroom, logger } = this.options;
    const usage = await diskUsage(this.options.workDir);
    const ageMs = gcAgeMs(gcDelayMs, diskHeadroom, usage);
    this.#maxAgeMs = ageMs;
    for (const path of duePaths(this.#scheduled, nowMs, ageMs)) {
      this.#scheduled.delete(path);
      try {
        await removeSandbox(path);
        this.#succeeded++;
      } catch (error) {
        this.#failed++;
        logger.warn({ err: error, path }, "could not remove a finished sandbox");
      }
    }
  }
}

/** Removes a run directory, then its `latest` link if it pointed there, then the parents
 *  (`runs`, the executor's, `executors`, the framework's) that are left empty. */
async function removeSandbox(runDir: string): Promise<void> {
  // A persistent volume still mounted in it would be deleted through the mount.
  const stuck = detachVolumes(runDir);
  if (stuck.length > 0) throw new Error(`persistent volumes still mounted: ${stuck.join(", ")}`);
  await rm(runDir, { recursive: true, force: true });
  const runs = join(runDir, "..");
  const latest = join(runs, "latest");
  const target = await readlink(latest).catch(() => undefined);
  if (target !== undefined && join(runs, target) === runDir) await rm(latest, { force: true });
  let dir = runs;
  for (let level = 0; level < 4; level++) {
    try {
      await rmdir(dir);
    } catch {
      return; // not empty (or gone): the rest stays
    }
    dir = join(dir, "..");
  }
}

async function list(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}

/** The used share (0..1) of the file system holding `path`; 0 where it cannot be read. */
async function diskUsage(path: string): Promise<number> {
  try {
    const fs = await statfs(path);
    return fs.blocks === 0 ? 0 : (fs.blocks - fs.bavail) / fs.blocks;
  } catch {
    return 0;
  }
}
