// Recovery on start (reference §8.3): the checkpoint is read, the containers of checkpointing
// frameworks are re-attached by the pid in `runs/<c>/pids/forked.pid`, containers no
// checkpoint knows are destroyed as orphans, and the core decides: with --recover=reconnect
// running tasks keep running (command executors are re-created here and re-subscribe; custom
// executors re-subscribe on their own), with --recover=cleanup every container is destroyed
// and its tasks reported.
import { readFile } from "node:fs/promises";
import type { Logger } from "pino";
import type { TaskInfo } from "../wire/task.ts";
import { readAgentState } from "./checkpoint/index.ts";
import type { Containerizer, KnownContainer, Termination } from "./containerizer/containerizer.ts";
import { latestAgentLink, sandboxPath } from "./core/paths.ts";
import type { RecoveredAgentState, RecoveredExecutor } from "./core/types.ts";
import type { AgentDispatcher } from "./dispatcher.ts";
import type { AgentCommandFlags } from "./flags.ts";
import { type Launching, pidFile } from "./launching.ts";
import { AgentStartError } from "./start-error.ts";

export interface RecoveryParts {
  flags: AgentCommandFlags;
  logger: Logger;
  containerizer: Containerizer;
  dispatcher: AgentDispatcher;
  launching: Launching;
}

type ContainerWait = Promise<{ ok: true; value: Termination } | { ok: false }>;

/** What recovery found: Mesos's slave/recovery_errors and slave/recovery_time_secs. */
export interface RecoverySummary {
  /** Checkpoints that could not be read (with --strict=false; with --strict the start fails). */
  errors: number;
  durationMs: number;
}

/** Reads the checkpoint, re-attaches what still runs, and gives the core its `recover`. */
export async function recoverAgent(parts: RecoveryParts): Promise<RecoverySummary> {
  const startedAt = performance.now();
  const summary: RecoverySummary = { errors: 0, durationMs: 0 };
  const state = await readCheckpoint(parts.flags, parts.logger, () => summary.errors++);
  // Recovery runs even with nothing checkpointed: containers no checkpoint knows (tasks of
  // frameworks that do not checkpoint, an earlier agent's cgroups) are orphans to destroy.
  const known = state === undefined || state.rebooted ? [] : await knownContainers(parts, state);
  // Every cgroup under the root is this agent's only when it has a checkpoint to go by: a
  // fresh agent leaves alone what another agent sharing the root may run.
  const result = await parts.containerizer.recover(known, {
    cgroupOrphans: state !== undefined && !state.rebooted,
  });
  // The networks of containers that did not survive are deleted (CNI DEL), the others kept.
  await parts.launching.networks.recover(new Set(result.recovered));
  const live = new Map<string, ContainerWait>();
  for (const id of result.recovered) live.set(id, parts.containerizer.wait(id));
  for (const id of result.gone) {
    // Ended while the agent was down, with the status its launcher logged: the task's end is
    // reported as it was (a command task that exited 0 is TASK_FINISHED), not as unknown.
    const ended = await parts.containerizer.wait(id);
    if (ended.ok && ended.value.waitStatus !== null) live.set(id, Promise.resolve(ended));
  }
  parts.logger.info(
    {
      recovered: result.recovered.length,
      gone: result.gone.length,
      orphans: result.orphansRemoved.length,
    },
    "containers recovered",
  );
  parts.dispatcher.markRecovered();
  parts.dispatcher.dispatch({ kind: "recover", state });
  if (state !== undefined) {
    for (const fw of state.frameworks) {
      const frameworkId = fw.info.id?.value;
      if (fw.info.checkpoint !== true || frameworkId === undefined) continue;
      for (const ex of fw.executors) {
        reattach(parts, state.agentId, frameworkId, ex, live.get(ex.containerId));
      }
    }
  }
  summary.durationMs = performance.now() - startedAt;
  return summary;
}

