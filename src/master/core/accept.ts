// ACCEPT and DECLINE (reference §1.5): offer validation, then the operations in order, then the
// unused resources back to the allocator with the call's filters. Invalid offers turn every task
// into TASK_DROPPED (PARTITION_AWARE) or TASK_LOST with REASON_INVALID_OFFERS; an invalid task
// gets TASK_ERROR and changes nothing else.
import { Resources } from "../../resources/index.ts";
import { type OfferCheck, refuseSecondsOf, removeOffer, validateOffers } from "./offers.ts";
import { checkConversion, diskOperationError } from "./operations.ts";
import { agentName, applyConversion, operationScope } from "./operations-apply.ts";
import type { AgentRecord, Ctx, FrameworkRecord, TaskRecord } from "./state.ts";
import { stateFor } from "./task-states.ts";
import {
  AGENT_TASK_INFOS_MAX_BYTES,
  operationResources,
  type TaskValidationContext,
  validateGroup,
  validateTask,
} from "./task-validation.ts";
import { addTask, masterStatus, type TaskReason } from "./tasks.ts";
import type { ExecutorInfo, OfferOperation, TaskInfo, TaskState } from "./wire-types.ts";

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

/**
 * One change ACCEPT makes, decided by `planOperations` before anything changes: every check
 * runs first (a bad task, an absurd number, a reservation that does not fit), so that an
 * exception can only be a bug, never a half-applied call (issue 22: a check that threw after
 * the offers were removed lost their resources for good).
 */
type Step =
  | { kind: "task_error"; task: TaskInfo; reason: TaskReason; message: string; counted: boolean }
  | { kind: "launch"; task: TaskInfo; resources: Resources; bytes: number }
  | {
      kind: "launch_group";
      group: NonNullable<OfferOperation["launch_group"]>;
      resources: Resources[];
      bytes: number[];
    }
  | { kind: "convert"; from: Resources; to: Resources; operation: OfferOperation }
  | { kind: "operation_error"; operation: OfferOperation; message: string; unsupported: boolean };

interface Plan {
  steps: Step[];
  /** What is left of the offered resources once every step is applied. */
  available: Resources;
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
    invalidOffers(ctx, framework, check, operations);
    return;
  }
  const offers = check.offers;
  const agentId = offers[0]!.agentId;
  const role = offers[0]!.role;
  let offered = Resources.empty();
  for (const offer of offers) offered = offered.add(offer.resources);
  const agent = ctx.s.agents.get(agentId)!;
  const plan = planOperations(ctx, framework, agent, role, offered, operations);
  // Every check has passed: from here on the call only applies.
  for (const offer of offers) {
    removeOffer(ctx, offer, { rescind: false, recover: false, refuseSeconds: 0 });
  }
  for (const step of plan.steps) applyStep(ctx, framework, agent, role, step);
  ctx.recover(framework.id, agentId, plan.available, refuseSecondsOf(filters));
}

/** Invalid offers: the valid ones are consumed, every task is dropped (or lost). */
function invalidOffers(
  ctx: Ctx,
  framework: FrameworkRecord,
  check: Extract<OfferCheck, { ok: false }>,
  operations: readonly OfferOperation[],
): void {
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
      sendTaskStatus(ctx, framework, task, "TASK_DROPPED", check.reason, prefix + check.message);
    }
    // Other operations asking for feedback learn why nothing was done (reference §1.5).
    if (tasksOf(operation).length === 0 && operation.id !== undefined) {
      sendOperationError(ctx, framework, operation, check.offers[0]?.agentId, check.message);
    }
  }
  ctx.count("master/invalid_operations", operations.length);
}

