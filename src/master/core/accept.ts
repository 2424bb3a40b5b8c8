// ACCEPT and DECLINE (reference §1.5): offer validation, then the operations in order, then the
// unused resources back to the allocator with the call's filters. Invalid offers turn every task
// into TASK_DROPPED (PARTITION_AWARE) or TASK_LOST with REASON_INVALID_OFFERS; an invalid task
// gets TASK_ERROR and changes nothing else.
import { Resources } from "../../resources/index.ts";
import { refuseSecondsOf, removeOffer } from "./offers.ts";
import { reserve, unreserve } from "./reservations.ts";
import type { Ctx, FrameworkRecord, OfferRecord, TaskRecord } from "./state.ts";
import { stateFor } from "./task-states.ts";
import {
  operationResources,
  type TaskValidationContext,
  validateExecutor,
  validateTask,
} from "./task-validation.ts";
import { addTask, masterStatus, type TaskReason } from "./tasks.ts";
import type { ExecutorInfo, OfferOperation, TaskInfo, TaskState } from "./wire-types.ts";

type OfferCheck =
  | { ok: true; offers: OfferRecord[] }
  | { ok: false; message: string; reason: TaskReason; offers: OfferRecord[] };

/** Mesos's offer validation: known, ours, not duplicated, one agent, one role (in that order). */
function validateOffers(
  ctx: Ctx,
  framework: FrameworkRecord,
  offerIds: readonly string[],
): OfferCheck {
  const offers: OfferRecord[] = [];
  const seen = new Set<string>();
  let error: string | undefined;
  if (offerIds.length === 0) error = "No offers specified";
  for (const id of offerIds) {
    if (seen.has(id)) {
      error ??= `Duplicate offer ${id} in offer list`;
      continue;
    }
    seen.add(id);
    const offer = ctx.s.offers.get(id);
    if (offer === undefined) {
      error ??= `Offer ${id} is no longer valid`;
      continue;
    }
    if (offer.frameworkId !== framework.id) {
      error ??= `Offer ${id} has invalid framework`;
      continue;
    }
    const first = offers[0];
    if (first !== undefined && first.agentId !== offer.agentId) {
      error ??= `Aggregated offers must belong to one single agent. Offer ${id} uses agent ${offer.agentId} and offer ${first.id} uses agent ${first.agentId}`;
    }
    if (first !== undefined && first.role !== offer.role) {
      error ??= `Aggregated offers must be allocated to the same role. Offer ${id} uses role ${offer.role} and offer ${first.id} uses role ${first.role}`;
    }
    offers.push(offer);
  }
  if (error !== undefined)
    return { ok: false, message: error, reason: "REASON_INVALID_OFFERS", offers };
  const agent = ctx.s.agents.get(offers[0]?.agentId ?? "");
  if (agent === undefined || agent.removing) {
    return { ok: false, message: "Agent removed", reason: "REASON_AGENT_REMOVED", offers };
  }
  if (agent.connection !== "registered") {
    return {
      ok: false,
      message: "Agent disconnected",
      reason: "REASON_AGENT_DISCONNECTED",
      offers,
    };
  }
  return { ok: true, offers };
}

function tasksOf(operation: OfferOperation): TaskInfo[] {
  if (operation.type === "LAUNCH") return operation.launch?.task_infos ?? [];
  if (operation.type === "LAUNCH_GROUP") return operation.launch_group?.task_group.tasks ?? [];
  return [];
}

function sendTaskStatus(
  ctx: Ctx,
  framework: FrameworkRecord,
  task: TaskInfo,
  state: TaskState,
  reason: TaskReason,
  message: string,
): void {
  const status = masterStatus(
    ctx,
    {
      taskId: task.task_id.value,
      agentId: task.agent_id.value,
      executorId: task.executor?.executor_id.value,
    },
    stateFor(framework.partitionAware, state),
    reason,
    message,
  );
  ctx.toFramework(framework, { type: "UPDATE", update: { status } });
}

