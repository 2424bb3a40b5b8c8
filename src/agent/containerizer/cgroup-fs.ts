// Small synchronous helpers over cgroup files, shared by the v1 and v2 backends, and the
// interface both implement. Every write is one syscall pair (open+write); nothing here spawns.

import { mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import type { ResourceStatistics } from "../../wire/usage.ts";
import type { CgroupLimits } from "./cgroup-limits.ts";
import { signalPids } from "./process-kill.ts";
import type { CodedResult } from "./result.ts";

/** Statistics a backend measured: ResourceStatistics without the timestamp. */
export type CgroupStatistics = Omit<Partial<ResourceStatistics>, "timestamp">;

/** One cgroup version's implementation of a container's cgroups (see cgroups-v1.ts, -v2.ts). */
export interface CgroupBackend {
  readonly version: 1 | 2;
  /** Creates the container's cgroups with the given limits; returns the `cgroup.procs` files
   *  the launcher writes the new process's pid into before it runs user code. */
  create(containerId: string, limits: CgroupLimits): CgroupResult<string[]>;
  update(containerId: string, limits: CgroupLimits): CgroupResult<void>;
  exists(containerId: string): boolean;
  /** Container ids that have a cgroup under this agent's cgroups root. */
  list(): string[];
  pids(containerId: string): number[];
  statistics(containerId: string): CgroupStatistics;
  /** Total CPU time the container used, in seconds (finest counter the kernel offers). */
  cpuUsageSecs(containerId: string): number | null;
  /** How many processes the kernel's OOM killer killed in the container (0 if none). */
  oomKillCount(containerId: string): number;
  /** The largest memory use the cgroup saw, in bytes, if the kernel records it. */
  memPeakBytes(containerId: string): number | null;
  /** SIGKILLs everything in the container's cgroups until empty, then removes them. */
  destroy(containerId: string): Promise<CgroupResult<void>>;
  /** Removes this agent's (empty) cgroups root, e.g. when a test ends. */
  removeRoot(): void;
}

export type CgroupResult<T> = CodedResult<"CGROUP_ERROR", T>;

export function cgOk<T>(value: T): CgroupResult<T> {
  return { ok: true, value };
}

export function cgFail<T>(message: string): CgroupResult<T> {
  return { ok: false, code: "CGROUP_ERROR", message };
}

/** Makes a cgroup directory (`recursive`: with its parents); an error message on failure. */
export function makeCgroup(dir: string, recursive: boolean): string | null {
  try {
    mkdirSync(dir, { recursive });
    return null;
  } catch (e) {
    return `cannot create cgroup ${dir}: ${(e as Error).message}`;
  }
}

/** The container ids with a cgroup under `root` (none if it cannot be read). */
export function listCgroups(root: string): string[] {
  try {
    return readdirSync(root, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return [];
  }
}

/** Removes an agent's cgroups root if it is empty. */
export function removeCgroupRoot(root: string): void {
  try {
    rmdirSync(root);
  } catch {
    // Still holds container cgroups (or is gone already): leave it.
  }
}

export function readText(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

export function readNumber(path: string): number | null {
  const text = readText(path);
  if (text === null) return null;
  const n = Number(text.trim());
  return Number.isFinite(n) ? n : null;
}

/** Writes a control file; returns an error message or null. */
export function writeControl(path: string, value: string | number): string | null {
  try {
    writeFileSync(path, String(value));
    return null;
  } catch (e) {
    return `cannot write ${value} to ${path}: ${(e as Error).message}`;
  }
}

export function readPids(procsFile: string): number[] {
  const text = readText(procsFile);
  if (text === null) return [];
  const out: number[] = [];
  for (const line of text.split("\n")) {
    if (line !== "") out.push(Number(line));
  }
  return out;
}

// Bound on how long emptying a cgroup may take after SIGKILL: the kernel needs a moment to
// tear exiting tasks down; anything longer means a process is stuck (D state) and is reported.
export const CGROUP_EMPTY_TIMEOUT_MS = 10_000;
const CGROUP_EMPTY_POLL_MS = 5;

/** SIGKILLs the processes in `procsFile` until there are none, then rmdirs `dirs`. */
export async function killAndRemove(
  procsFile: string,
  dirs: readonly string[],
  killFile: string | null,
): Promise<CgroupResult<void>> {
  const deadline = Date.now() + CGROUP_EMPTY_TIMEOUT_MS;
  for (;;) {
    const pids = readPids(procsFile);
    if (pids.length === 0) {
      const errors: string[] = [];
      for (const dir of dirs) {
        try {
          rmdirSync(dir);
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === "ENOENT") continue;
          // EBUSY right after the last task exited: the kernel has not released it yet.
          if (code === "EBUSY" && Date.now() < deadline) {
            errors.push("busy");
            break;
          }
          errors.push(`cannot remove ${dir}: ${(e as Error).message}`);
        }
      }
      if (errors.length === 0) return cgOk(undefined);
      if (errors[0] !== "busy") return cgFail(errors.join("; "));
    } else if (killFile !== null) {
      writeControl(killFile, 1);
    } else {
      signalPids(pids, "SIGKILL");
    }
    if (Date.now() > deadline) {
      return cgFail(`processes ${readPids(procsFile).join(", ")} did not exit after SIGKILL`);
    }
    await new Promise((resolve) => setTimeout(resolve, CGROUP_EMPTY_POLL_MS));
  }
}