async function readCheckpoint(
  flags: AgentCommandFlags,
  logger: Logger,
  failed: () => void,
): Promise<RecoveredAgentState | undefined> {
  try {
    return await readAgentState(flags.workDir);
  } catch (error) {
    const message = (error as Error).message;
    // Mesos's --strict: a checkpoint that cannot be recovered stops the agent, so that the
    // tasks it describes are not silently forgotten; the operator decides.
    if (flags.strict) {
      throw new AgentStartError(
        `Failed to recover the agent from ${latestAgentLink(flags.workDir)}: ${message}. Remove that link to start afresh, or start with --strict=false to skip what cannot be read`,
        "strict",
      );
    }
    logger.error({ err: error }, "could not read the checkpoint; starting afresh");
    failed();
    return undefined;
  }
}

/** The checkpointed containers, by the pid their pid file names; one without (the agent died
 *  before writing it) is known all the same: never an orphan, found by the containerizer's
 *  logs if its process started. */
async function knownContainers(
  parts: RecoveryParts,
  state: RecoveredAgentState,
): Promise<KnownContainer[]> {
  const workDir = parts.flags.workDir;
  const known: KnownContainer[] = [];
  for (const fw of state.frameworks) {
    if (fw.info.checkpoint !== true || fw.info.id === undefined) continue;
    const frameworkId = fw.info.id.value;
    for (const ex of fw.executors) {
      const executorId = ex.info.executor_id.value;
      const { containerId } = ex;
      const path = pidFile(workDir, state.agentId, { frameworkId, executorId, containerId });
      const read = Number((await readFile(path, "utf8").catch(() => "")).trim());
      const pid = Number.isInteger(read) && read > 0 ? read : undefined;
      const sandboxDir = sandboxPath(workDir, state.agentId, frameworkId, executorId, containerId);
      known.push({ containerId, pid, sandboxDir });
    }
  }
  return known;
}

/** One checkpointed executor after the core recovered: watched, re-hosted, or reported gone. */
function reattach(
  parts: RecoveryParts,
  agentId: string,
  frameworkId: string,
  ex: RecoveredExecutor,
  wait: ContainerWait | undefined,
): void {
  const { launching } = parts;
  const executorId = ex.info.executor_id.value;
  const executor = parts.dispatcher.core.frameworks.get(frameworkId)?.executors.get(executorId);
  if (wait === undefined) {
    // Its process is gone: the core reports its tasks.
    if (executor !== undefined && executor.phase !== "terminated")
      launching.exited(ex.containerId, undefined);
    return;
  }
  const directory = sandboxPath(
    parts.flags.workDir,
    agentId,
    frameworkId,
    executorId,
    ex.containerId,
  );
  launching.adoptSandbox(ex.containerId, directory);
  const isCommand = ex.info.source === executorId;
  const task = ex.tasks[0]?.task;
  if (
    !isCommand ||
    parts.flags.recover !== "reconnect" ||
    executor?.phase !== "running" ||
    task === undefined
  ) {
    launching.watch(ex.containerId, wait);
    return;
  }
  const staging = task.state === "TASK_STAGING";
  // The state the core recovered (the checkpointed updates'), not the launch record's.
  const latest = executor.tasks.get(task.task_id.value)?.task.state;
  const hosted = launching.hostedExecutor(
    { containerId: ex.containerId, frameworkId, executorId, directory, checkpoint: true },
    {
      env: {},
      user: undefined,
      resources: { cpus: 0.1, memMb: 32 },
      shutdownGraceMs: launching.shutdownGraceMs(ex.info),
      recovered: {
        taskId: task.task_id.value,
        unacknowledgedTasks: staging
          ? [
              {
                name: task.name,
                task_id: task.task_id,
                agent_id: task.agent_id,
                resources: task.resources,
              } as TaskInfo,
            ]
          : [],
        reportRunning: latest === "TASK_STAGING" || latest === "TASK_STARTING",
      },
      recoveredWait: wait.then((r) => (r.ok ? r.value : undefined)),
    },
  );
  void hosted.start();
}
