// The master's v1 operator API (reference §4.1-§4.3): the Call POSTed to /api/v1, its
// synchronous Response, and the Event stream a SUBSCRIBE call opens (RecordIO).
import type { z } from "zod";
import { enumNames } from "./enum-numbers.ts";
import {
  AgentCapability,
  AgentInfo,
  DrainInfo,
  FrameworkInfo,
  MachineID,
  MasterInfo,
  Role,
  WeightInfo,
} from "./framework.ts";
import { AgentID, Duration, FrameworkID, TimeInfo } from "./ids.ts";
import { bool, double, optionalEnum, repeated, str } from "./json.ts";
import { InverseOffer, Offer, Operation } from "./offer.ts";
import {
  GetFlagsResponse,
  GetHealthResponse,
  GetLoggingLevelResponse,
  GetMetricsCall,
  GetMetricsResponse,
  GetVersionResponse,
  ListFilesCall,
  ListFilesResponse,
  MaintenanceClusterStatus,
  MaintenanceSchedule,
  QuotaConfig,
  QuotaRequest,
  QuotaStatus,
  ReadFileCall,
  ReadFileResponse,
  ResourceProviderSummary,
  SetLoggingLevelCall,
} from "./operator-common.ts";
import { message } from "./proto-message.ts";
import { Resource, Scalar } from "./resource.ts";
import { OfferConstraints } from "./scheduler.ts";
import { TaskState, TaskStatus } from "./status.ts";
import { checkSubMessage } from "./sub-message.ts";
import { ExecutorInfo, Task } from "./task.ts";

// --- Call -----------------------------------------------------------------------------------

export const MASTER_CALL_TYPES = enumNames({
  UNKNOWN: 0,
  GET_HEALTH: 1,
  GET_FLAGS: 2,
  GET_VERSION: 3,
  GET_METRICS: 4,
  GET_LOGGING_LEVEL: 5,
  SET_LOGGING_LEVEL: 6,
  LIST_FILES: 7,
  READ_FILE: 8,
  GET_STATE: 9,
  GET_AGENTS: 10,
  GET_FRAMEWORKS: 11,
  GET_EXECUTORS: 12,
  GET_OPERATIONS: 33,
  GET_TASKS: 13,
  GET_ROLES: 14,
  GET_WEIGHTS: 15,
  UPDATE_WEIGHTS: 16,
  GET_MASTER: 17,
  SUBSCRIBE: 18,
  RESERVE_RESOURCES: 19,
  UNRESERVE_RESOURCES: 20,
  CREATE_VOLUMES: 21,
  DESTROY_VOLUMES: 22,
  GROW_VOLUME: 34,
  SHRINK_VOLUME: 35,
  GET_MAINTENANCE_STATUS: 23,
  GET_MAINTENANCE_SCHEDULE: 24,
  UPDATE_MAINTENANCE_SCHEDULE: 25,
  START_MAINTENANCE: 26,
  STOP_MAINTENANCE: 27,
  DRAIN_AGENT: 37,
  DEACTIVATE_AGENT: 38,
  REACTIVATE_AGENT: 39,
  GET_QUOTA: 28,
  UPDATE_QUOTA: 36,
  SET_QUOTA: 29,
  REMOVE_QUOTA: 30,
  TEARDOWN: 31,
  MARK_AGENT_GONE: 32,
});
export type MasterCallType = (typeof MASTER_CALL_TYPES)[number];

const agentOnly = message({ agent_id: AgentID }, { agent_id: 1 });
const machines = message({ machines: repeated(MachineID) }, { machines: 1 });
const volumes = message(
  { agent_id: AgentID, volumes: repeated(Resource) },
  { agent_id: 1, volumes: 2 },
);

