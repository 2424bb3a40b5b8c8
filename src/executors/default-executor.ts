// The default executor (Mesos's ExecutorInfo type DEFAULT, for LAUNCH_GROUP; reference §3):
// its own process in the executor's container, speaking /api/v1/executor through the SDK's
// ExecutorClient. Each task of a task group runs as a child process of the executor, so every
// task shares the executor's sandbox (its working directory, MESOS_SANDBOX) and its network
// namespace (a task reaches another on localhost), and the container's cgroups hold them all.
//
// Behaviour matched (Mesos's default executor): each task gets its own TASK_STARTING and
// TASK_RUNNING, and TASK_FINISHED (exit 0) or TASK_FAILED ("Command exited with status N");
// its own health check (healthy flips, a kill after consecutive failures); when one task ends
// in failure or is killed, the rest of its group is killed (TASK_KILLED) — Mesos's default
// "kill the group" policy; a KILL kills the whole group (a task group is one unit); each kill
// is SIGTERM to the task's process group, SIGKILL after the kill policy's grace period
// (KILL's > TaskInfo's > 3 s). The executor exits once every task is terminal and every
// update acknowledged, or on SHUTDOWN after killing what runs.
//
// Why child processes, not nested containers: the executor is a plain process in the
// container the agent made for it; the children inherit that container's namespaces and
// cgroups, which is what sharing means here. A task that names its own image is the exception:
// it runs in a nested container the agent provisions (nested-tasks.ts), in the executor's
// network, with its own sandbox below the executor's (SANDBOX_PATH PARENT volumes share paths
// of the executor's sandbox), as Mesos's default executor runs every task.
import { type ChildProcess, spawn } from "node:child_process";
import { DEFAULT_KILL_GRACE_MS, terminationMessage } from "../agent/executor/command-executor.ts";
import { HealthChecker } from "../agent/executor/health-check.ts";
import { ExecutorClient } from "../sdk/executor-client.ts";
import type { ContainerID } from "../wire/ids.ts";
import type { TaskInfo } from "../wire/task.ts";
import { type NestedEnd, NestedTasks, needsOwnContainer, taskRefusal } from "./nested-tasks.ts";

interface RunningTask {
  readonly info: TaskInfo;
  readonly group: string;
  child: ChildProcess | undefined;
  /** Its nested container, for a task in its own image. */
  nested: ContainerID | undefined;
  /** The SIGKILL pending after a nested task's grace period. */
  killTimer: NodeJS.Timeout | undefined;
  health: HealthChecker | undefined;
  /** Set once a kill began: the terminal state and message it ends with. */
  killing: { message: string; healthy?: boolean } | undefined;
  terminal: boolean;
  terminalUuid: string | undefined;
  /** The task's last status update sent (they go out in order). */
  updates: Promise<void>;
}

const executor = new ExecutorClient();
const tasks = new Map<string, RunningTask>();
let groups = 0;
let shuttingDown = false;
/** Status updates waiting for the one before them (not yet handed to the client). */
let queuedUpdates = 0;
/** The executor's own container (SUBSCRIBED), the parent of nested tasks. */
let ownContainer: ContainerID | undefined;
let nestedClient: NestedTasks | undefined;
const nestedTasks = () => {
  nestedClient ??= new NestedTasks();
  return nestedClient;
};

function taskEnv(info: TaskInfo): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  for (const v of info.command?.environment?.variables ?? []) env[v.name] = v.value ?? "";
  env.MESOS_TASK_ID = info.task_id.value;
  return env;
}

async function update(
  task: RunningTask,
  state: "TASK_STARTING" | "TASK_RUNNING" | "TASK_FINISHED" | "TASK_FAILED" | "TASK_KILLED",
  extra: { message?: string; healthy?: boolean } = {},
): Promise<void> {
  const terminal = state !== "TASK_STARTING" && state !== "TASK_RUNNING";
  if (terminal) task.terminal = true;
  // One at a time per task: a health change sent without waiting and the kill it causes
  // went out on two connections, and the terminal update could overtake it.
  queuedUpdates++;
  const send = task.updates.then(() => {
    queuedUpdates--;
    return executor.sendUpdate({
      taskId: task.info.task_id.value,
      state,
      ...extra,
      ...(extra.healthy !== undefined && !terminal
        ? { reason: "REASON_TASK_HEALTH_CHECK_STATUS_UPDATED" as const }
        : {}),
    });
  });
  task.updates = send.then(
    () => undefined,
    () => undefined,
  );
  const sent = await send;
  if (terminal) task.terminalUuid = sent.uuid;
}

