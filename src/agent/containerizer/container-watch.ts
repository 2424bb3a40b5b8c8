// The containerizer's periodic checks of its live containers: the poller (posix/mem's memory
// limit, cgroups/mem's OOM kills, and the end of containers that are not the agent's children)
// and disk/du's measure of each sandbox (and its quota, where enforced). Mesos destroys a
// container as soon as an isolator reports a limitation: `kill` is called at once.
import { BYTES_PER_MB } from "./cgroup-limits.ts";
import type { Container } from "./container-record.ts";
import { diskLimitation, diskUsageBytes } from "./disk-du.ts";
import {
  containerMembers,
  posixStatistics,
  processEnded,
  scanProcesses,
} from "./posix-isolator.ts";
import { type Limitation, polledMemoryLimitation } from "./termination.ts";

/** An interval that runs while armed, and never keeps the process alive on its own. */
export class Repeating {
  #timer: NodeJS.Timeout | null = null;
  readonly #intervalMs: number;
  readonly #run: () => void;

  constructor(intervalMs: number, run: () => void) {
    this.#intervalMs = intervalMs;
    this.#run = run;
  }

  arm(): void {
    if (this.#timer !== null) return;
    this.#timer = setInterval(this.#run, this.#intervalMs);
    this.#timer.unref();
  }

  disarm(): void {
    if (this.#timer === null) return;
    clearInterval(this.#timer);
    this.#timer = null;
  }
}

export interface WatchedIsolators {
  readonly posixMem: boolean;
  readonly cgroupMem: boolean;
  readonly enforceDiskQuota: boolean;
  /** cgroups/mem: the limitation if the kernel's OOM killer struck. */
  oomLimitation(c: Container): Limitation | undefined;
  /** SIGKILLs the container's whole tree. */
  kill(c: Container): void;
  /** A container that is not the agent's child was seen gone: finish it. */
  gone(c: Container): void;
}

/** One poller pass over the live containers. */
export function pollContainers(containers: Iterable<Container>, w: WatchedIsolators): void {
  const all = w.posixMem ? scanProcesses() : null;
  for (const c of containers) {
    if (c.ended) continue;
    if (!c.ownChild && processEnded(c.pid, c.startTimeTicks)) {
      w.gone(c);
      continue;
    }
    if (c.limitation !== undefined) continue;
    if (w.cgroupMem && c.inCgroups) {
      c.limitation = w.oomLimitation(c);
    } else if (all !== null && c.resources !== null) {
      const rss = posixStatistics(containerMembers(all, c.pid)).mem_rss_bytes ?? 0;
      c.limitation = polledMemoryLimitation(rss, c.resources.memMb * BYTES_PER_MB) ?? undefined;
    }
    if (c.limitation !== undefined) w.kill(c);
  }
}

/** disk/du: measures each container's sandbox, one after another; with the quota enforced, a
 *  container over its `disk` is ended as Mesos ends it (SIGKILL, limitation). */
export async function measureSandboxes(
  containers: readonly Container[],
  w: WatchedIsolators,
): Promise<void> {
  for (const c of containers) {
    if (c.ended || c.sandboxDir === null) continue;
    const used = await diskUsageBytes(c.sandboxDir);
    if (c.ended) continue;
    c.diskUsedBytes = used;
    if (!w.enforceDiskQuota || c.limitation !== undefined) continue;
    const limitation = diskLimitation(used, c.resources?.diskMb ?? 0);
    if (limitation === null) continue;
    c.limitation = limitation;
    w.kill(c);
  }
}
