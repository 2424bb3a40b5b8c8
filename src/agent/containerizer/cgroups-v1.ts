// cgroups v1 backend (reference §8.5): one directory per container in each used hierarchy,
// `<hierarchy>/<agent's own cgroup>/<root>/<containerId>`. cpu: cpu.shares and the CFS quota;
// cpuacct: usage; memory: the hard and soft limits, usage and OOM kills; pids: pids.max, the
// cap on the container's processes and threads (a fork bomb meets it, issue 18).

import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import * as cgfs from "./cgroup-fs.ts";
import { type CgroupLimits, nextHardMemLimitBytes } from "./cgroup-limits.ts";
import { parseKeyValues } from "./proc-parse.ts";

/** Parent directories (already including the agent's own cgroup) of the used hierarchies. */
export interface V1Hierarchies {
  readonly cpu?: string | undefined;
  readonly cpuacct?: string | undefined;
  readonly memory?: string | undefined;
  readonly pids?: string | undefined;
}

// cpuacct.stat counts in USER_HZ, which is 100 on every Linux ABI.
const USER_HZ = 100;
// v1 reports "no limit" as the largest page-aligned int64 (about 2^63); anything at or above
// 2^62 is treated as unlimited.
const V1_UNLIMITED_BYTES = 2 ** 62;
/** cpu.cfs_period_us of a cgroup just made. */
const KERNEL_CFS_PERIOD_US = 100_000;

export class CgroupsV1 implements cgfs.CgroupBackend {
  readonly version = 1 as const;
  private readonly roots: { cpu?: string; cpuacct?: string; memory?: string; pids?: string } = {};
  /** Distinct root directories (cpu and cpuacct may be one co-mounted hierarchy). */
  private readonly distinctRoots: string[];

  /** `pidsMax`: each container's pids.max (0: no limit, the pids only counted). */
  constructor(
    hierarchies: V1Hierarchies,
    rootName: string,
    private readonly pidsMax = 0,
  ) {
    for (const key of ["cpu", "cpuacct", "memory", "pids"] as const) {
      const base = hierarchies[key];
      if (base !== undefined) this.roots[key] = join(base, rootName);
    }
    this.distinctRoots = [...new Set(Object.values(this.roots))];
    for (const root of this.distinctRoots) mkdirSync(root, { recursive: true });
  }

  private dirs(containerId: string): string[] {
    return this.distinctRoots.map((root) => join(root, containerId));
  }

  private dir(key: "cpu" | "cpuacct" | "memory" | "pids", containerId: string): string | null {
    const root = this.roots[key];
    return root === undefined ? null : join(root, containerId);
  }

  /** The hierarchy whose cgroup.procs lists the container's processes. */
  private procsFile(containerId: string): string {
    const first = this.dirs(containerId)[0];
    if (first === undefined) throw new Error("cgroups v1 backend without hierarchies");
    return join(first, "cgroup.procs");
  }

  create(containerId: string, limits: CgroupLimits): cgfs.CgroupResult<string[]> {
    for (const dir of this.dirs(containerId)) {
      // Recursive: agents sharing a cgroups root remove it when they stop and it is empty, so
      // another agent's next container may have to create it again (v1 roots need no setup).
      const error = cgfs.makeCgroup(dir, true);
      if (error !== null) return cgfs.cgFail(error);
    }
    const set = this.apply(containerId, limits, null, true);
    if (!set.ok) return set;
    const pids = this.dir("pids", containerId);
    if (pids !== null && this.pidsMax > 0) {
      const error = cgfs.writeControl(join(pids, "pids.max"), this.pidsMax);
      if (error !== null) return cgfs.cgFail(error);
    }
    return cgfs.cgOk(this.dirs(containerId).map((d) => join(d, "cgroup.procs")));
  }

  update(containerId: string, limits: CgroupLimits): cgfs.CgroupResult<void> {
    const mem = this.dir("memory", containerId);
    const current = mem === null ? null : cgfs.readNumber(join(mem, "memory.limit_in_bytes"));
    return this.apply(containerId, limits, current, false);
  }

  private apply(
    containerId: string,
    limits: CgroupLimits,
    currentHardBytes: number | null,
    fresh: boolean,
  ): cgfs.CgroupResult<void> {
    const errors: (string | null)[] = [];
    const cpu = this.dir("cpu", containerId);
    if (cpu !== null) {
      errors.push(cgfs.writeControl(join(cpu, "cpu.shares"), limits.cpuShares));
      // A new cgroup starts with the kernel's defaults (a 100 ms period, no quota): each write
      // skipped is a syscall pair off every launch. An update always writes.
      if (!fresh || limits.cfsPeriodUs !== KERNEL_CFS_PERIOD_US) {
        errors.push(cgfs.writeControl(join(cpu, "cpu.cfs_period_us"), limits.cfsPeriodUs));
      }
      if (!fresh || limits.cfsQuotaUs !== null) {
        errors.push(cgfs.writeControl(join(cpu, "cpu.cfs_quota_us"), limits.cfsQuotaUs ?? -1));
      }
    }
    const mem = this.dir("memory", containerId);
    if (mem !== null) {
      const hard = nextHardMemLimitBytes(currentHardBytes, limits.memLimitBytes);
      // A soft limit above the hard one is rejected by nothing but meaningless; keep it below.
      errors.push(cgfs.writeControl(join(mem, "memory.limit_in_bytes"), hard));
      errors.push(
        cgfs.writeControl(
          join(mem, "memory.soft_limit_in_bytes"),
          Math.min(limits.memSoftLimitBytes, hard),
        ),
      );
    }
    const failed = errors.filter((e): e is string => e !== null);
    return failed.length === 0 ? cgfs.cgOk(undefined) : cgfs.cgFail(failed.join("; "));
  }

