// The ExecutorInfo Mesos synthesises for a command task (reference §3.5, §10.2 item 12):
// executor_id = task_id, a descriptive name, the task's container/URIs/env/user, and
// `cpus:0.1;mem:32` of overhead added on top of the task, allocated to the task's role.
import type { Resource } from "../../wire/resource.ts";
import type { ExecutorInfo, TaskInfo } from "../../wire/task.ts";

export const COMMAND_EXECUTOR_CPUS = 0.1;
export const COMMAND_EXECUTOR_MEM_MB = 32;
/** Mesos's MAX_REAP_INTERVAL (1 s) plus the 1 s it adds to a kill policy's grace period. */
const KILL_POLICY_EXTRA_NS = 2_000_000_000;
export const DEFAULT_COMMAND_EXECUTOR_PATH = "tessera-command-executor";

/** "(Command: sh -c 'sleep 1000')", long commands cut to 12 characters and "...". */
function commandLabel(task: TaskInfo): string {
  const command = task.command;
  const value = command?.value ?? "";
  if (command?.shell !== false) {
    const shown = value.length > 15 ? `${value.slice(0, 12)}...` : value;
    return `(Command: sh -c '${shown}')`;
  }
  return `(Command: [${[value, ...(command.arguments ?? [])].join(", ")}])`;
}

/** The role the task's resources are allocated to (MULTI_ROLE `allocation_info`). */
export function taskRole(resources: readonly Resource[] | undefined): string | undefined {
  for (const r of resources ?? []) {
    const role = r.allocation_info?.role ?? r.role;
    if (role !== undefined) return role;
  }
  return undefined;
}

/** One of the command executor's own resources, allocated to the task's role. */
function executorScalar(name: string, value: number, role: string | undefined): Resource {
  return {
    name,
    type: "SCALAR",
    scalar: { value },
    reservations: [],
    ...(role === undefined ? {} : { allocation_info: { role } }),
  };
}

export function commandExecutorInfo(
  task: TaskInfo,
  frameworkId: string,
  commandExecutorPath: string = DEFAULT_COMMAND_EXECUTOR_PATH,
): ExecutorInfo {
  const role = taskRole(task.resources);
  const info: ExecutorInfo = {
    executor_id: { value: task.task_id.value },
    framework_id: { value: frameworkId },
    name: `Command Executor (Task: ${task.task_id.value}) ${commandLabel(task)}`,
    source: task.task_id.value,
    command: {
      value: commandExecutorPath,
      shell: false,
      arguments: [],
      uris: task.command?.uris ?? [],
      ...(task.command?.environment === undefined ? {} : { environment: task.command.environment }),
      ...(task.command?.user === undefined ? {} : { user: task.command.user }),
    },
    resources: [
      executorScalar("cpus", COMMAND_EXECUTOR_CPUS, role),
      executorScalar("mem", COMMAND_EXECUTOR_MEM_MB, role),
    ],
  };
  if (task.container !== undefined) info.container = task.container;
  if (task.labels !== undefined) info.labels = task.labels;
  if (task.discovery !== undefined) info.discovery = task.discovery;
  const grace = task.kill_policy?.grace_period?.nanoseconds;
  if (grace !== undefined) {
    info.shutdown_grace_period = { nanoseconds: grace + KILL_POLICY_EXTRA_NS };
  }
  return info;
}