function graceMs(task: RunningTask, override?: number): number {
  if (override !== undefined) return override;
  const ns = task.info.kill_policy?.grace_period?.nanoseconds;
  return ns === undefined ? DEFAULT_KILL_GRACE_MS : ns / 1e6;
}

/** SIGTERM to the task's process group, SIGKILL after the grace period. */
function kill(task: RunningTask, why: { message: string; healthy?: boolean }, grace?: number) {
  if (task.terminal || task.killing !== undefined) return;
  task.killing = why;
  task.health?.stop();
  if (task.nested !== undefined) {
    killNested(task, task.nested, graceMs(task, grace));
    return;
  }
  const child = task.child;
  if (child?.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-(child.pid as number), name);
    } catch {
      // the group is gone already
    }
  };
  signal("SIGTERM");
  const timer = setTimeout(() => signal("SIGKILL"), graceMs(task, grace));
  child.once("exit", () => clearTimeout(timer));
}

/** SIGTERM through the agent, SIGKILL after the grace period (cleared once it has ended). */
function killNested(task: RunningTask, id: ContainerID, grace: number): void {
  void nestedTasks().kill(id, "SIGTERM");
  task.killTimer = setTimeout(() => void nestedTasks().kill(id, "SIGKILL"), grace);
}

function killGroup(group: string, message: string, grace?: number): void {
  for (const t of tasks.values()) if (t.group === group) kill(t, { message }, grace);
}

async function start(task: RunningTask): Promise<void> {
  const { info } = task;
  const command = info.command;
  await update(task, "TASK_STARTING");
  if (task.killing !== undefined) {
    await update(task, "TASK_KILLED", { message: task.killing.message });
    return;
  }
  const refused = taskRefusal(info);
  if (refused !== undefined) return failBeforeStart(task, refused);
  if (needsOwnContainer(info)) return startNested(task);
  const argv =
    command?.shell === false
      ? [command.value ?? "", ...(command.arguments ?? []).slice(1)]
      : ["/bin/sh", "-c", command?.value ?? "true"];
  const env = taskEnv(info);
  const child = spawn(argv[0] as string, argv.slice(1), {
    cwd: process.cwd(),
    env,
    detached: true,
    stdio: ["ignore", "inherit", "inherit"],
  });
  task.child = child;
  child.on("error", () => {
    // a spawn failure ends in "exit" below with a null code
  });
  // Listened to before anything is awaited: a quick task must not end unseen.
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.once("exit", (code, signal) => resolve([code, signal])),
  );
  await update(task, "TASK_RUNNING");
  watchHealth(task, env);
  const [code, signal] = await exited;
  await ended(task, code, signal);
}

/** Its health check, if it has one: health changes reported, a kill after too many failures. */
function watchHealth(task: RunningTask, env: Record<string, string>): void {
  const check = task.info.health_check;
  if (check === undefined) return;
  task.health = new HealthChecker(check, env, process.cwd(), {
    healthChanged: (healthy) => void update(task, "TASK_RUNNING", { healthy }),
    unhealthy: (failures) =>
      kill(task, {
        healthy: false,
        message: `Task was killed since health check failed ${failures} times consecutively`,
      }),
  });
}

/** The task could not be started: it fails, and takes its group down with it. */
async function failBeforeStart(task: RunningTask, message: string): Promise<void> {
  await update(task, "TASK_FAILED", { message });
  killGroup(task.group, `Killed since task ${task.info.task_id.value} of its group ended`);
}