export const MasterCall = message(
  {
    // Optional in the proto: an unknown name leaves it unset ("Expecting 'type' to be present").
    type: optionalEnum(MASTER_CALL_TYPES),
    get_metrics: GetMetricsCall.optional(),
    set_logging_level: SetLoggingLevelCall.optional(),
    list_files: ListFilesCall.optional(),
    read_file: ReadFileCall.optional(),
    update_weights: message({ weight_infos: repeated(WeightInfo) }, { weight_infos: 1 }).optional(),
    // `source` (optional): the resources being reserved; `resources`: them with the new
    // reservation pushed.
    reserve_resources: message(
      { agent_id: AgentID, source: repeated(Resource), resources: repeated(Resource) },
      { agent_id: 1, source: 3, resources: 2 },
    ).optional(),
    unreserve_resources: message(
      { agent_id: AgentID, resources: repeated(Resource) },
      { agent_id: 1, resources: 2 },
    ).optional(),
    create_volumes: volumes.optional(),
    destroy_volumes: volumes.optional(),
    grow_volume: message(
      { agent_id: AgentID.optional(), volume: Resource, addition: Resource },
      { agent_id: 1, volume: 2, addition: 3 },
    ).optional(),
    shrink_volume: message(
      { agent_id: AgentID.optional(), volume: Resource, subtract: Scalar },
      { agent_id: 1, volume: 2, subtract: 3 },
    ).optional(),
    update_maintenance_schedule: message(
      { schedule: MaintenanceSchedule },
      { schedule: 1 },
    ).optional(),
    start_maintenance: machines.optional(),
    stop_maintenance: machines.optional(),
    drain_agent: message(
      {
        agent_id: AgentID,
        // google.protobuf.Duration as a plain message `{seconds, nanos}`; the docs' "10mins"
        // string is a parse error in Mesos too (§10.1).
        max_grace_period: Duration.optional(),
        mark_gone: bool.default(false),
      },
      { agent_id: 1, max_grace_period: 2, mark_gone: 3 },
    ).optional(),
    deactivate_agent: agentOnly.optional(),
    reactivate_agent: agentOnly.optional(),
    update_quota: message(
      { force: bool.optional(), quota_configs: repeated(QuotaConfig) },
      { force: 1, quota_configs: 2 },
    ).optional(),
    set_quota: message({ quota_request: QuotaRequest }, { quota_request: 1 }).optional(),
    remove_quota: message({ role: str }, { role: 1 }).optional(),
    teardown: message({ framework_id: FrameworkID }, { framework_id: 1 }).optional(),
    mark_agent_gone: agentOnly.optional(),
  },
  {
    type: 1,
    get_metrics: 2,
    set_logging_level: 3,
    list_files: 4,
    read_file: 5,
    update_weights: 6,
    reserve_resources: 7,
    unreserve_resources: 8,
    create_volumes: 9,
    destroy_volumes: 10,
    grow_volume: 18,
    shrink_volume: 19,
    update_maintenance_schedule: 11,
    start_maintenance: 12,
    stop_maintenance: 13,
    drain_agent: 21,
    deactivate_agent: 22,
    reactivate_agent: 23,
    update_quota: 20,
    set_quota: 14,
    remove_quota: 15,
    teardown: 16,
    mark_agent_gone: 17,
  },
);
export type MasterCall = z.output<typeof MasterCall>;

// Every call type whose sub-message Mesos's `master::call::validate` requires; the GET_*
// calls (but GET_METRICS), SUBSCRIBE and UNKNOWN carry none.
const MASTER_CALL_FIELDS: Partial<Record<MasterCallType, keyof MasterCall>> = {
  GET_METRICS: "get_metrics",
  SET_LOGGING_LEVEL: "set_logging_level",
  LIST_FILES: "list_files",
  READ_FILE: "read_file",
  UPDATE_WEIGHTS: "update_weights",
  RESERVE_RESOURCES: "reserve_resources",
  UNRESERVE_RESOURCES: "unreserve_resources",
  CREATE_VOLUMES: "create_volumes",
  DESTROY_VOLUMES: "destroy_volumes",
  GROW_VOLUME: "grow_volume",
  SHRINK_VOLUME: "shrink_volume",
  UPDATE_MAINTENANCE_SCHEDULE: "update_maintenance_schedule",
  START_MAINTENANCE: "start_maintenance",
  STOP_MAINTENANCE: "stop_maintenance",
  DRAIN_AGENT: "drain_agent",
  DEACTIVATE_AGENT: "deactivate_agent",
  REACTIVATE_AGENT: "reactivate_agent",
  UPDATE_QUOTA: "update_quota",
  SET_QUOTA: "set_quota",
  REMOVE_QUOTA: "remove_quota",
  TEARDOWN: "teardown",
  MARK_AGENT_GONE: "mark_agent_gone",
};

/**
 * Mesos's `master::call::validate`, run after the body parsed. Returns Mesos's message (the
 * HTTP layer answers 400 "Failed to validate master::Call: <message>") or undefined.
 * UNKNOWN passes: the HTTP layer answers it with 501.
 */
export function validateMasterCall(call: MasterCall): string | undefined {
  return checkSubMessage(call, MASTER_CALL_FIELDS);
}

// --- Response ---------------------------------------------------------------------------------

