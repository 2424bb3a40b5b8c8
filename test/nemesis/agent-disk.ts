// Each nemesis agent's work dir is a small file system of its own, so that the nemesis can
// fill it (a full disk) and slow it (a slow disk) without touching the host's:
//
// - an ext4 image on a loop device (no reserved blocks, so root fills it too), mounted at the
//   work dir; where loop devices are not available, a tmpfs of the same size (no slow disk then).
// - full: a filler file takes every free block (fallocate); healing deletes it.
// - slow: the agent process is moved into a cgroup v1 blkio group that throttles writes to the
//   loop device (bytes and IOs per second). The agent's fsyncs of its checkpoints submit their
//   writes from its own threads, so they are the ones slowed. Healing moves it back to the root
//   group and removes the group. Without cgroup v1 blkio, there is no slow disk (said in the
//   run's summary, never faked).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, rmdirSync, rmSync, statfsSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Size of each agent's file system: room for sandboxes of sleeps, small enough to fill fast. */
export const AGENT_DISK_MB = 64;
/** The slow disk's limits (per second, writes to the agent's device). */
const SLOW_WRITE_BPS = 64 * 1024;
const SLOW_WRITE_IOPS = 8;
const BLKIO_ROOT = "/sys/fs/cgroup/blkio";

function run(file: string, args: string[]): string {
  return execFileSync(file, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

export class AgentDisk {
  #loop: string | undefined;
  #filled = false;
  #slowGroup: string | undefined;

  private constructor(
    readonly mountPoint: string,
    readonly image: string,
    readonly blkioGroup: string,
  ) {}

  /** Makes and mounts the file system at `mountPoint` (created). */
  static create(mountPoint: string, image: string, blkioGroup: string): AgentDisk {
    const disk = new AgentDisk(mountPoint, image, blkioGroup);
    mkdirSync(mountPoint, { recursive: true });
    try {
      run("truncate", ["-s", `${AGENT_DISK_MB}M`, image]);
      run("mkfs.ext4", ["-q", "-F", "-m", "0", image]);
      disk.#loop = run("losetup", ["--find", "--show", image]);
      run("mount", [disk.#loop, mountPoint]);
    } catch {
      disk.#detach();
      rmSync(image, { force: true });
      run("mount", ["-t", "tmpfs", "-o", `size=${AGENT_DISK_MB}m`, "tmpfs", mountPoint]);
    }
    return disk;
  }

  /** The slow disk can be had here (a loop device and cgroup v1 blkio). */
  get canSlow(): boolean {
    return this.#loop !== undefined && existsSync(join(BLKIO_ROOT, "cgroup.procs"));
  }

  fill(): void {
    if (this.#filled) return;
    this.#filled = true;
    const stats = statfsSync(this.mountPoint);
    const free = Number(stats.bavail) * Number(stats.bsize);
    try {
      run("fallocate", ["-l", String(free), this.#filler]);
    } catch {
      // fallocate refused (tmpfs of an old kernel): write until ENOSPC.
      try {
        writeFileSync(this.#filler, Buffer.alloc(free));
      } catch {
        // Full, which was the point.
      }
    }
  }

  get #filler(): string {
    return join(this.mountPoint, "nemesis-filler");
  }

  /** Throttles writes of process `pid` (the agent) to this disk. */
  slow(pid: number): void {
    if (!this.canSlow || this.#loop === undefined) return;
    const device = run("lsblk", ["-dno", "MAJ:MIN", this.#loop]).replace(/\s/g, "");
    const group = join(BLKIO_ROOT, this.blkioGroup);
    mkdirSync(group, { recursive: true });
    writeFileSync(join(group, "blkio.throttle.write_bps_device"), `${device} ${SLOW_WRITE_BPS}`);
    writeFileSync(join(group, "blkio.throttle.write_iops_device"), `${device} ${SLOW_WRITE_IOPS}`);
    this.#slowGroup = group;
    try {
      writeFileSync(join(group, "cgroup.procs"), String(pid));
    } catch (e) {
      // The agent died (an earlier fault killed it) between choosing this fault and now:
      // nothing to slow; its restart runs at full speed and heal still removes the group.
      if ((e as NodeJS.ErrnoException).code !== "ESRCH") throw e;
    }
  }

  /** Undoes full and slow. `pid`: the agent, if it runs (moved back to the root group). */
  heal(pid: number | undefined): void {
    if (this.#filled) rmSync(this.#filler, { force: true });
    this.#filled = false;
    const group = this.#slowGroup;
    if (group === undefined) return;
    if (pid !== undefined) {
      try {
        writeFileSync(join(BLKIO_ROOT, "cgroup.procs"), String(pid));
      } catch {
        // The agent died meanwhile.
      }
    }
    try {
      rmdirSync(group);
      this.#slowGroup = undefined;
    } catch {
      // A process is still in it (a task the agent started there): removed at teardown.
    }
  }

  /** Unmounts and detaches (after the agent and its tasks are gone). */
  destroy(): void {
    this.heal(undefined);
    try {
      run("umount", ["-l", this.mountPoint]);
    } catch {
      // Not mounted.
    }
    this.#detach();
    rmSync(this.image, { force: true });
  }

  #detach(): void {
    if (this.#loop === undefined) return;
    try {
      run("losetup", ["-d", this.#loop]);
    } catch {
      // Already detached.
    }
    this.#loop = undefined;
  }
}

/** The blkio groups of the run left on the host (the teardown test reads this). */
export function leftoverBlkioGroups(prefix: string): string[] {
  const dir = join(BLKIO_ROOT, prefix);
  return existsSync(dir) ? [dir] : [];
}

/** Removes a run's blkio parent group (after its children). */
export function removeBlkioParent(prefix: string): void {
  try {
    rmdirSync(join(BLKIO_ROOT, prefix));
  } catch {
    // Absent, or not empty (reported as a leftover).
  }
}
