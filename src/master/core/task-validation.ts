// Validation of a TaskInfo at ACCEPT, in Mesos's order (src/master/validation.cpp
// task::internal::validateTask, then the executor and resource-usage checks; reference §2.7).
// Each check returns the message the framework sees in TASK_ERROR.
import { Resources, validateResources, withOptions } from "../../resources/index.ts";
import { resourcesFromWire } from "../../resources/wire-format.ts";
import { validateId } from "../../wire/ids.ts";
import { wireByteLength } from "../../wire/json.ts";
import { checkTaskInfoShape } from "../../wire/task.ts";
import type { FrameworkRecord } from "./state.ts";
import type { ExecutorInfo, TaskInfo } from "./wire-types.ts";

/**
 * Most a TaskInfo may weigh as JSON (labels, data, command, container, its executor: all of
 * it). The master keeps a task's labels and container, the agent checkpoints the whole TaskInfo
 * and reports its Task (and executor) in every re-registration, so what one task carries is
 * paid again on each failover. Real TaskInfos are far smaller: a few KiB, Aurora's serialized
 * job configuration in `data` tens of KiB. 256 KiB leaves room for those and refuses the 2.2 MB
 * labels that locked an agent out (issue 22), with a TASK_ERROR saying so.
 */
export const TASK_INFO_MAX_BYTES = 256 * 1024;

/**
 * Most the TaskInfos of the tasks on one agent may weigh together. An agent's re-registration
 * carries them all, and the agent channel takes bodies of twice this
 * (AGENT_CHANNEL_MAX_BODY_BYTES), the other half for the agent's info, executors, frameworks and
 * statuses: so a re-registration always fits what the master admitted. 16 MiB is 64 tasks at
 * the per-task bound, or 16,000 tasks of 1 KiB.
 */
export const AGENT_TASK_INFOS_MAX_BYTES = 16 * 1024 * 1024;

export interface TaskValidationContext {
  framework: FrameworkRecord;
  agentId: string;
  /** Allocation role of the offers, injected into resources that carry none. */
  role: string;
  /** Task ids launched earlier in the same ACCEPT. */
  launchedIds: ReadonlySet<string>;
  /** Executors known on the agent (running, or launched earlier in this ACCEPT). */
  executorKnown(executorId: string): boolean;
  /** What is left of the offered resources. */
  available: Resources;
  /** What is left of the agent's AGENT_TASK_INFOS_MAX_BYTES. */
  agentBytesLeft: number;
}

export type TaskValidation =
  | { ok: true; resources: Resources; usage: Resources; bytes: number }
  | { ok: false; message: string };

/** The size bounds above, for a TaskInfo or ExecutorInfo of `bytes`. */
function sizeError(
  what: string,
  bytes: number,
  agentId: string,
  agentBytesLeft: number,
): string | undefined {
  if (bytes > TASK_INFO_MAX_BYTES) {
    return `${what} is ${bytes} bytes as JSON, more than the ${TASK_INFO_MAX_BYTES} bytes a task may carry (labels, data, command and executor included)`;
  }
  if (bytes > agentBytesLeft) {
    return `${what} is ${bytes} bytes as JSON and agent ${agentId} has room for ${agentBytesLeft} more: the tasks on one agent may carry ${AGENT_TASK_INFOS_MAX_BYTES} bytes together`;
  }
  return undefined;
}

/** Converts wire resources and injects the allocation role, as the master does at ACCEPT. */
export function operationResources(
  list: NonNullable<TaskInfo["resources"]>,
  role: string,
): { ok: true; value: Resources } | { ok: false; message: string } {
  const parsed = resourcesFromWire(list);
  if (!parsed.ok) return { ok: false, message: parsed.message };
  return {
    ok: true,
    value: parsed.value.map((r) =>
      r.allocationRole === undefined ? withOptions(r, { allocationRole: role }) : r,
    ),
  };
}

export function validateTask(task: TaskInfo, ctx: TaskValidationContext): TaskValidation {
  const taskId = task.task_id.value;
  const idError = validateId(taskId);
  if (idError !== undefined) return fail(`Task ID '${taskId}' is invalid: ${idError}`);
  const bytes = wireByteLength(task);
  const tooBig = sizeError(`Task '${taskId}'`, bytes, ctx.agentId, ctx.agentBytesLeft);
  if (tooBig !== undefined) return fail(tooBig);
  if (
    ctx.launchedIds.has(taskId) ||
    ctx.framework.tasks.has(taskId) ||
    ctx.framework.unreachableTasks.has(taskId)
  ) {
    return fail(`Task has duplicate ID: ${taskId}`);
  }
  if (task.agent_id.value !== ctx.agentId) {
    return fail(`Task uses invalid agent: ${task.agent_id.value}`);
  }
  const grace = task.kill_policy?.grace_period?.nanoseconds;
  if (grace !== undefined && grace < 0) {
    return fail("Task's 'kill_policy.grace_period' must be non-negative");
  }
  const maxCompletion = task.max_completion_time?.nanoseconds;
  if (maxCompletion !== undefined && maxCompletion < 0) {
    return fail("Task's `max_completion_time` must be non-negative");
  }
  if ((task.resources ?? []).length === 0) return fail("Task uses no resources");
  const converted = operationResources(task.resources ?? [], ctx.role);
  if (!converted.ok) return fail(`Task uses invalid resources: ${converted.message}`);
  const resources = converted.value;
  const resourceError = validateResources(resources);
  if (resourceError !== undefined) return fail(`Task uses invalid resources: ${resourceError}`);
  if (!resources.revocable().isEmpty() && !resources.nonRevocable().isEmpty()) {
    return fail("Task mixes revocable and non-revocable resources");
  }
  const shapeError = checkTaskInfoShape(task);
  if (shapeError !== undefined) return fail(shapeError);
  let usage = resources;
  if (task.executor !== undefined) {
    const executorError = validateExecutor(task.executor, ctx.framework.id);
    if (executorError !== undefined) return fail(executorError);
    if (!ctx.executorKnown(task.executor.executor_id.value)) {
      const executorResources = operationResources(task.executor.resources ?? [], ctx.role);
      if (!executorResources.ok) {
        return fail(`Executor uses invalid resources: ${executorResources.message}`);
      }
      usage = usage.add(executorResources.value);
    }
  }
  if (!ctx.available.contains(usage)) {
    return fail(
      `Task uses more resources ${usage.toString()} than available ${ctx.available.toString()}`,
    );
  }
  return { ok: true, resources, usage, bytes };
}