export function accept(
  ctx: Ctx,
  framework: FrameworkRecord,
  offerIds: readonly string[],
  operations: readonly OfferOperation[],
  filters: { refuse_seconds?: number } | undefined,
): void {
  const check = validateOffers(ctx, framework, offerIds);
  if (!check.ok) {
    // Valid offers in the list are consumed and their resources recovered without a filter.
    for (const offer of check.offers) {
      if (ctx.s.offers.get(offer.id) === offer && offer.frameworkId === framework.id) {
        removeOffer(ctx, offer, { rescind: false, recover: true, refuseSeconds: 0 });
      }
    }
    const prefix =
      check.reason === "REASON_INVALID_OFFERS" ? "Task launched with invalid offers: " : "";
    for (const operation of operations) {
      for (const task of tasksOf(operation)) {
        sendTaskStatus(
          ctx,
          framework,
          task,
          "TASK_DROPPED",
          check.reason,
          `${prefix}${check.message}`,
        );
      }
    }
    ctx.count("master/invalid_operations", operations.length);
    return;
  }
  const offers = check.offers;
  const agentId = offers[0]!.agentId;
  const role = offers[0]!.role;
  let available = Resources.empty();
  for (const offer of offers) {
    available = available.add(offer.resources);
    removeOffer(ctx, offer, { rescind: false, recover: false, refuseSeconds: 0 });
  }
  const launchedIds = new Set<string>();
  const newExecutors = new Set<string>();
  const executorKnown = (executorId: string) =>
    newExecutors.has(executorId) || (framework.executors.get(agentId)?.has(executorId) ?? false);
  for (const operation of operations) {
    const base: TaskValidationContext = {
      framework,
      agentId,
      role,
      launchedIds,
      executorKnown,
      available,
    };
    switch (operation.type) {
      case "LAUNCH":
        for (const task of operation.launch?.task_infos ?? []) {
          if (operation.id !== undefined) {
            sendTaskStatus(
              ctx,
              framework,
              task,
              "TASK_ERROR",
              "REASON_TASK_INVALID",
              "The 'id' field is not supported for LAUNCH operations",
            );
            continue;
          }
          const result = validateTask(task, { ...base, available });
          if (!result.ok) {
            ctx.count("master/tasks_error");
            sendTaskStatus(
              ctx,
              framework,
              task,
              "TASK_ERROR",
              "REASON_TASK_INVALID",
              result.message,
            );
            continue;
          }
          available = available.subtract(result.usage);
          launchedIds.add(task.task_id.value);
          if (task.executor !== undefined) {
            trackExecutor(framework, agentId, task.executor, role, newExecutors);
          }
          launch(ctx, framework, task, result.resources, role, agentId);
          ctx.toAgent(ctx.s.agents.get(agentId)!, {
            type: "RUN_TASK",
            run_task: {
              framework_info: framework.info,
              framework_id: { value: framework.id },
              task,
            },
          });
        }
        break;
      case "LAUNCH_GROUP": {
        const group = operation.launch_group;
        if (group === undefined) break;
        const error = validateGroup(
          base,
          group.executor,
          group.task_group.tasks ?? [],
          operation.id !== undefined,
        );
        if (error.ok === false) {
          ctx.count("master/tasks_error", (group.task_group.tasks ?? []).length);
          for (const task of group.task_group.tasks ?? []) {
            sendTaskStatus(
              ctx,
              framework,
              task,
              "TASK_ERROR",
              "REASON_TASK_GROUP_INVALID",
              error.message,
            );
          }
          break;
        }
        available = available.subtract(error.usage);
        trackExecutor(framework, agentId, group.executor, role, newExecutors);
        (group.task_group.tasks ?? []).forEach((task, i) => {
          launchedIds.add(task.task_id.value);
          launch(
            ctx,
            framework,
            task,
            error.resources[i]!,
            role,
            agentId,
            group.executor.executor_id.value,
          );
        });
        ctx.toAgent(ctx.s.agents.get(agentId)!, {
          type: "RUN_TASK_GROUP",
          run_task_group: {
            framework_info: framework.info,
            framework_id: { value: framework.id },
            executor: group.executor,
            task_group: group.task_group,
          },
        });
        break;
      }
      case "RESERVE":
      case "UNRESERVE": {
        const agent = ctx.s.agents.get(agentId)!;
        const c = { framework, agent, role, available };
        const outcome =
          operation.type === "RESERVE"
            ? operation.reserve === undefined
              ? undefined
              : reserve(ctx, c, operation.reserve)
            : operation.unreserve === undefined
              ? undefined
              : unreserve(ctx, c, operation.unreserve);
        if (outcome?.ok === true) {
          available = outcome.available;
          break;
        }
        operationError(ctx, framework, operation, agentId, outcome?.message ?? "Missing operation");
        break;
      }
      default:
        // schedulerCall refuses an ACCEPT naming any other operation before it gets here (501);
        // kept for direct callers: nothing is applied, the resources go back with the rest.
        operationError(
          ctx,
          framework,
          operation,
          agentId,
          `Operation ${operation.type ?? "UNKNOWN"} is not supported yet`,
        );
        ctx.count("master/unsupported_operations");
        break;
    }
  }
  ctx.recover(framework.id, agentId, available, refuseSecondsOf(filters));
}

