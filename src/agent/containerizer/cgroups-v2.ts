// cgroups v2 backend (reference §8.6): `<cgroup2 mount>/<agent's own cgroup>/<root>/<containerId>`.
// The root has the cpu and/or memory controllers enabled in its cgroup.subtree_control; each
// container cgroup is a leaf holding the container's processes (no nested cgroups here, so the
// no-internal-process rule is met without Mesos's extra `leaf` child).

import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  type CgroupBackend,
  type CgroupResult,
  type CgroupStatistics,
  cgFail,
  cgOk,
  killAndRemove,
  listCgroups,
  makeCgroup,
  readNumber,
  readPids,
  readText,
  removeCgroupRoot,
  writeControl,
} from "./cgroup-fs.ts";
import { type CgroupLimits, cpuMaxValue, nextHardMemLimitBytes } from "./cgroup-limits.ts";
import { parseKeyValues } from "./proc-parse.ts";

export interface V2Options {
  /** The agent's own cgroup directory (mount point + path from /proc/self/cgroup). */
  readonly base: string;
  readonly cpu: boolean;
  readonly memory: boolean;
  /** The pids controller, and each container's pids.max (0: no limit, only counted). */
  readonly pids?: boolean | undefined;
  readonly pidsMax?: number | undefined;
}

export class CgroupsV2 implements CgroupBackend {
  readonly version = 2 as const;
  private readonly root: string;

  private constructor(
    root: string,
    private readonly options: V2Options,
  ) {
    this.root = root;
  }

  /** Creates the root cgroup and enables the controllers for its children. */
  static open(options: V2Options, rootName: string): CgroupResult<CgroupsV2> {
    const root = join(options.base, rootName);
    const made = makeCgroup(root, true);
    if (made !== null) return cgFail(made);
    const wanted = [
      options.cpu ? "+cpu" : "",
      options.memory ? "+memory" : "",
      options.pids === true ? "+pids" : "",
    ].filter(Boolean);
    if (wanted.length > 0) {
      const error = writeControl(join(root, "cgroup.subtree_control"), wanted.join(" "));
      if (error !== null) return cgFail(error);
    }
    return cgOk(new CgroupsV2(root, options));
  }

  private dir(containerId: string): string {
    return join(this.root, containerId);
  }

  create(containerId: string, limits: CgroupLimits): CgroupResult<string[]> {
    const dir = this.dir(containerId);
    const made = makeCgroup(dir, false);
    if (made !== null) return cgFail(made);
    const set = this.apply(containerId, limits, null);
    if (!set.ok) return set;
    const pidsMax = this.options.pidsMax ?? 0;
    if (this.options.pids === true && pidsMax > 0) {
      const error = writeControl(join(dir, "pids.max"), pidsMax);
      if (error !== null) return cgFail(error);
    }
    return cgOk([join(dir, "cgroup.procs")]);
  }

  update(containerId: string, limits: CgroupLimits): CgroupResult<void> {
    const current = readText(join(this.dir(containerId), "memory.max"));
    const currentBytes =
      current === null || current.trim() === "max" ? null : Number(current.trim());
    return this.apply(containerId, limits, currentBytes);
  }

  private apply(
    containerId: string,
    limits: CgroupLimits,
    currentHardBytes: number | null,
  ): CgroupResult<void> {
    const dir = this.dir(containerId);
    const errors: (string | null)[] = [];
    if (this.options.cpu) {
      errors.push(writeControl(join(dir, "cpu.weight"), limits.cpuWeight));
      errors.push(writeControl(join(dir, "cpu.max"), cpuMaxValue(limits)));
    }
    if (this.options.memory) {
      const hard = nextHardMemLimitBytes(currentHardBytes, limits.memLimitBytes);
      errors.push(writeControl(join(dir, "memory.max"), hard));
      errors.push(writeControl(join(dir, "memory.low"), Math.min(limits.memSoftLimitBytes, hard)));
    }
    const failed = errors.filter((e): e is string => e !== null);
    return failed.length === 0 ? cgOk(undefined) : cgFail(failed.join("; "));
  }

