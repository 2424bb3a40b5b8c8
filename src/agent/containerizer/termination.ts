// How a container ended, and the limitation (if any) that ended it. Pure.
//
// Mesos's ContainerTermination carries the wait status of the container's first process and,
// when an isolator ended the container, a ContainerLimitation whose reason the agent copies
// into the TASK_FAILED update (e.g. REASON_CONTAINER_LIMITATION_MEMORY after an OOM kill).

import { constants } from "node:os";
import { BYTES_PER_MB } from "./cgroup-limits.ts";

export type LimitationReason =
  | "REASON_CONTAINER_LIMITATION"
  | "REASON_CONTAINER_LIMITATION_MEMORY"
  | "REASON_CONTAINER_LIMITATION_DISK";

export interface Limitation {
  readonly reason: LimitationReason;
  readonly message: string;
}

export interface Termination {
  /** Exit code when the process exited; null if killed by a signal or unknown. */
  readonly exitCode: number | null;
  /** The signal that killed it, e.g. "SIGKILL"; null if it exited or unknown. */
  readonly signal: NodeJS.Signals | null;
  /** The raw wait(2) status as Mesos reports it; null when unknown (a recovered container
   *  is not the agent's child, so its status cannot be collected). */
  readonly waitStatus: number | null;
  readonly limitation?: Limitation | undefined;
  /** True when the container ended because destroy() was called. */
  readonly destroyed: boolean;
  /** The container ended but its cleanup failed (e.g. a cgroup the kernel would not remove):
   *  what went wrong. Its processes are gone; what is left is found again at recovery. */
  readonly cleanupError?: string | undefined;
}

/** The wait(2) status encoding: exit code in bits 8-15, or the terminating signal number. */
export function waitStatusOf(
  exitCode: number | null,
  signal: NodeJS.Signals | null,
): number | null {
  if (signal !== null) {
    const n = constants.signals[signal];
    return n === undefined ? null : n;
  }
  if (exitCode !== null) return (exitCode & 0xff) << 8;
  return null;
}

function mb(bytes: number): string {
  return `${Math.round(bytes / BYTES_PER_MB)}MB`;
}

/** The limitation for a container the kernel's OOM killer hit (Mesos's message shape). */
export function memoryLimitation(limitBytes: number, peakBytes: number | null): Limitation {
  const used = peakBytes === null ? "" : ` Maximum Used: ${mb(peakBytes)}`;
  return {
    reason: "REASON_CONTAINER_LIMITATION_MEMORY",
    message: `Memory limit exceeded: Requested: ${mb(limitBytes)}${used}`,
  };
}

/** posix/mem: the limitation when polled RSS exceeds the limit, else null. */
export function polledMemoryLimitation(rssBytes: number, limitBytes: number): Limitation | null {
  if (rssBytes <= limitBytes) return null;
  return {
    reason: "REASON_CONTAINER_LIMITATION_MEMORY",
    message: `Memory limit exceeded: Requested: ${mb(limitBytes)} Used: ${mb(rssBytes)} (resident set size, polled)`,
  };
}
