// A live container's ResourceStatistics for /monitor/statistics: from /proc under posix (or
// without a cgroup), the limits it was given, disk/du's last measure, and the cgroup's counters.
import type { ResourceStatistics } from "../../wire/usage.ts";
import type { CgroupBackend } from "./cgroup-fs.ts";
import { BYTES_PER_MB } from "./cgroup-limits.ts";
import type { Container } from "./container-record.ts";
import { containerMembers, posixStatistics, scanProcesses } from "./posix-isolator.ts";

export function containerUsage(
  c: Container,
  backend: CgroupBackend | null,
  posix: boolean,
  diskDu: boolean,
): ResourceStatistics {
  const stats: ResourceStatistics = { timestamp: Date.now() / 1000 };
  if (posix || !c.inCgroups) {
    Object.assign(stats, posixStatistics(containerMembers(scanProcesses(), c.pid)));
  }
  if (c.resources !== null) {
    stats.cpus_limit = c.resources.cpus;
    stats.mem_limit_bytes = c.resources.memMb * BYTES_PER_MB;
  }
  if (diskDu) {
    if (c.diskUsedBytes !== undefined) stats.disk_used_bytes = c.diskUsedBytes;
    const diskMb = c.resources?.diskMb ?? 0;
    if (diskMb > 0) stats.disk_limit_bytes = diskMb * BYTES_PER_MB;
  }
  if (backend !== null && c.inCgroups) {
    Object.assign(stats, backend.statistics(c.id));
  }
  return stats;
}

/** Host pids of the processes in a live container: its cgroup's, else its session's. */
export function containerPids(c: Container, backend: CgroupBackend | null): number[] {
  if (backend !== null && c.inCgroups) return backend.pids(c.id);
  return containerMembers(scanProcesses(), c.pid).map((p) => p.pid);
}