  exists(containerId: string): boolean {
    return existsSync(join(this.dir(containerId), "cgroup.procs"));
  }

  list(): string[] {
    return listCgroups(this.root);
  }

  pids(containerId: string): number[] {
    return readPids(join(this.dir(containerId), "cgroup.procs"));
  }

  statistics(containerId: string): CgroupStatistics {
    const dir = this.dir(containerId);
    const out: CgroupStatistics = {};
    out.processes = this.pids(containerId).length;
    out.threads = readPids(join(dir, "cgroup.threads")).length;
    // cpu.stat's usage fields exist even without the cpu controller; throttling needs it.
    const cpu = parseKeyValues(readText(join(dir, "cpu.stat")) ?? "");
    out.cpus_user_time_secs = (cpu.get("user_usec") ?? 0) / 1e6;
    out.cpus_system_time_secs = (cpu.get("system_usec") ?? 0) / 1e6;
    if (this.options.cpu) {
      out.cpus_nr_periods = cpu.get("nr_periods") ?? 0;
      out.cpus_nr_throttled = cpu.get("nr_throttled") ?? 0;
      out.cpus_throttled_time_secs = (cpu.get("throttled_usec") ?? 0) / 1e6;
      const [quota, period] = (readText(join(dir, "cpu.max")) ?? "").trim().split(" ");
      if (quota !== undefined && quota !== "max" && period !== undefined) {
        out.cpus_limit = Number(quota) / Number(period);
      }
      const weight = readNumber(join(dir, "cpu.weight"));
      if (weight !== null) out.cpus_soft_limit = weight / 100;
    }
    if (this.options.memory) {
      const current = readNumber(join(dir, "memory.current"));
      if (current !== null) out.mem_total_bytes = current;
      const max = readNumber(join(dir, "memory.max"));
      if (max !== null) out.mem_limit_bytes = max;
      const low = readNumber(join(dir, "memory.low"));
      if (low !== null) out.mem_soft_limit_bytes = low;
      const stat = parseKeyValues(readText(join(dir, "memory.stat")) ?? "");
      out.mem_anon_bytes = stat.get("anon") ?? 0;
      out.mem_file_bytes = stat.get("file") ?? 0;
      out.mem_rss_bytes = stat.get("anon") ?? 0;
      out.mem_cache_bytes = stat.get("file") ?? 0;
      out.mem_mapped_file_bytes = stat.get("file_mapped") ?? 0;
      out.mem_unevictable_bytes = stat.get("unevictable") ?? 0;
      const swap = readNumber(join(dir, "memory.swap.current"));
      if (swap !== null) out.mem_swap_bytes = swap;
    }
    return out;
  }

  cpuUsageSecs(containerId: string): number | null {
    const cpu = parseKeyValues(readText(join(this.dir(containerId), "cpu.stat")) ?? "");
    const usec = cpu.get("usage_usec");
    return usec === undefined ? null : usec / 1e6;
  }

  oomKillCount(containerId: string): number {
    if (!this.options.memory) return 0;
    const events = parseKeyValues(readText(join(this.dir(containerId), "memory.events")) ?? "");
    return events.get("oom_kill") ?? 0;
  }

  memPeakBytes(containerId: string): number | null {
    return this.options.memory ? readNumber(join(this.dir(containerId), "memory.peak")) : null;
  }

  destroy(containerId: string): Promise<CgroupResult<void>> {
    const dir = this.dir(containerId);
    // cgroup.kill (Linux 5.14+) kills the whole cgroup atomically, fork bombs included.
    const killFile = existsSync(join(dir, "cgroup.kill")) ? join(dir, "cgroup.kill") : null;
    return killAndRemove(join(dir, "cgroup.procs"), [dir], killFile);
  }

  removeRoot(): void {
    removeCgroupRoot(this.root);
  }
}
