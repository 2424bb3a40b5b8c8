// The master <-> agent channel (DESIGN.md "Master <-> agent channel"). Not a public Mesos API,
// so the shape is ours, but it carries what Mesos's internal messages carry (reference §5.1:
// RegisterSlaveMessage, ReregisterSlaveMessage, StatusUpdateMessage, RunTaskMessage, ...), in
// the same conventions as the v1 APIs: `Call { type, <sub-message> }` posted by the agent, and
// `Event { type, <sub-message> }` records on the RecordIO stream the agent's SUBSCRIBE opened.
// A POST may also carry a JSON array of calls (never SUBSCRIBE), handled in order: the agent
// sends the calls queued while its previous POST was out together (src/agent/master-link.ts).
import { z } from "zod";
import {
  agentAcknowledgeEvent,
  agentPingEvent,
  agentRunTaskEvent,
  agentSubscribeCall,
  agentUpdateCall,
  anyOf,
} from "./fast-path.ts";
import { AGENT_CAPABILITY_TYPES, AgentInfo, FrameworkInfo } from "./framework.ts";
import { AgentID, ExecutorID, FrameworkID, OperationID, TaskID, UUID } from "./ids.ts";
import {
  bool,
  bytes,
  double,
  int32,
  optionalEnum,
  protoEnum,
  registerFastPath,
  repeated,
  str,
} from "./json.ts";
import { OperationStatus } from "./offer.ts";
import { Resource } from "./resource.ts";
import { TASK_STATES, TaskStatus } from "./status.ts";
import { ExecutorInfo, KillPolicy, Task, TaskGroupInfo, TaskInfo } from "./task.ts";

/** Bumped when either side changes the channel incompatibly; sent on SUBSCRIBE. */
export const AGENT_CHANNEL_VERSION = "1";

/** The channel's endpoint: the master serves it at `/master/<path>` and `/<path>`. */
export const AGENT_CHANNEL_PATH = "api/v1/agent_channel";

/** The request header that carries AGENT_CHANNEL_VERSION. */
export const AGENT_CHANNEL_VERSION_HEADER = "Tessera-Agent-Channel-Version";

// --- agent -> master ---------------------------------------------------------------------

export const AGENT_CALL_TYPES = [
  "UNKNOWN",
  "SUBSCRIBE",
  "UPDATE",
  "EXECUTOR_EXITED",
  "UPDATE_RESOURCES",
  "FRAMEWORK_MESSAGE",
  "PONG",
  "HEARTBEAT",
  "UPDATE_OPERATION_STATUS",
] as const;
export const AgentCallType = protoEnum(AGENT_CALL_TYPES);
export type AgentCallType = z.output<typeof AgentCallType>;

/**
 * Register (no `agent_id`) or re-register (`agent_id` known): everything the master needs to
 * rebuild its view of the agent after either side restarted.
 */
export const AgentSubscribe = z.object({
  agent_info: AgentInfo,
  agent_id: AgentID.optional(),
  /**
   * The address the agent advertises (--advertise_ip/--advertise_port, else where it listens):
   * what Mesos's master learns from the agent's libprocess PID and shows as `Offer.url.address`
   * and `pid` (`slave(1)@ip:port`).
   */
  address: z.object({ ip: str, port: int32 }).optional(),
  version: str,
  capabilities: repeated(z.object({ type: optionalEnum(AGENT_CAPABILITY_TYPES) })),
  total_resources: repeated(Resource),
  checkpointed_resources: repeated(Resource),
  executors: repeated(ExecutorInfo),
  /** Tasks the agent knows, each with its latest state. */
  tasks: repeated(Task),
  /** FrameworkInfos of the frameworks with tasks or executors on the agent. */
  frameworks: repeated(FrameworkInfo),
});
export type AgentSubscribe = z.output<typeof AgentSubscribe>;

/** One status update from the agent's status update manager (StatusUpdateMessage). */
export const AgentStatusUpdate = z.object({
  framework_id: FrameworkID,
  executor_id: ExecutorID.optional(),
  /** Carries `uuid` when the framework must acknowledge it. */
  status: TaskStatus,
  /** Newest state the agent knows for the task; may run ahead of `status.state`. */
  latest_state: optionalEnum(TASK_STATES),
});
export type AgentStatusUpdate = z.output<typeof AgentStatusUpdate>;