export const MASTER_RESPONSE_TYPES = enumNames({
  UNKNOWN: 0,
  GET_HEALTH: 1,
  GET_FLAGS: 2,
  GET_VERSION: 3,
  GET_METRICS: 4,
  GET_LOGGING_LEVEL: 5,
  LIST_FILES: 6,
  READ_FILE: 7,
  GET_STATE: 8,
  GET_AGENTS: 9,
  GET_FRAMEWORKS: 10,
  GET_EXECUTORS: 11,
  GET_OPERATIONS: 19,
  GET_TASKS: 12,
  GET_ROLES: 13,
  GET_WEIGHTS: 14,
  GET_MASTER: 15,
  GET_MAINTENANCE_STATUS: 16,
  GET_MAINTENANCE_SCHEDULE: 17,
  GET_QUOTA: 18,
});
export type MasterResponseType = (typeof MASTER_RESPONSE_TYPES)[number];

/** One agent as GET_AGENTS and AGENT_ADDED describe it (resources in ENDPOINT format). */
export const MasterAgent = message(
  {
    agent_info: AgentInfo,
    active: bool,
    deactivated: bool,
    version: str.optional(),
    pid: str.optional(),
    registered_time: TimeInfo.optional(),
    reregistered_time: TimeInfo.optional(),
    total_resources: repeated(Resource),
    allocated_resources: repeated(Resource),
    offered_resources: repeated(Resource),
    capabilities: repeated(AgentCapability),
    resource_providers: repeated(ResourceProviderSummary),
    drain_info: DrainInfo.optional(),
    estimated_drain_start_time: TimeInfo.optional(),
  },
  {
    agent_info: 1,
    active: 2,
    deactivated: 12,
    version: 3,
    pid: 4,
    registered_time: 5,
    reregistered_time: 6,
    total_resources: 7,
    allocated_resources: 8,
    offered_resources: 9,
    capabilities: 10,
    resource_providers: 11,
    drain_info: 13,
    estimated_drain_start_time: 14,
  },
);
export type MasterAgent = z.output<typeof MasterAgent>;

export const MasterGetAgents = message(
  {
    agents: repeated(MasterAgent),
    // Agents known from the registry that have not reregistered since a master failover.
    recovered_agents: repeated(AgentInfo),
  },
  { agents: 1, recovered_agents: 2 },
);
export type MasterGetAgents = z.output<typeof MasterGetAgents>;

/** One framework as GET_FRAMEWORKS and FRAMEWORK_ADDED/UPDATED describe it. */
export const MasterFramework = message(
  {
    framework_info: FrameworkInfo,
    active: bool,
    connected: bool,
    // Known only from agents' reregistration after a master failover, not yet resubscribed.
    recovered: bool.optional(),
    registered_time: TimeInfo.optional(),
    reregistered_time: TimeInfo.optional(),
    unregistered_time: TimeInfo.optional(),
    offers: repeated(Offer),
    inverse_offers: repeated(InverseOffer),
    allocated_resources: repeated(Resource),
    offered_resources: repeated(Resource),
    offer_constraints: OfferConstraints.optional(),
  },
  {
    framework_info: 1,
    active: 2,
    connected: 3,
    recovered: 11,
    registered_time: 4,
    reregistered_time: 5,
    unregistered_time: 6,
    offers: 7,
    inverse_offers: 8,
    allocated_resources: 9,
    offered_resources: 10,
    offer_constraints: 12,
  },
);
export type MasterFramework = z.output<typeof MasterFramework>;

export const MasterGetFrameworks = message(
  {
    frameworks: repeated(MasterFramework),
    completed_frameworks: repeated(MasterFramework),
    // Deprecated: always empty since Mesos 1.5.
    recovered_frameworks: repeated(FrameworkInfo),
  },
  { frameworks: 1, completed_frameworks: 2, recovered_frameworks: 3 },
);
export type MasterGetFrameworks = z.output<typeof MasterGetFrameworks>;

const masterExecutor = message(
  { executor_info: ExecutorInfo, agent_id: AgentID },
  { executor_info: 1, agent_id: 2 },
);
export const MasterGetExecutors = message(
  {
    executors: repeated(masterExecutor),
    // Deprecated: always empty.
    orphan_executors: repeated(masterExecutor),
  },
  { executors: 1, orphan_executors: 2 },
);
export type MasterGetExecutors = z.output<typeof MasterGetExecutors>;

export const MasterGetTasks = message(
  {
    // Deprecated: always empty.
    pending_tasks: repeated(Task),
    tasks: repeated(Task),
    unreachable_tasks: repeated(Task),
    completed_tasks: repeated(Task),
    // Deprecated: always empty.
    orphan_tasks: repeated(Task),
  },
  { pending_tasks: 1, tasks: 2, unreachable_tasks: 5, completed_tasks: 3, orphan_tasks: 4 },
);
export type MasterGetTasks = z.output<typeof MasterGetTasks>;

