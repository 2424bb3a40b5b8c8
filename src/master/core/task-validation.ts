// Validation of a TaskInfo at ACCEPT, in Mesos's order (src/master/validation.cpp
// task::internal::validateTask, then the executor and resource-usage checks; reference §2.7).
// Each check returns the message the framework sees in TASK_ERROR.
import { Resources, validateResources, withOptions } from "../../resources/index.ts";
import { resourcesFromWire } from "../../resources/wire-format.ts";
import { validateId } from "../../wire/ids.ts";
import { checkTaskInfoShape } from "../../wire/task.ts";
import type { FrameworkRecord } from "./state.ts";
import type { ExecutorInfo, TaskInfo } from "./wire-types.ts";

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
}

export type TaskValidation =
  | { ok: true; resources: Resources; usage: Resources }
  | { ok: false; message: string };

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
  return { ok: true, resources, usage };
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
  | { ok: true; usage: Resources; resources: Resources[] }
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
    // Each task is validated as if it ran on the group's executor (a command stand-in).
    const result = validateTask(
      { ...task, command: task.command ?? { shell: true } },
      {
        ...base,
        launchedIds: ids,
        executorKnown: () => true,
        available: base.available.subtract(usage),
      },
    );
    if (!result.ok) return { ok: false, message: result.message };
    ids.add(task.task_id.value);
    resources.push(result.resources);
    usage = usage.add(result.usage);
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
  return { ok: true, usage, resources };
}

function fail(message: string): TaskValidation {
  return { ok: false, message };
}
