// Parsers for the kernel's text files the containerizer reads: /proc/<pid>/stat,
// /proc/self/cgroup, /proc/self/mounts, cgroup "key value" files, /etc/passwd. Pure.

/** The fields of /proc/<pid>/stat the containerizer uses (proc(5) numbering in comments). */
export interface ProcStat {
  readonly pid: number;
  /** (3) R, S, D, Z (zombie), X (dead), ... */
  readonly state: string;
  readonly ppid: number;
  readonly pgrp: number;
  readonly session: number;
  /** (14), (15) in clock ticks. */
  readonly utimeTicks: number;
  readonly stimeTicks: number;
  /** (20) */
  readonly numThreads: number;
  /** (22) in clock ticks since boot: with the pid, identifies a process across pid reuse. */
  readonly startTimeTicks: number;
  /** (24) resident set size in pages. */
  readonly rssPages: number;
}

/** Parses /proc/<pid>/stat; null if malformed (e.g. the process vanished mid-read). */
export function parseProcStat(text: string): ProcStat | null {
  // The command name (2) is in parentheses and may itself contain spaces and parentheses.
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) return null;
  const pid = Number(text.slice(0, open).trim());
  const rest = text
    .slice(close + 1)
    .trim()
    .split(" ");
  // rest[0] is field 3.
  const field = (n: number) => Number(rest[n - 3]);
  const state = rest[0];
  if (state === undefined || rest.length < 22 || !Number.isInteger(pid)) return null;
  return {
    pid,
    state,
    ppid: field(4),
    pgrp: field(5),
    session: field(6),
    utimeTicks: field(14),
    stimeTicks: field(15),
    numThreads: field(20),
    startTimeTicks: field(22),
    rssPages: field(24),
  };
}

/** "key value" lines (memory.stat, cpu.stat, memory.oom_control, memory.events, cpuacct.stat). */
export function parseKeyValues(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    const space = line.indexOf(" ");
    if (space <= 0) continue;
    const value = Number(line.slice(space + 1).trim());
    if (Number.isFinite(value)) out.set(line.slice(0, space), value);
  }
  return out;
}

/** One path per v1 controller (by name), and the cgroup2 one if any. */
export interface CgroupPaths {
  readonly v1: ReadonlyMap<string, string>;
  readonly v2: string | null;
}

/** A process's cgroups: the path inside each v1 controller's hierarchy, and its cgroup2 path
 *  ("0::<path>"). */
export type ProcessCgroups = CgroupPaths;

/** Parses /proc/<pid>/cgroup ("<id>:<controllers,...>:<path>" per line). */
export function parseProcCgroup(text: string): ProcessCgroups {
  const v1 = new Map<string, string>();
  let v2: string | null = null;
  for (const line of text.split("\n")) {
    const first = line.indexOf(":");
    const second = line.indexOf(":", first + 1);
    if (first < 0 || second < 0) continue;
    const controllers = line.slice(first + 1, second);
    const path = line.slice(second + 1);
    if (line.slice(0, first) === "0" && controllers === "") {
      v2 = path;
      continue;
    }
    for (const c of controllers.split(",")) if (c !== "") v1.set(c, path);
  }
  return { v1, v2 };
}

/** Where the hierarchies are mounted: each v1 controller's, and cgroup2's. */
export type CgroupMounts = CgroupPaths;

/** Parses /proc/self/mounts ("<source> <target> <fstype> <options> 0 0"). */
export function parseCgroupMounts(text: string): CgroupMounts {
  const v1 = new Map<string, string>();
  let v2: string | null = null;
  for (const line of text.split("\n")) {
    const [, target, fstype, options] = line.split(" ");
    if (target === undefined || options === undefined) continue;
    // Mount points escape spaces as \040.
    const mountPoint = target.replace(/\\040/g, " ");
    if (fstype === "cgroup2") {
      v2 ??= mountPoint;
    } else if (fstype === "cgroup") {
      for (const option of options.split(",")) {
        if (option === "rw" || option === "ro" || option.includes("=") || option === "relatime") {
          continue;
        }
        if (!v1.has(option)) v1.set(option, mountPoint);
      }
    }
  }
  return { v1, v2 };
}

export interface PasswdEntry {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
}

/** Looks a user up by name in /etc/passwd content. */
export function findPasswdEntry(text: string, user: string): PasswdEntry | null {
  for (const line of text.split("\n")) {
    const parts = line.split(":");
    if (parts[0] !== user || parts.length < 7) continue;
    const uid = Number(parts[2]);
    const gid = Number(parts[3]);
    if (!Number.isInteger(uid) || !Number.isInteger(gid)) return null;
    return { name: user, uid, gid, home: parts[5] ?? "/" };
  }
  return null;
}