export const MasterGetState = message(
  {
    get_tasks: MasterGetTasks.optional(),
    get_executors: MasterGetExecutors.optional(),
    get_frameworks: MasterGetFrameworks.optional(),
    get_agents: MasterGetAgents.optional(),
  },
  { get_tasks: 1, get_executors: 2, get_frameworks: 3, get_agents: 4 },
);
export type MasterGetState = z.output<typeof MasterGetState>;

export const MasterResponse = message(
  {
    type: optionalEnum(MASTER_RESPONSE_TYPES),
    get_health: GetHealthResponse.optional(),
    get_flags: GetFlagsResponse.optional(),
    get_version: GetVersionResponse.optional(),
    get_metrics: GetMetricsResponse.optional(),
    get_logging_level: GetLoggingLevelResponse.optional(),
    list_files: ListFilesResponse.optional(),
    read_file: ReadFileResponse.optional(),
    get_state: MasterGetState.optional(),
    get_agents: MasterGetAgents.optional(),
    get_frameworks: MasterGetFrameworks.optional(),
    get_executors: MasterGetExecutors.optional(),
    get_operations: message({ operations: repeated(Operation) }, { operations: 1 }).optional(),
    get_tasks: MasterGetTasks.optional(),
    get_roles: message({ roles: repeated(Role) }, { roles: 1 }).optional(),
    get_weights: message({ weight_infos: repeated(WeightInfo) }, { weight_infos: 1 }).optional(),
    // Times are epoch seconds as doubles here, not TimeInfo.
    get_master: message(
      {
        master_info: MasterInfo.optional(),
        start_time: double.optional(),
        elected_time: double.optional(),
      },
      { master_info: 1, start_time: 2, elected_time: 3 },
    ).optional(),
    get_maintenance_status: message({ status: MaintenanceClusterStatus }, { status: 1 }).optional(),
    get_maintenance_schedule: message(
      { schedule: MaintenanceSchedule },
      { schedule: 1 },
    ).optional(),
    get_quota: message({ status: QuotaStatus }, { status: 1 }).optional(),
  },
  {
    type: 1,
    get_health: 2,
    get_flags: 3,
    get_version: 4,
    get_metrics: 5,
    get_logging_level: 6,
    list_files: 7,
    read_file: 8,
    get_state: 9,
    get_agents: 10,
    get_frameworks: 11,
    get_executors: 12,
    get_operations: 20,
    get_tasks: 13,
    get_roles: 14,
    get_weights: 15,
    get_master: 16,
    get_maintenance_status: 17,
    get_maintenance_schedule: 18,
    get_quota: 19,
  },
);
export type MasterResponse = z.output<typeof MasterResponse>;

// --- Event stream ---------------------------------------------------------------------------

export const MASTER_EVENT_TYPES = enumNames({
  UNKNOWN: 0,
  SUBSCRIBED: 1,
  TASK_ADDED: 2,
  TASK_UPDATED: 3,
  AGENT_ADDED: 4,
  AGENT_REMOVED: 5,
  FRAMEWORK_ADDED: 6,
  FRAMEWORK_UPDATED: 7,
  FRAMEWORK_REMOVED: 8,
  HEARTBEAT: 9,
});
export type MasterEventType = (typeof MASTER_EVENT_TYPES)[number];

export const MasterEvent = message(
  {
    type: optionalEnum(MASTER_EVENT_TYPES),
    // The full GET_STATE snapshot; later events are deltas on it.
    subscribed: message(
      {
        get_state: MasterGetState.optional(),
        heartbeat_interval_seconds: double.optional(),
      },
      { get_state: 1, heartbeat_interval_seconds: 2 },
    ).optional(),
    task_added: message({ task: Task }, { task: 1 }).optional(),
    // `state` is the task's latest state, which may differ from `status.state`.
    task_updated: message(
      { framework_id: FrameworkID, status: TaskStatus, state: TaskState },
      { framework_id: 1, status: 2, state: 3 },
    ).optional(),
    agent_added: message({ agent: MasterAgent }, { agent: 1 }).optional(),
    agent_removed: message({ agent_id: AgentID }, { agent_id: 1 }).optional(),
    framework_added: message({ framework: MasterFramework }, { framework: 1 }).optional(),
    framework_updated: message({ framework: MasterFramework }, { framework: 1 }).optional(),
    framework_removed: message({ framework_info: FrameworkInfo }, { framework_info: 1 }).optional(),
  },
  {
    type: 1,
    subscribed: 2,
    task_added: 3,
    task_updated: 4,
    agent_added: 5,
    agent_removed: 6,
    framework_added: 7,
    framework_updated: 8,
    framework_removed: 9,
  },
);
export type MasterEvent = z.output<typeof MasterEvent>;