/** A task in its own image: a nested container the agent launches (nested-tasks.ts). */
async function startNested(task: RunningTask): Promise<void> {
  const { info } = task;
  const fail = (message: string) => failBeforeStart(task, message);
  if (ownContainer === undefined) return fail("The executor's container is not known");
  // A COMMAND check would run here, outside the task's image.
  if (info.health_check?.type === "COMMAND") {
    return fail("A COMMAND health check of a task in its own image is not supported");
  }
  const launched = await nestedTasks().launch(ownContainer, info);
  if (!launched.ok) return fail(launched.message);
  task.nested = launched.id;
  const end: Promise<NestedEnd> = nestedTasks().wait(launched.id);
  // A kill that came while it was launching.
  if (task.killing !== undefined) killNested(task, launched.id, graceMs(task));
  await update(task, "TASK_RUNNING");
  if (task.killing === undefined) watchHealth(task, taskEnv(info));
  const { code, signal } = await end;
  clearTimeout(task.killTimer);
  await ended(task, code, signal);
}

async function ended(task: RunningTask, code: number | null, signal: NodeJS.Signals | null) {
  task.health?.stop();
  const why = task.killing;
  if (why !== undefined) {
    await update(task, "TASK_KILLED", {
      message: why.message,
      ...(why.healthy === undefined ? {} : { healthy: why.healthy }),
    });
  } else {
    const message = terminationMessage({
      exitCode: code,
      signal,
      waitStatus: null,
      destroyed: false,
    });
    await update(task, code === 0 ? "TASK_FINISHED" : "TASK_FAILED", { message });
  }
  // Mesos's default executor kills the rest of the group when one task fails or is killed.
  if (code !== 0 || why !== undefined)
    killGroup(task.group, `Killed since task ${task.info.task_id.value} of its group ended`);
}

/**
 * Every task terminal and every update acknowledged. The client records an update as
 * unacknowledged before its POST goes out, so a terminal update still in flight counts.
 */
function allDone(): boolean {
  for (const t of tasks.values()) if (!t.terminal) return false;
  return queuedUpdates === 0 && executor.unacknowledgedUpdates.length === 0;
}

function newTask(info: TaskInfo, group: string): RunningTask {
  return {
    info,
    group,
    child: undefined,
    nested: undefined,
    killTimer: undefined,
    health: undefined,
    killing: undefined,
    terminal: false,
    terminalUuid: undefined,
    updates: Promise.resolve(),
  };
}

executor.on("subscribed", (subscribed) => {
  ownContainer = subscribed.containerId;
});

executor.on("launchGroup", (group) => {
  const id = `group-${++groups}`;
  const list = (group.tasks ?? []).map((info) => newTask(info, id));
  for (const t of list) tasks.set(t.info.task_id.value, t);
  // Not awaited: the client delivers the next event (a KILL, an ACKNOWLEDGED) only once a
  // handler returns, and a task runs for as long as it likes.
  for (const t of list) void start(t);
});

executor.on("launch", (info) => {
  // A single task on the default executor is a group of one.
  const t = newTask(info, `group-${++groups}`);
  tasks.set(info.task_id.value, t);
  void start(t);
});

executor.on("kill", ({ taskId, killPolicy }) => {
  const task = tasks.get(taskId);
  if (task === undefined) return;
  const ns = killPolicy?.grace_period?.nanoseconds;
  // A task group is one unit: killing one of its tasks kills them all.
  killGroup(task.group, "Killed by the scheduler", ns === undefined ? undefined : ns / 1e6);
});

executor.on("acknowledged", () => {
  if (allDone() && tasks.size > 0) void executor.stop().then(() => process.exit(0));
});

executor.on("shutdown", () => {
  shuttingDown = true;
  for (const t of tasks.values()) kill(t, { message: "Killed since the executor shuts down" });
  if (allDone()) void executor.stop().then(() => process.exit(0));
});

process.on("SIGTERM", () => {
  for (const t of tasks.values())
    kill(t, { message: "Killed since the executor was terminated" }, 0);
  setTimeout(() => process.exit(shuttingDown ? 0 : 1), 500).unref();
});

await executor.start();
process.exit(0);
