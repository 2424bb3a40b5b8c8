// Scheduler calls and resources as a framework sends them, shared by the master core's tests
// (typed) and the master's and agent's HTTP tests (JSON): one way to write an ACCEPT that
// launches tasks or acknowledges an update, and one way to write a scalar resource.
import type { OfferID } from "../../src/wire/ids.ts";
import type { Resource } from "../../src/wire/resource.ts";
import type { SchedulerCall } from "../../src/wire/scheduler.ts";
import type { TaskInfo } from "../../src/wire/task.ts";

type Operation = NonNullable<NonNullable<SchedulerCall["accept"]>["operations"]>[number];

/** An ACCEPT of `offerIds` with `operations`. */
export function acceptCall(
  offerIds: readonly OfferID[],
  operations: readonly unknown[],
  filters?: { refuse_seconds: number },
): Omit<SchedulerCall, "framework_id"> {
  return {
    type: "ACCEPT",
    accept: {
      offer_ids: [...offerIds],
      operations: [...operations] as Operation[],
      ...(filters === undefined ? {} : { filters }),
    },
  } as Omit<SchedulerCall, "framework_id">;
}

/** An ACCEPT of `offerIds` with one LAUNCH operation of `tasks`. */
export function launchCall(
  offerIds: readonly OfferID[],
  tasks: readonly TaskInfo[],
  filters?: { refuse_seconds: number },
): Omit<SchedulerCall, "framework_id"> {
  return acceptCall(offerIds, [{ type: "LAUNCH", launch: { task_infos: [...tasks] } }], filters);
}

/** A scalar resource; with `role`, allocated to it (a MULTI_ROLE framework sends that back). */
export function scalar(name: string, value: number, role?: string): Resource {
  return {
    name,
    type: "SCALAR",
    scalar: { value },
    ...(role === undefined ? {} : { allocation_info: { role } }),
  } as Resource;
}

/** The framework's ACKNOWLEDGE of update `uuid` of `taskId` on `agentId`. */
export function ackCall(
  agentId: string,
  taskId: string,
  uuid: string,
): Omit<SchedulerCall, "framework_id"> {
  return {
    type: "ACKNOWLEDGE",
    acknowledge: { agent_id: { value: agentId }, task_id: { value: taskId }, uuid },
  } as Omit<SchedulerCall, "framework_id">;
}
