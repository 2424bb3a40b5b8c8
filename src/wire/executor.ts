// The v1 executor HTTP API (reference §3.2, §3.3, errata §10.1): the Call an executor POSTs
// to the agent's /api/v1/executor and the Events the agent streams back in RecordIO.
import type { z } from "zod";
import { enumNames } from "./enum-numbers.ts";
import { AgentInfo, FrameworkInfo } from "./framework.ts";
import { ContainerID, ExecutorID, FrameworkID, isUuidBytes, TaskID } from "./ids.ts";
import { bytes, optionalEnum, repeated, str } from "./json.ts";
import { message } from "./proto-message.ts";
import { TaskStatus } from "./status.ts";
import { checkSubMessage } from "./sub-message.ts";
import { ExecutorInfo, KillPolicy, TaskGroupInfo, TaskInfo } from "./task.ts";

export const EXECUTOR_CALL_TYPES = enumNames({
  UNKNOWN: 0,
  SUBSCRIBE: 1,
  UPDATE: 2,
  MESSAGE: 3,
  HEARTBEAT: 4,
});
export type ExecutorCallType = (typeof EXECUTOR_CALL_TYPES)[number];

/** `Call.Update`: only `status` (the docs' `framework_id` in updates does not exist, §10.1). */
export const ExecutorCallUpdate = message({ status: TaskStatus }, { status: 1 });
export type ExecutorCallUpdate = z.output<typeof ExecutorCallUpdate>;

export const ExecutorCall = message(
  {
    executor_id: ExecutorID,
    framework_id: FrameworkID,
    // Optional in the proto: an unknown name leaves it unset, and validation then answers
    // "Expecting 'type' to be present" (Mesos's own order of checks).
    type: optionalEnum(EXECUTOR_CALL_TYPES),
    subscribe: message(
      {
        // Tasks the executor received but has no acknowledged update for (re-subscription
        // after an agent restart), and the updates it sent that were not acknowledged.
        unacknowledged_tasks: repeated(TaskInfo),
        unacknowledged_updates: repeated(ExecutorCallUpdate),
      },
      { unacknowledged_tasks: 1, unacknowledged_updates: 2 },
    ).optional(),
    update: ExecutorCallUpdate.optional(),
    message: message({ data: bytes }, { data: 2 }).optional(),
  },
  { executor_id: 1, framework_id: 2, type: 3, subscribe: 4, update: 5, message: 6 },
);
export type ExecutorCall = z.output<typeof ExecutorCall>;

/**
 * The agent's executor call validation (`executor::call::validate`), run after the body has
 * parsed. Returns Mesos's message (the HTTP layer prefixes "Failed to validate
 * Executor::Call: ") or undefined when the call is valid.
 */
export function validateExecutorCall(call: ExecutorCall): string | undefined {
  if (call.type === undefined) return "Expecting 'type' to be present";
  switch (call.type) {
    case "SUBSCRIBE":
      return call.subscribe === undefined ? "Expecting 'subscribe' to be present" : undefined;
    case "UPDATE":
      return call.update === undefined
        ? "Expecting 'update' to be present"
        : validateUpdate(call, call.update.status);
    case "MESSAGE":
      return call.message === undefined ? "Expecting 'message' to be present" : undefined;
    case "HEARTBEAT":
    case "UNKNOWN":
      return undefined;
  }
}