export function validateExecutor(executor: ExecutorInfo, frameworkId: string): string | undefined {
  const idError = validateId(executor.executor_id.value);
  if (idError !== undefined) {
    return `Executor ID '${executor.executor_id.value}' is invalid: ${idError}`;
  }
  const claimed = executor.framework_id?.value;
  if (claimed !== undefined && claimed !== frameworkId) {
    return `ExecutorInfo has an invalid FrameworkID (Actual: ${claimed} vs Expected: ${frameworkId})`;
  }
  if (executor.type !== "DEFAULT" && executor.command === undefined) {
    return "Executor has no CommandInfo";
  }
  return undefined;
}

export type GroupCheck =
  | { ok: true; usage: Resources; resources: Resources[]; bytes: number[] }
  | { ok: false; message: string };

/** A LAUNCH_GROUP's executor and tasks, checked together against what is available. */
export function validateGroup(
  base: TaskValidationContext,
  executor: ExecutorInfo,
  tasks: readonly TaskInfo[],
  hasOperationId: boolean,
): GroupCheck {
  if (hasOperationId)
    return { ok: false, message: "The 'id' field is not supported for LAUNCH_GROUP operations" };
  if (tasks.length === 0) return { ok: false, message: "Task group is empty" };
  if (executor.type !== "DEFAULT")
    return { ok: false, message: "'ExecutorInfo.type' must be 'DEFAULT'" };
  const executorError = validateExecutor(executor, base.framework.id);
  if (executorError !== undefined) return { ok: false, message: executorError };
  // Each task is counted with the executor's weight: an over-estimate, on the safe side, that
  // stays right whichever of the group's tasks ends first.
  const executorBytes = wireByteLength(executor);
  const executorName = `Executor '${executor.executor_id.value}'`;
  const tooBig = sizeError(executorName, executorBytes, base.agentId, base.agentBytesLeft);
  if (tooBig !== undefined) return { ok: false, message: tooBig };
  const bytes: number[] = [];
  let bytesLeft = base.agentBytesLeft;
  const ids = new Set<string>(base.launchedIds);
  const resources: Resources[] = [];
  let usage = Resources.empty();
  for (const task of tasks) {
    if (task.executor !== undefined) {
      return {
        ok: false,
        message: `'TaskInfo.executor' must not be set for task '${task.task_id.value}' in a task group`,
      };
    }
    // Mesos's task group rules: the group's network is the executor's, and a nested
    // container runs in the Mesos containerizer.
    if ((task.container?.network_infos ?? []).length > 0)
      return { ok: false, message: "NetworkInfos must not be set on the task" };
    if (task.container?.type === "DOCKER")
      return { ok: false, message: "Docker ContainerInfo is not supported on the task" };
    // Each task is validated as if it ran on the group's executor (a command stand-in).
    const result = validateTask(
      { ...task, command: task.command ?? { shell: true } },
      {
        ...base,
        launchedIds: ids,
        executorKnown: () => true,
        available: base.available.subtract(usage),
        agentBytesLeft: bytesLeft - executorBytes,
      },
    );
    if (!result.ok) return { ok: false, message: result.message };
    ids.add(task.task_id.value);
    resources.push(result.resources);
    usage = usage.add(result.usage);
    bytes.push(result.bytes + executorBytes);
    bytesLeft -= result.bytes + executorBytes;
  }
  if (!base.executorKnown(executor.executor_id.value)) {
    const executorResources = operationResources(executor.resources ?? [], base.role);
    if (!executorResources.ok) {
      return {
        ok: false,
        message: `Executor uses invalid resources: ${executorResources.message}`,
      };
    }
    usage = usage.add(executorResources.value);
  }
  if (!base.available.contains(usage)) {
    return {
      ok: false,
      message: `Task group uses more resources ${usage.toString()} than available ${base.available.toString()}`,
    };
  }
  return { ok: true, usage, resources, bytes };
}

function fail(message: string): TaskValidation {
  return { ok: false, message };
}
