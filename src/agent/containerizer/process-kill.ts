// Signalling a container's processes where no cgroup holds them: its process group, its
// session, and a list of pids, each call tolerating processes that are already gone.
import type { CgroupBackend } from "./cgroup-fs.ts";
import type { Container } from "./container-record.ts";
import { containerMembers, scanProcesses } from "./posix-isolator.ts";

// After SIGKILL the kernel still needs a moment to tear processes down; one alive past this
// bound is stuck in the kernel (D state) and is left behind rather than hanging wait().
const SESSION_GONE_TIMEOUT_MS = 5_000;
const SESSION_GONE_POLL_MS = 5;

/**
 * SIGKILLs what is left of a posix container's session and process group until nothing
 * (but zombies) remains. Orphaned zombies are ignored: reaping them is init's job, and a slow
 * init must not delay the container's end. The common case (nothing left) costs one kill(2).
 */
export async function killSessionRest(leaderPid: number): Promise<void> {
  try {
    process.kill(-leaderPid, 0);
  } catch {
    return;
  }
  const deadline = Date.now() + SESSION_GONE_TIMEOUT_MS;
  for (;;) {
    const members = containerMembers(scanProcesses(), leaderPid);
    if (members.length === 0 || Date.now() > deadline) return;
    signalPids(
      members.map((p) => p.pid),
      "SIGKILL",
    );
    await new Promise((r) => setTimeout(r, SESSION_GONE_POLL_MS));
  }
}

export function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // The group is empty.
  }
}

export function signalPids(pids: Iterable<number>, signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

/** Signals a container's whole tree: the processes of its cgroup, or of its session and
 *  group. `spare` is left out (a pid namespace's init, see LinuxContainerizer.destroy). */
export function signalContainer(
  c: Container,
  backend: CgroupBackend | null,
  signal: NodeJS.Signals,
  spare: number | null,
): void {
  const pids = new Set<number>();
  if (backend !== null && c.inCgroups) {
    for (const pid of backend.pids(c.id)) pids.add(pid);
  } else {
    for (const p of containerMembers(scanProcesses(), c.pid)) pids.add(p.pid);
  }
  if (spare === null) {
    killGroup(c.pid, signal);
  } else {
    pids.delete(spare);
  }
  signalPids(pids, signal);
}
