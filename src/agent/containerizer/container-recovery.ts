// Recovery of the containerizer after an agent restart: the containers the checkpoint knows are
// re-attached by pid (or found gone), and orphans are destroyed, as Mesos destroys them: every
// other cgroup under the root (when asked), and the containers the runtime log
// (runtime-log.ts) says this containerizer started but no checkpoint knows. Then the log is
// rewritten with only the containers still running.
import { readBootTimeMs } from "../../base/boot-id.ts";
import type { CgroupBackend } from "./cgroup-fs.ts";
import type { Container } from "./container-record.ts";
import type { KnownContainer, RecoverResult } from "./containerizer.ts";
import { containerMembers, readProcStat, scanProcesses, USER_HZ } from "./posix-isolator.ts";
import { killGroup, killSessionRest } from "./process-kill.ts";
import { type RuntimeEntry, type RuntimeLog, sameProcess } from "./runtime-log.ts";

/** A container re-attached by recovery, as the log records it. */
export interface LiveContainer {
  readonly id: string;
  readonly pid: number;
  readonly startTimeTicks: number | null;
}

/** The containerizer's side of recovery. */
export interface RecoveringContainerizer {
  readonly backend: CgroupBackend | null;
  readonly runtimeLog: RuntimeLog | null;
  isLive(containerId: string): boolean;
  live(): Iterable<Container>;
  /** Tracks a known container (not the agent's child), started at `startTimeTicks`. */
  adopt(k: KnownContainer & { pid: number }, startTimeTicks: number | null): Container;
  /** Ends a tracked container whose process is gone (its wait() resolves), with the end its
   *  launcher logged, waiting (bounded) for the line: a zombie's launcher is about to write
   *  it, and a launcher retries a line a full disk refused. */
  finish(c: Container): Promise<void>;
  /** The pid the containerizer's logs name for a container whose pid file is missing, also
   *  when it has ended since. */
  loggedPid(containerId: string): number | undefined;
  /** Whether its launcher logged the container's end (exit-log.ts). */
  loggedEnd(containerId: string): boolean;
}

export async function recoverContainers(
  host: RecoveringContainerizer,
  known: readonly KnownContainer[],
  cgroupOrphans: boolean,
): Promise<RecoverResult> {
  const recovered: string[] = [];
  const gone: string[] = [];
  const knownIds = new Set(known.map((k) => k.containerId));
  // The ends of the gone ones are awaited together: each may wait for its launcher's line.
  const ending: Promise<void>[] = [];
  for (const k of known) {
    if (host.isLive(k.containerId)) continue;
    // A container the checkpoint knows is never an orphan, even when the agent died before
    // it wrote its pid file: the launch is in the containerizer's logs, or never started.
    const pid = k.pid ?? host.loggedPid(k.containerId);
    if (pid === undefined) {
      gone.push(k.containerId);
      continue;
    }
    // Ended by its launcher's log: whatever has the pid now is another process. This is also
    // how a launch the dying agent had in flight is found when it ended before this recovery
    // (no pid file yet): gone with the status logged, not unknown.
    const ended = host.loggedEnd(k.containerId);
    const stat = ended ? null : readProcStat(pid);
    // Our container leaders are session leaders (setsid); anything else is a reused pid.
    const alive = stat !== null && stat.state !== "Z" && stat.session === pid;
    const c = host.adopt({ ...k, pid }, stat?.startTimeTicks ?? null);
    if (alive) {
      recovered.push(k.containerId);
    } else {
      gone.push(k.containerId);
      ending.push(host.finish(c));
    }
  }
  await Promise.all(ending);
  const orphansRemoved: string[] = [];
  const isKnown = (id: string) => knownIds.has(id) || host.isLive(id);
  const backend = host.backend;
  if (backend !== null && cgroupOrphans) {
    for (const id of backend.list()) {
      if (isKnown(id)) continue;
      const removed = await backend.destroy(id);
      if (removed.ok) orphansRemoved.push(id);
    }
  }
  if (host.runtimeLog !== null) {
    await destroyLoggedOrphans(host.runtimeLog, backend, isKnown, host.live(), orphansRemoved);
  }
  return { recovered, gone, orphansRemoved };
}

/** Kills and removes the logged orphans, adding their ids to `orphansRemoved`. */
async function destroyLoggedOrphans(
  log: RuntimeLog,
  backend: CgroupBackend | null,
  isKnown: (containerId: string) => boolean,
  live: Iterable<LiveContainer>,
  orphansRemoved: string[],
): Promise<void> {
  const logged = log.live();
  const bootMs = readBootTimeMs();
  const startedAtMs = (ticks: number) =>
    bootMs === undefined ? Number.NaN : bootMs + (ticks * 1000) / USER_HZ;
  for (const e of logged.values()) {
    if (isKnown(e.containerId)) continue;
    const stat = readProcStat(e.pid);
    const running =
      stat !== null &&
      stat.state !== "Z" &&
      stat.session === e.pid &&
      sameProcess(e, startedAtMs(stat.startTimeTicks));
    // The leader gone, what is left of its session still has its id as session id (the
    // kernel does not hand out an id in use), so it too can be found and killed.
    const rest = stat === null && containerMembers(scanProcesses(), e.pid).length > 0;
    if (running || rest) {
      killGroup(e.pid, "SIGKILL");
      await killSessionRest(e.pid);
    }
    // Its cgroups are ours by the log, even where the process is gone.
    const cgroups = backend?.exists(e.containerId) === true;
    if (cgroups) await backend?.destroy(e.containerId);
    if ((running || rest || cgroups) && !orphansRemoved.includes(e.containerId)) {
      orphansRemoved.push(e.containerId);
    }
  }
  const still: RuntimeEntry[] = [];
  for (const c of live) {
    const entry = logged.get(c.id);
    if (entry !== undefined) still.push(entry);
    else if (c.startTimeTicks !== null) {
      still.push({ containerId: c.id, pid: c.pid, startedAtMs: startedAtMs(c.startTimeTicks) });
    }
  }
  log.rewrite(still.filter((e) => Number.isFinite(e.startedAtMs)));
}