/** Checks every operation in order against what the earlier ones leave; changes nothing. */
function planOperations(
  ctx: Ctx,
  framework: FrameworkRecord,
  agent: AgentRecord,
  role: string,
  offered: Resources,
  operations: readonly OfferOperation[],
): Plan {
  // The run_tasks ACL, asked first as Mesos does before it validates (reference §2).
  const authorizeTask = ctx.s.authorizeTask;
  const authorized = (task: TaskInfo) => authorizeTask?.(framework.info, task) ?? true;
  const agentId = agent.id;
  const steps: Step[] = [];
  let available = offered;
  let agentBytesLeft = AGENT_TASK_INFOS_MAX_BYTES - agent.taskInfoBytes;
  const launchedIds = new Set<string>();
  const newExecutors = new Set<string>();
  const executorKnown = (executorId: string) =>
    newExecutors.has(executorId) || (framework.executors.get(agentId)?.has(executorId) ?? false);
  const base = (): TaskValidationContext => ({
    framework,
    agentId,
    role,
    launchedIds,
    executorKnown,
    available,
    agentBytesLeft,
  });
  for (const operation of operations) {
    switch (operation.type) {
      case "LAUNCH":
        for (const task of operation.launch?.task_infos ?? []) {
          if (!authorized(task)) {
            steps.push(unauthorized(task, false));
            continue;
          }
          const result =
            operation.id !== undefined
              ? { ok: false as const, message: LAUNCH_ID_UNSUPPORTED, counted: false }
              : { ...validateTask(task, base()), counted: true };
          if (!result.ok) {
            steps.push({
              kind: "task_error",
              task,
              reason: "REASON_TASK_INVALID",
              message: result.message,
              counted: result.counted,
            });
            continue;
          }
          available = available.subtract(result.usage);
          agentBytesLeft -= result.bytes;
          launchedIds.add(task.task_id.value);
          if (task.executor !== undefined) newExecutors.add(task.executor.executor_id.value);
          steps.push({ kind: "launch", task, resources: result.resources, bytes: result.bytes });
        }
        break;
      case "LAUNCH_GROUP": {
        const group = operation.launch_group;
        if (group === undefined) break;
        const tasks = group.task_group.tasks ?? [];
        if (!tasks.every((task) => authorized({ ...task, executor: group.executor }))) {
          for (const task of tasks) steps.push(unauthorized(task, true));
          break;
        }
        const checked = validateGroup(base(), group.executor, tasks, operation.id !== undefined);
        if (!checked.ok) {
          for (const task of tasks) {
            steps.push({
              kind: "task_error",
              task,
              reason: "REASON_TASK_GROUP_INVALID",
              message: checked.message,
              counted: true,
            });
          }
          break;
        }
        available = available.subtract(checked.usage);
        for (const bytes of checked.bytes) agentBytesLeft -= bytes;
        newExecutors.add(group.executor.executor_id.value);
        for (const task of tasks) launchedIds.add(task.task_id.value);
        const { resources, bytes } = checked;
        steps.push({ kind: "launch_group", group, resources, bytes });
        break;
      }
      case "RESERVE":
      case "UNRESERVE":
      case "CREATE":
      case "DESTROY":
      case "GROW_VOLUME":
      case "SHRINK_VOLUME": {
        const checked = conversionStep(ctx, framework, agent, role, available, operation);
        if (checked.kind === "convert") {
          available = available.subtractContained(checked.from).add(checked.to);
        }
        steps.push(checked);
        break;
      }
      case "CREATE_DISK":
      case "DESTROY_DISK": {
        const message = diskOperationError(operation);
        steps.push({ kind: "operation_error", operation, message, unsupported: false });
        break;
      }
      default:
        // schedulerCall refuses an ACCEPT naming any other operation before it gets here (501);
        // kept for direct callers: nothing is applied, the resources go back with the rest.
        steps.push({
          kind: "operation_error",
          operation,
          message: `Operation ${operation.type ?? "UNKNOWN"} is not supported yet`,
          unsupported: true,
        });
        break;
    }
  }
  return { steps, available };
}

/** The TASK_ERROR of a task the run_tasks ACL refuses (Mesos's reasons and wording). */
function unauthorized(task: TaskInfo, group: boolean): Step {
  return {
    kind: "task_error",
    task,
    reason: group ? "REASON_TASK_GROUP_UNAUTHORIZED" : "REASON_TASK_UNAUTHORIZED",
    message: group ? "Not authorized to launch task group" : "Not authorized to launch task",
    counted: true,
  };
}

/** What Mesos's master says when it drops an operation the ACLs refuse. */
const UNAUTHORIZED_OPERATION: Readonly<Record<string, string>> = {
  RESERVE: "reserve resources",
  UNRESERVE: "unreserve resources",
  CREATE: "create persistent volumes",
  DESTROY: "destroy persistent volumes",
  GROW_VOLUME: "grow persistent volumes",
  SHRINK_VOLUME: "shrink persistent volumes",
};

function unauthorizedOperation(framework: FrameworkRecord, operation: OfferOperation): Step {
  const what = UNAUTHORIZED_OPERATION[operation.type ?? ""] ?? "perform this operation";
  return {
    kind: "operation_error",
    operation,
    message: `Not authorized to ${what} as '${framework.info.principal ?? ""}'`,
    unsupported: false,
  };
}

