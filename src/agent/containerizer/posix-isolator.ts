// posix/cpu and posix/mem: usage from /proc summed over the container's session and process
// group (its first process is their leader, see launcher.ts), and the memory limit enforced by
// polling (Mesos's posix isolators only report; Tessera also kills, as the issue asks).
// Processes that start a new session of their own escape this view — cgroups do not have
// that hole, which is why they are preferred when available.

import { readdirSync, readFileSync } from "node:fs";
import type { CgroupStatistics } from "./cgroup-fs.ts";
import { type ProcStat, parseProcStat } from "./proc-parse.ts";

// Linux exposes /proc/<pid>/stat times in USER_HZ (100 on every ABI) and RSS in pages; the
// page size is 4 KiB on the architectures Tessera runs on (x86_64, arm64 with 4K pages).
export const USER_HZ = 100;
export const PAGE_SIZE_BYTES = 4096;

/** One pass over /proc: every live process's stat. */
export function scanProcesses(): ProcStat[] {
  const out: ProcStat[] = [];
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return out;
  }
  for (const name of entries) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    try {
      const stat = parseProcStat(readFileSync(`/proc/${name}/stat`, "utf8"));
      if (stat !== null) out.push(stat);
    } catch {
      // Exited between readdir and read.
    }
  }
  return out;
}

export function readProcStat(pid: number): ProcStat | null {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return null;
  }
}

/** Processes belonging to the container led by `leaderPid` (its session or process group). */
export function containerMembers(all: readonly ProcStat[], leaderPid: number): ProcStat[] {
  return all.filter(
    (p) => (p.session === leaderPid || p.pgrp === leaderPid) && p.state !== "Z" && p.state !== "X",
  );
}

/** Usage of a set of processes, shaped as ResourceStatistics. Pure. */
export function posixStatistics(members: readonly ProcStat[]): CgroupStatistics {
  let utime = 0;
  let stime = 0;
  let threads = 0;
  let rssPages = 0;
  for (const p of members) {
    utime += p.utimeTicks;
    stime += p.stimeTicks;
    threads += p.numThreads;
    rssPages += p.rssPages;
  }
  return {
    processes: members.length,
    threads,
    cpus_user_time_secs: utime / USER_HZ,
    cpus_system_time_secs: stime / USER_HZ,
    mem_rss_bytes: rssPages * PAGE_SIZE_BYTES,
    mem_total_bytes: rssPages * PAGE_SIZE_BYTES,
  };
}

/** True when the pid is gone or a zombie nobody reaped yet (its container has ended). */
export function processEnded(pid: number, startTimeTicks: number | null): boolean {
  const stat = readProcStat(pid);
  if (stat === null || stat.state === "Z" || stat.state === "X") return true;
  // A different start time means the pid was reused by an unrelated process.
  return startTimeTicks !== null && stat.startTimeTicks !== startTimeTicks;
}
