// Builders of v1 scheduler calls (reference §1.2) from plain arguments. Pure: they return the
// Call as code builds it (`z.input`), and the client stamps `framework_id` and sends it.
import type { z } from "zod";
import type { FrameworkInfo } from "../wire/framework.ts";
import type { SchedulerCall } from "../wire/scheduler.ts";
import type { TaskStatus } from "../wire/status.ts";
import { launchOperation, type OfferOperationInput, type TaskInfoInput } from "./offer-matching.ts";
import type { ReconcileTask } from "./reconcile.ts";

export type SchedulerCallInput = z.input<typeof SchedulerCall>;
export type FrameworkInfoInput = z.input<typeof FrameworkInfo>;

/** `Filters`: how long the master should not re-offer declined or unused resources. */
export interface OfferFilterOptions {
  readonly refuseSeconds?: number;
}

function filters(options: OfferFilterOptions | undefined) {
  return options?.refuseSeconds === undefined
    ? undefined
    : { refuse_seconds: options.refuseSeconds };
}

const ids = (values: readonly string[]) => values.map((value) => ({ value }));

export function subscribeCall(
  frameworkInfo: FrameworkInfoInput,
  frameworkId: string | undefined,
  suppressedRoles: readonly string[] = [],
): SchedulerCallInput {
  // A resubscription carries the id both at the top and in framework_info (reference §1.6).
  const info =
    frameworkId === undefined ? frameworkInfo : { ...frameworkInfo, id: { value: frameworkId } };
  return {
    type: "SUBSCRIBE",
    ...(frameworkId === undefined ? {} : { framework_id: { value: frameworkId } }),
    subscribe: { framework_info: info, suppressed_roles: [...suppressedRoles] },
  };
}

export function acceptCall(
  offerIds: readonly string[],
  operations: readonly OfferOperationInput[],
  options?: OfferFilterOptions,
): SchedulerCallInput {
  const f = filters(options);
  return {
    type: "ACCEPT",
    accept: { offer_ids: ids(offerIds), operations: [...operations], ...(f ? { filters: f } : {}) },
  };
}

export function launchCall(
  offerIds: readonly string[],
  tasks: readonly TaskInfoInput[],
  options?: OfferFilterOptions,
): SchedulerCallInput {
  return acceptCall(offerIds, [launchOperation(tasks)], options);
}

export function declineCall(
  offerIds: readonly string[],
  options?: OfferFilterOptions,
): SchedulerCallInput {
  const f = filters(options);
  return { type: "DECLINE", decline: { offer_ids: ids(offerIds), ...(f ? { filters: f } : {}) } };
}

/**
 * ACCEPT_INVERSE_OFFERS / DECLINE_INVERSE_OFFERS: the answer to maintenance inverse offers;
 * `refuseSeconds` (master default 5) delays the next inverse offer for those agents.
 */
export function inverseOffersCall(
  answer: "ACCEPT" | "DECLINE",
  inverseOfferIds: readonly string[],
  options?: OfferFilterOptions,
): SchedulerCallInput {
  const f = filters(options);
  const body = { inverse_offer_ids: ids(inverseOfferIds), ...(f ? { filters: f } : {}) };
  return answer === "ACCEPT"
    ? { type: "ACCEPT_INVERSE_OFFERS", accept_inverse_offers: body }
    : { type: "DECLINE_INVERSE_OFFERS", decline_inverse_offers: body };
}

/** REVIVE (empty roles: all roles). */
export function reviveCall(roles: readonly string[] = []): SchedulerCallInput {
  return { type: "REVIVE", revive: { roles: [...roles] } };
}

/** SUPPRESS (empty roles: all roles). */
export function suppressCall(roles: readonly string[] = []): SchedulerCallInput {
  return { type: "SUPPRESS", suppress: { roles: [...roles] } };
}

export function killCall(
  taskId: string,
  agentId?: string,
  gracePeriodMs?: number,
): SchedulerCallInput {
  return {
    type: "KILL",
    kill: {
      task_id: { value: taskId },
      ...(agentId === undefined ? {} : { agent_id: { value: agentId } }),
      ...(gracePeriodMs === undefined
        ? {}
        : { kill_policy: { grace_period: { nanoseconds: gracePeriodMs * 1_000_000 } } }),
    },
  };
}

export function shutdownCall(executorId: string, agentId: string): SchedulerCallInput {
  return {
    type: "SHUTDOWN",
    shutdown: { executor_id: { value: executorId }, agent_id: { value: agentId } },
  };
}

/** ACKNOWLEDGE of an update; undefined when the update needs none (no uuid, reference §5.5). */
export function acknowledgeCall(status: TaskStatus): SchedulerCallInput | undefined {
  if (status.uuid === undefined || status.agent_id === undefined) return undefined;
  return {
    type: "ACKNOWLEDGE",
    acknowledge: { agent_id: status.agent_id, task_id: status.task_id, uuid: status.uuid },
  };
}

/** RECONCILE: explicit for the listed tasks, implicit (all tasks) for an empty list. */
export function reconcileCall(tasks: readonly ReconcileTask[]): SchedulerCallInput {
  return {
    type: "RECONCILE",
    reconcile: {
      tasks: tasks.map((t) => ({
        task_id: { value: t.taskId },
        ...(t.agentId === undefined ? {} : { agent_id: { value: t.agentId } }),
      })),
    },
  };
}

export function messageCall(
  agentId: string,
  executorId: string,
  data: Uint8Array | string,
): SchedulerCallInput {
  return {
    type: "MESSAGE",
    message: {
      agent_id: { value: agentId },
      executor_id: { value: executorId },
      data: Buffer.from(data).toString("base64"),
    },
  };
}

export function teardownCall(): SchedulerCallInput {
  return { type: "TEARDOWN" };
}

export function updateFrameworkCall(
  frameworkInfo: FrameworkInfoInput,
  frameworkId: string,
  suppressedRoles: readonly string[] = [],
): SchedulerCallInput {
  return {
    type: "UPDATE_FRAMEWORK",
    update_framework: {
      framework_info: { ...frameworkInfo, id: { value: frameworkId } },
      suppressed_roles: [...suppressedRoles],
    },
  };
}