/**
 * An invalid non-launch operation: with an operation id the framework asked for feedback and
 * gets OPERATION_ERROR; without, Mesos drops it (and so do we, counting it).
 */
function operationError(
  ctx: Ctx,
  framework: FrameworkRecord,
  operation: OfferOperation,
  agentId: string,
  message: string,
): void {
  ctx.count("master/invalid_operations");
  if (operation.id === undefined) return;
  ctx.toFramework(framework, {
    type: "UPDATE_OPERATION_STATUS",
    update_operation_status: {
      status: {
        operation_id: operation.id,
        state: "OPERATION_ERROR",
        message,
        agent_id: { value: agentId },
      },
    },
  });
}

type GroupCheck =
  | { ok: true; usage: Resources; resources: Resources[] }
  | { ok: false; message: string };

function validateGroup(
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

/** Records a new executor with its resources (released when it exits). */
function trackExecutor(
  framework: FrameworkRecord,
  agentId: string,
  executor: ExecutorInfo,
  role: string,
  newExecutors: Set<string>,
): void {
  const id = executor.executor_id.value;
  const byAgent = framework.executors.get(agentId) ?? new Map();
  if (byAgent.has(id)) return;
  newExecutors.add(id);
  const resources = operationResources(executor.resources ?? [], role);
  byAgent.set(id, {
    info: executor,
    resources: resources.ok ? resources.value : Resources.empty(),
  });
  framework.executors.set(agentId, byAgent);
}

function launch(
  ctx: Ctx,
  framework: FrameworkRecord,
  task: TaskInfo,
  resources: Resources,
  role: string,
  agentId: string,
  executorId?: string,
): void {
  const record: TaskRecord = {
    frameworkId: framework.id,
    taskId: task.task_id.value,
    agentId,
    executorId: executorId ?? task.executor?.executor_id.value,
    info: task,
    role,
    resources,
    // Valid tasks enter the master as TASK_STAGING; no UPDATE is sent for it.
    state: "TASK_STAGING",
    statusUpdateState: undefined,
    statusUpdateUuid: undefined,
    statuses: [],
    released: false,
    unreachableTimeMs: undefined,
  };
  addTask(ctx, framework, record);
}

/** DECLINE = ACCEPT without operations: the offers' resources go back with the filters. */
export function decline(
  ctx: Ctx,
  framework: FrameworkRecord,
  offerIds: readonly string[],
  filters: { refuse_seconds?: number } | undefined,
): void {
  const refuseSeconds = refuseSecondsOf(filters);
  for (const id of offerIds) {
    const offer = ctx.s.offers.get(id);
    if (offer === undefined || offer.frameworkId !== framework.id) continue;
    removeOffer(ctx, offer, { rescind: false, recover: true, refuseSeconds });
  }
}