  exists(containerId: string): boolean {
    // existsSync, not a read: asked before every launch, where the answer is nearly always no,
    // and a failed read costs an exception.
    return existsSync(this.procsFile(containerId));
  }

  list(): string[] {
    const first = this.distinctRoots[0];
    return first === undefined ? [] : cgfs.listCgroups(first);
  }

  pids(containerId: string): number[] {
    return cgfs.readPids(this.procsFile(containerId));
  }

  statistics(containerId: string): cgfs.CgroupStatistics {
    const out: cgfs.CgroupStatistics = {};
    const procs = this.pids(containerId);
    out.processes = procs.length;
    const first = this.dirs(containerId)[0];
    if (first !== undefined) out.threads = cgfs.readPids(join(first, "tasks")).length;

    const cpuacct = this.dir("cpuacct", containerId);
    if (cpuacct !== null) {
      const stat = parseKeyValues(cgfs.readText(join(cpuacct, "cpuacct.stat")) ?? "");
      out.cpus_user_time_secs = (stat.get("user") ?? 0) / USER_HZ;
      out.cpus_system_time_secs = (stat.get("system") ?? 0) / USER_HZ;
    }
    const cpu = this.dir("cpu", containerId);
    if (cpu !== null) {
      const stat = parseKeyValues(cgfs.readText(join(cpu, "cpu.stat")) ?? "");
      out.cpus_nr_periods = stat.get("nr_periods") ?? 0;
      out.cpus_nr_throttled = stat.get("nr_throttled") ?? 0;
      out.cpus_throttled_time_secs = (stat.get("throttled_time") ?? 0) / 1e9;
      const quota = cgfs.readNumber(join(cpu, "cpu.cfs_quota_us"));
      const period = cgfs.readNumber(join(cpu, "cpu.cfs_period_us"));
      const shares = cgfs.readNumber(join(cpu, "cpu.shares"));
      if (quota !== null && period !== null && quota > 0) out.cpus_limit = quota / period;
      if (shares !== null) out.cpus_soft_limit = shares / 1024;
    }
    const mem = this.dir("memory", containerId);
    if (mem !== null) {
      const usage = cgfs.readNumber(join(mem, "memory.usage_in_bytes"));
      if (usage !== null) out.mem_total_bytes = usage;
      const memsw = cgfs.readNumber(join(mem, "memory.memsw.usage_in_bytes"));
      if (memsw !== null) out.mem_total_memsw_bytes = memsw;
      const limit = cgfs.readNumber(join(mem, "memory.limit_in_bytes"));
      if (limit !== null && limit < V1_UNLIMITED_BYTES) out.mem_limit_bytes = limit;
      const soft = cgfs.readNumber(join(mem, "memory.soft_limit_in_bytes"));
      if (soft !== null && soft < V1_UNLIMITED_BYTES) out.mem_soft_limit_bytes = soft;
      const stat = parseKeyValues(cgfs.readText(join(mem, "memory.stat")) ?? "");
      const anon = (stat.get("total_active_anon") ?? 0) + (stat.get("total_inactive_anon") ?? 0);
      const file = (stat.get("total_active_file") ?? 0) + (stat.get("total_inactive_file") ?? 0);
      out.mem_anon_bytes = anon;
      out.mem_file_bytes = file;
      out.mem_rss_bytes = stat.get("total_rss") ?? 0;
      out.mem_cache_bytes = stat.get("total_cache") ?? 0;
      out.mem_mapped_file_bytes = stat.get("total_mapped_file") ?? 0;
      out.mem_swap_bytes = stat.get("total_swap") ?? 0;
      out.mem_unevictable_bytes = stat.get("total_unevictable") ?? 0;
    }
    return out;
  }

  /** Total CPU time in seconds from cpuacct.usage (nanoseconds, finer than cpuacct.stat). */
  cpuUsageSecs(containerId: string): number | null {
    const cpuacct = this.dir("cpuacct", containerId);
    if (cpuacct === null) return null;
    const ns = cgfs.readNumber(join(cpuacct, "cpuacct.usage"));
    return ns === null ? null : ns / 1e9;
  }

  oomKillCount(containerId: string): number {
    const mem = this.dir("memory", containerId);
    if (mem === null) return 0;
    const control = parseKeyValues(cgfs.readText(join(mem, "memory.oom_control")) ?? "");
    // Older kernels have no oom_kill counter: under_oom is then the only signal.
    return control.get("oom_kill") ?? control.get("under_oom") ?? 0;
  }

  memPeakBytes(containerId: string): number | null {
    const mem = this.dir("memory", containerId);
    return mem === null ? null : cgfs.readNumber(join(mem, "memory.max_usage_in_bytes"));
  }

  destroy(containerId: string): Promise<cgfs.CgroupResult<void>> {
    return cgfs.killAndRemove(this.procsFile(containerId), this.dirs(containerId), null);
  }

  removeRoot(): void {
    for (const root of this.distinctRoots) cgfs.removeCgroupRoot(root);
  }
}
