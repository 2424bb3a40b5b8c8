// The small pure helpers of launching.ts: a container's resources, its pid file, whether a
// task would run as root, and the environment executors inherit.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Resource } from "../wire/resource.ts";
import type { TaskInfo } from "../wire/task.ts";
import type {
  ContainerResources,
  DockerLaunch,
  Termination,
} from "./containerizer/containerizer.ts";
import { findPasswdEntry } from "./containerizer/proc-parse.ts";
import { runMetaDir } from "./core/paths.ts";
import type { PreparedImage } from "./images/container-images.ts";
import type { ContainerNetworkJoin } from "./network/network-join.ts";
/** Sums the scalar resources a container gets (cgroup limits; executor overhead included). */
export function containerResources(resources: readonly Resource[]): ContainerResources {
  let cpus = 0;
  let memMb = 0;
  let diskMb = 0;
  for (const r of resources) {
    const value = r.scalar?.value ?? 0;
    if (r.name === "cpus") cpus += value;
    else if (r.name === "mem") memMb += value;
    else if (r.name === "disk") diskMb += value;
  }
  return { cpus: cpus > 0 ? cpus : 0.1, memMb: memMb > 0 ? memMb : 32, diskMb };
}

/** `runs/<c>/pids/forked.pid`: the executor's pid, by which recovery re-attaches it. */
export function pidFile(
  workDir: string,
  agentId: string,
  l: { frameworkId: string; executorId: string; containerId: string },
): string {
  return join(
    runMetaDir(workDir, agentId, l.frameworkId, l.executorId, l.containerId),
    "pids",
    "forked.pid",
  );
}

/** Whether a task would run as root: as the agent's own user on a root agent, or as a user
 *  whose uid is 0 (an unknown user is the containerizer's error to give). */
export function runsAsRoot(user: string | undefined): boolean {
  if (user === undefined) return process.getuid?.() === 0;
  try {
    return findPasswdEntry(readFileSync("/etc/passwd", "utf8"), user)?.uid === 0;
  } catch {
    return false;
  }
}

/** What executors inherit from the agent when --executor_environment_variables is unset. */
export function inheritedEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !name.startsWith("TESSERA_")) out[name] = value;
  }
  return out;
}

/** A command executor recovered after a restart: its task, and whether it was acknowledged. */
export interface RecoveredHosted {
  taskId: string;
  unacknowledgedTasks: TaskInfo[];
  /** The agent died before the task's TASK_RUNNING was checkpointed (see
   *  CommandExecutorOptions.recovered). */
  reportRunning: boolean;
}

/** A launch's parts ready before its container starts (Launching's #stage). */
export interface Staged {
  readonly user: string | undefined;
  readonly docker: DockerLaunch | undefined;
  readonly image: PreparedImage | undefined;
  readonly network: ContainerNetworkJoin | undefined;
}

/** How Launching.hostedExecutor runs a command executor: new, or recovered after a restart. */
export interface HostedHow {
  env: Record<string, string>;
  user: string | undefined;
  resources: ContainerResources;
  shutdownGraceMs: number;
  recovered?: RecoveredHosted;
  recoveredWait?: Promise<Termination | undefined>;
  network?: ContainerNetworkJoin | undefined;
  image?: PreparedImage | undefined;
  docker?: DockerLaunch | undefined;
}