const LAUNCH_ID_UNSUPPORTED = "The 'id' field is not supported for LAUNCH operations";

/** A conversion the reservation and volume ACLs allow is checked; a refused one is dropped. */
function conversionStep(
  ctx: Ctx,
  framework: FrameworkRecord,
  agent: AgentRecord,
  role: string,
  available: Resources,
  operation: OfferOperation,
): Step {
  if (ctx.s.authorizeOperation?.(framework.info, operation) === false) {
    return unauthorizedOperation(framework, operation);
  }
  return checkConversionStep(ctx, framework, agent, role, available, operation);
}

/** One conversion in an ACCEPT: Mesos's checks, then the offered pool must hold what it uses. */
function checkConversionStep(
  ctx: Ctx,
  framework: FrameworkRecord,
  agent: AgentRecord,
  role: string,
  available: Resources,
  operation: OfferOperation,
): Step {
  const refused = (message: string): Step => ({
    kind: "operation_error",
    operation,
    message,
    unsupported: false,
  });
  const caps = agent.capabilities;
  if (operation.id !== undefined && caps.length > 0 && !caps.includes("AGENT_OPERATION_FEEDBACK")) {
    return refused(
      `Operation requested feedback, but agent ${agent.id} does not have the required AGENT_OPERATION_FEEDBACK capability`,
    );
  }
  const checked = checkConversion(operationScope(ctx, agent, { framework, role }), operation);
  if (!checked.ok) return refused(`${checked.message}; on agent ${agentName(agent)}`);
  if (!available.contains(checked.consumed)) {
    return refused(`${available.toString()} does not contain ${checked.consumed.toString()}`);
  }
  return { kind: "convert", from: checked.consumed, to: checked.converted, operation };
}

function applyStep(
  ctx: Ctx,
  framework: FrameworkRecord,
  agent: AgentRecord,
  role: string,
  step: Step,
): void {
  switch (step.kind) {
    case "task_error":
      if (step.counted) ctx.count("master/tasks_error");
      sendTaskStatus(ctx, framework, step.task, "TASK_ERROR", step.reason, step.message);
      return;
    case "launch": {
      const task = step.task;
      if (task.executor !== undefined) trackExecutor(framework, agent.id, task.executor, role);
      launch(
        ctx,
        framework,
        task,
        { resources: step.resources, bytes: step.bytes },
        role,
        agent.id,
      );
      ctx.toAgent(agent, {
        type: "RUN_TASK",
        run_task: { framework_info: framework.info, framework_id: { value: framework.id }, task },
      });
      return;
    }
    case "launch_group": {
      const group = step.group;
      trackExecutor(framework, agent.id, group.executor, role);
      const executorId = group.executor.executor_id.value;
      (group.task_group.tasks ?? []).forEach((task, i) => {
        const uses = { resources: step.resources[i]!, bytes: step.bytes[i]! };
        launch(ctx, framework, task, uses, role, agent.id, executorId);
      });
      ctx.toAgent(agent, {
        type: "RUN_TASK_GROUP",
        run_task_group: {
          framework_info: framework.info,
          framework_id: { value: framework.id },
          executor: group.executor,
          task_group: group.task_group,
        },
      });
      return;
    }
    case "convert":
      applyConversion(ctx, agent, step.from, step.to, { framework, operation: step.operation });
      return;
    case "operation_error":
      operationError(ctx, framework, step.operation, agent.id, step.message);
      if (step.unsupported) ctx.count("master/unsupported_operations");
      return;
  }
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
  sendOperationError(ctx, framework, operation, agentId, message);
}

function sendOperationError(
  ctx: Ctx,
  framework: FrameworkRecord,
  operation: OfferOperation,
  agentId: string | undefined,
  message: string,
): void {
  if (operation.id === undefined) return;
  ctx.toFramework(framework, {
    type: "UPDATE_OPERATION_STATUS",
    update_operation_status: {
      status: {
        operation_id: operation.id,
        state: "OPERATION_ERROR",
        message,
        ...(agentId === undefined ? {} : { agent_id: { value: agentId } }),
      },
    },
  });
}

/** Records a new executor with its resources (released when it exits). */
function trackExecutor(
  framework: FrameworkRecord,
  agentId: string,
  executor: ExecutorInfo,
  role: string,
): void {
  const id = executor.executor_id.value;
  const byAgent = framework.executors.get(agentId) ?? new Map();
  if (byAgent.has(id)) return;
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
  uses: { resources: Resources; bytes: number },
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
    resources: uses.resources,
    infoBytes: uses.bytes,
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