function validateUpdate(call: ExecutorCall, status: TaskStatus): string | undefined {
  const executor = call.executor_id.value;
  const framework = call.framework_id.value;
  if (status.uuid === undefined) return "Expecting 'uuid' to be present";
  if (!isUuidBytes(status.uuid)) return "Not a valid UUID";
  if (status.executor_id !== undefined && status.executor_id.value !== executor) {
    return `ExecutorID in Call: ${executor} does not match ExecutorID in TaskStatus: ${status.executor_id.value}`;
  }
  // An unset source reads as the enum's first value, SOURCE_MASTER, so it fails too.
  if (status.source !== "SOURCE_EXECUTOR") {
    return `Received Call from executor ${executor} of framework ${framework} with invalid source, expecting 'SOURCE_EXECUTOR'`;
  }
  if (status.state === "TASK_STAGING") {
    return `Received TASK_STAGING from executor ${executor} of framework ${framework} which is not allowed`;
  }
  const check = status.check_status;
  if (check !== undefined) {
    // Mesos's `checks::validation::checkStatusInfo`.
    if (check.type === undefined) return "CheckStatusInfo must specify 'type'";
    switch (check.type) {
      case "COMMAND":
        if (check.command === undefined) {
          return "Expecting 'command' to be set for COMMAND check's status";
        }
        break;
      case "HTTP":
        if (check.http === undefined) return "Expecting 'http' to be set for HTTP check's status";
        break;
      case "TCP":
        if (check.tcp === undefined) return "Expecting 'tcp' to be set for TCP check's status";
        break;
      case "UNKNOWN":
        return "'UNKNOWN' is not a valid check's status type";
    }
  }
  return undefined;
}

export const EXECUTOR_EVENT_TYPES = enumNames({
  UNKNOWN: 0,
  SUBSCRIBED: 1,
  LAUNCH: 2,
  LAUNCH_GROUP: 8,
  KILL: 3,
  ACKNOWLEDGED: 4,
  MESSAGE: 5,
  ERROR: 6,
  SHUTDOWN: 7,
  HEARTBEAT: 9,
});
export type ExecutorEventType = (typeof EXECUTOR_EVENT_TYPES)[number];

export const ExecutorEvent = message(
  {
    type: optionalEnum(EXECUTOR_EVENT_TYPES),
    // The real shape (§10.1): `agent_info.hostname`, a `container_id`, no top-level agent_id.
    subscribed: message(
      {
        executor_info: ExecutorInfo,
        framework_info: FrameworkInfo,
        agent_info: AgentInfo,
        container_id: ContainerID.optional(),
      },
      { executor_info: 1, framework_info: 2, agent_info: 3, container_id: 4 },
    ).optional(),
    // Only `task`: the docs' `launch.framework_info` does not exist (§10.1).
    launch: message({ task: TaskInfo }, { task: 1 }).optional(),
    launch_group: message({ task_group: TaskGroupInfo }, { task_group: 1 }).optional(),
    // `kill_policy` here overrides the task's own.
    kill: message(
      { task_id: TaskID, kill_policy: KillPolicy.optional() },
      { task_id: 1, kill_policy: 2 },
    ).optional(),
    // The agent has checkpointed the update (not: the scheduler acknowledged it).
    acknowledged: message({ task_id: TaskID, uuid: bytes }, { task_id: 1, uuid: 2 }).optional(),
    message: message({ data: bytes }, { data: 1 }).optional(),
    error: message({ message: str }, { message: 1 }).optional(),
  },
  {
    type: 1,
    subscribed: 2,
    launch: 4,
    launch_group: 8,
    kill: 5,
    acknowledged: 3,
    message: 6,
    error: 7,
  },
);
export type ExecutorEvent = z.output<typeof ExecutorEvent>;

const EVENT_FIELDS: Partial<Record<ExecutorEventType, keyof ExecutorEvent>> = {
  SUBSCRIBED: "subscribed",
  LAUNCH: "launch",
  LAUNCH_GROUP: "launch_group",
  KILL: "kill",
  ACKNOWLEDGED: "acknowledged",
  MESSAGE: "message",
  ERROR: "error",
};

/**
 * Checks an event the executor library received: a known type with its sub-message
 * (SHUTDOWN and HEARTBEAT carry none). Returns a message, or undefined when usable.
 */
export function validateExecutorEvent(event: ExecutorEvent): string | undefined {
  return checkSubMessage(event, EVENT_FIELDS);
}