export const AgentCall = z.object({
  type: AgentCallType,
  /** Set on every call but SUBSCRIBE of a new agent. */
  agent_id: AgentID.optional(),
  subscribe: AgentSubscribe.optional(),
  update: AgentStatusUpdate.optional(),
  executor_exited: z
    .object({ framework_id: FrameworkID, executor_id: ExecutorID, status: int32 })
    .optional(),
  update_resources: z
    .object({
      /** The agent's new (non-revocable) total; empty with `update_oversubscribed` alone. */
      total_resources: repeated(Resource),
      /** Mesos's `update_oversubscribed_resources`: the revocable part below replaces the old. */
      update_oversubscribed: bool.optional(),
      oversubscribed_resources: repeated(Resource),
    })
    .optional(),
  /** Executor -> framework message, relayed by the master best-effort. */
  framework_message: z
    .object({ framework_id: FrameworkID, executor_id: ExecutorID, data: bytes })
    .optional(),
  /**
   * The agent applied (checkpointed) the operation the master's CHECKPOINT_RESOURCES named:
   * Mesos's UpdateOperationStatusMessage, relayed to the framework that asked for feedback.
   */
  update_operation_status: z
    .object({
      framework_id: FrameworkID.optional(),
      operation_uuid: UUID,
      status: OperationStatus,
    })
    .optional(),
});
export type AgentCall = z.output<typeof AgentCall>;
registerFastPath(AgentCall, anyOf(agentUpdateCall, agentSubscribeCall));

// --- master -> agent ---------------------------------------------------------------------

export const AGENT_EVENT_TYPES = [
  "UNKNOWN",
  "SUBSCRIBED",
  "RUN_TASK",
  "RUN_TASK_GROUP",
  "KILL_TASK",
  "ACKNOWLEDGE",
  "SHUTDOWN_FRAMEWORK",
  "SHUTDOWN_EXECUTOR",
  "FRAMEWORK_MESSAGE",
  "UPDATE_FRAMEWORK",
  "RECONCILE_TASKS",
  "CHECKPOINT_RESOURCES",
  "PING",
  "HEARTBEAT",
  "SHUTDOWN",
] as const;
export const AgentEventType = protoEnum(AGENT_EVENT_TYPES);
export type AgentEventType = z.output<typeof AgentEventType>;

/** A task the master has for the agent; the agent answers for those it does not know. */
export const TaskReconciliation = z.object({
  framework_id: FrameworkID,
  task_id: TaskID,
  /** The state the master has; the agent replies TASK_DROPPED (PA) / TASK_LOST if unknown. */
  state: optionalEnum(TASK_STATES),
});
export type TaskReconciliation = z.output<typeof TaskReconciliation>;

export const AgentEvent = z.object({
  type: AgentEventType,
  subscribed: z
    .object({
      agent_id: AgentID,
      /** The master pings every `ping_interval_seconds`. */
      ping_interval_seconds: double,
      /** No ping for this long: the agent assumes the master is gone and re-subscribes. */
      total_ping_timeout_seconds: double,
      reconciliations: repeated(TaskReconciliation),
    })
    .optional(),
  run_task: z
    .object({ framework_info: FrameworkInfo, framework_id: FrameworkID, task: TaskInfo })
    .optional(),
  run_task_group: z
    .object({
      framework_info: FrameworkInfo,
      framework_id: FrameworkID,
      executor: ExecutorInfo,
      task_group: TaskGroupInfo,
    })
    .optional(),
  kill_task: z
    .object({ framework_id: FrameworkID, task_id: TaskID, kill_policy: KillPolicy.optional() })
    .optional(),
  /** The framework acknowledged the update with `uuid` (StatusUpdateAcknowledgementMessage). */
  acknowledge: z.object({ framework_id: FrameworkID, task_id: TaskID, uuid: bytes }).optional(),
  shutdown_framework: z.object({ framework_id: FrameworkID }).optional(),
  shutdown_executor: z.object({ framework_id: FrameworkID, executor_id: ExecutorID }).optional(),
  framework_message: z
    .object({ framework_id: FrameworkID, executor_id: ExecutorID, data: bytes })
    .optional(),
  update_framework: z.object({ framework_info: FrameworkInfo }).optional(),
  reconcile_tasks: z.object({ tasks: repeated(TaskReconciliation) }).optional(),
  /**
   * The agent's complete set of checkpointed resources (dynamic reservations, persistent
   * volumes) after RESERVE/UNRESERVE at the master (Mesos's CheckpointResourcesMessage).
   */
  checkpoint_resources: z
    .object({
      resources: repeated(Resource),
      /** The operation with feedback this checkpoint carries out (Mesos's ApplyOperation):
       *  the agent answers UPDATE_OPERATION_STATUS once the checkpoint is durable. */
      operation: z
        .object({
          uuid: UUID,
          framework_id: FrameworkID.optional(),
          operation_id: OperationID.optional(),
        })
        .optional(),
    })
    .optional(),
  /** `connected`: whether the master considers the agent registered. */
  ping: z.object({ connected: bool }).optional(),
  /** The agent is gone (marked by an operator) or refused: it must shut down. */
  shutdown: z.object({ message: str.optional() }).optional(),
});
export type AgentEvent = z.output<typeof AgentEvent>;
registerFastPath(AgentEvent, anyOf(agentAcknowledgeEvent, agentRunTaskEvent, agentPingEvent));
