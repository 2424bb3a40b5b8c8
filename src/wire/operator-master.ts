// The master's v1 operator API (reference §4.1-§4.3): the Call POSTed to /api/v1, its
// synchronous Response, and the Event stream a SUBSCRIBE call opens (RecordIO).
import { z } from "zod";
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
import { Resource, Scalar } from "./resource.ts";
import { OfferConstraints } from "./scheduler.ts";
import { TaskState, TaskStatus } from "./status.ts";
import { checkSubMessage } from "./sub-message.ts";
import { ExecutorInfo, Task } from "./task.ts";

// --- Call -----------------------------------------------------------------------------------

export const MASTER_CALL_TYPES = [
  "UNKNOWN",
  "GET_HEALTH",
  "GET_FLAGS",
  "GET_VERSION",
  "GET_METRICS",
  "GET_LOGGING_LEVEL",
  "SET_LOGGING_LEVEL",
  "LIST_FILES",
  "READ_FILE",
  "GET_STATE",
  "GET_AGENTS",
  "GET_FRAMEWORKS",
  "GET_EXECUTORS",
  "GET_OPERATIONS",
  "GET_TASKS",
  "GET_ROLES",
  "GET_WEIGHTS",
  "UPDATE_WEIGHTS",
  "GET_MASTER",
  "SUBSCRIBE",
  "RESERVE_RESOURCES",
  "UNRESERVE_RESOURCES",
  "CREATE_VOLUMES",
  "DESTROY_VOLUMES",
  "GROW_VOLUME",
  "SHRINK_VOLUME",
  "GET_MAINTENANCE_STATUS",
  "GET_MAINTENANCE_SCHEDULE",
  "UPDATE_MAINTENANCE_SCHEDULE",
  "START_MAINTENANCE",
  "STOP_MAINTENANCE",
  "DRAIN_AGENT",
  "DEACTIVATE_AGENT",
  "REACTIVATE_AGENT",
  "GET_QUOTA",
  "UPDATE_QUOTA",
  "SET_QUOTA",
  "REMOVE_QUOTA",
  "TEARDOWN",
  "MARK_AGENT_GONE",
] as const;
export type MasterCallType = (typeof MASTER_CALL_TYPES)[number];

const agentOnly = z.object({ agent_id: AgentID });
const machines = z.object({ machines: repeated(MachineID) });
const volumes = z.object({ agent_id: AgentID, volumes: repeated(Resource) });

export const MasterCall = z.object({
  // Optional in the proto: an unknown name leaves it unset ("Expecting 'type' to be present").
  type: optionalEnum(MASTER_CALL_TYPES),
  get_metrics: GetMetricsCall.optional(),
  set_logging_level: SetLoggingLevelCall.optional(),
  list_files: ListFilesCall.optional(),
  read_file: ReadFileCall.optional(),
  update_weights: z.object({ weight_infos: repeated(WeightInfo) }).optional(),
  // `source` (optional): the resources being reserved; `resources`: them with the new
  // reservation pushed.
  reserve_resources: z
    .object({ agent_id: AgentID, source: repeated(Resource), resources: repeated(Resource) })
    .optional(),
  unreserve_resources: z.object({ agent_id: AgentID, resources: repeated(Resource) }).optional(),
  create_volumes: volumes.optional(),
  destroy_volumes: volumes.optional(),
  grow_volume: z
    .object({ agent_id: AgentID.optional(), volume: Resource, addition: Resource })
    .optional(),
  shrink_volume: z
    .object({ agent_id: AgentID.optional(), volume: Resource, subtract: Scalar })
    .optional(),
  update_maintenance_schedule: z.object({ schedule: MaintenanceSchedule }).optional(),
  start_maintenance: machines.optional(),
  stop_maintenance: machines.optional(),
  drain_agent: z
    .object({
      agent_id: AgentID,
      // google.protobuf.Duration as a plain message `{seconds, nanos}`; the docs' "10mins"
      // string is a parse error in Mesos too (§10.1).
      max_grace_period: Duration.optional(),
      mark_gone: bool.default(false),
    })
    .optional(),
  deactivate_agent: agentOnly.optional(),
  reactivate_agent: agentOnly.optional(),
  update_quota: z
    .object({ force: bool.optional(), quota_configs: repeated(QuotaConfig) })
    .optional(),
  set_quota: z.object({ quota_request: QuotaRequest }).optional(),
  remove_quota: z.object({ role: str }).optional(),
  teardown: z.object({ framework_id: FrameworkID }).optional(),
  mark_agent_gone: agentOnly.optional(),
});
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

export const MASTER_RESPONSE_TYPES = [
  "UNKNOWN",
  "GET_HEALTH",
  "GET_FLAGS",
  "GET_VERSION",
  "GET_METRICS",
  "GET_LOGGING_LEVEL",
  "LIST_FILES",
  "READ_FILE",
  "GET_STATE",
  "GET_AGENTS",
  "GET_FRAMEWORKS",
  "GET_EXECUTORS",
  "GET_OPERATIONS",
  "GET_TASKS",
  "GET_ROLES",
  "GET_WEIGHTS",
  "GET_MASTER",
  "GET_MAINTENANCE_STATUS",
  "GET_MAINTENANCE_SCHEDULE",
  "GET_QUOTA",
] as const;
export type MasterResponseType = (typeof MASTER_RESPONSE_TYPES)[number];

/** One agent as GET_AGENTS and AGENT_ADDED describe it (resources in ENDPOINT format). */
export const MasterAgent = z.object({
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
});
export type MasterAgent = z.output<typeof MasterAgent>;

export const MasterGetAgents = z.object({
  agents: repeated(MasterAgent),
  // Agents known from the registry that have not reregistered since a master failover.
  recovered_agents: repeated(AgentInfo),
});
export type MasterGetAgents = z.output<typeof MasterGetAgents>;

/** One framework as GET_FRAMEWORKS and FRAMEWORK_ADDED/UPDATED describe it. */
export const MasterFramework = z.object({
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
});
export type MasterFramework = z.output<typeof MasterFramework>;

export const MasterGetFrameworks = z.object({
  frameworks: repeated(MasterFramework),
  completed_frameworks: repeated(MasterFramework),
  // Deprecated: always empty since Mesos 1.5.
  recovered_frameworks: repeated(FrameworkInfo),
});
export type MasterGetFrameworks = z.output<typeof MasterGetFrameworks>;

const masterExecutor = z.object({ executor_info: ExecutorInfo, agent_id: AgentID });
export const MasterGetExecutors = z.object({
  executors: repeated(masterExecutor),
  // Deprecated: always empty.
  orphan_executors: repeated(masterExecutor),
});
export type MasterGetExecutors = z.output<typeof MasterGetExecutors>;

export const MasterGetTasks = z.object({
  // Deprecated: always empty.
  pending_tasks: repeated(Task),
  tasks: repeated(Task),
  unreachable_tasks: repeated(Task),
  completed_tasks: repeated(Task),
  // Deprecated: always empty.
  orphan_tasks: repeated(Task),
});
export type MasterGetTasks = z.output<typeof MasterGetTasks>;

export const MasterGetState = z.object({
  get_tasks: MasterGetTasks.optional(),
  get_executors: MasterGetExecutors.optional(),
  get_frameworks: MasterGetFrameworks.optional(),
  get_agents: MasterGetAgents.optional(),
});
export type MasterGetState = z.output<typeof MasterGetState>;

export const MasterResponse = z.object({
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
  get_operations: z.object({ operations: repeated(Operation) }).optional(),
  get_tasks: MasterGetTasks.optional(),
  get_roles: z.object({ roles: repeated(Role) }).optional(),
  get_weights: z.object({ weight_infos: repeated(WeightInfo) }).optional(),
  // Times are epoch seconds as doubles here, not TimeInfo.
  get_master: z
    .object({
      master_info: MasterInfo.optional(),
      start_time: double.optional(),
      elected_time: double.optional(),
    })
    .optional(),
  get_maintenance_status: z.object({ status: MaintenanceClusterStatus }).optional(),
  get_maintenance_schedule: z.object({ schedule: MaintenanceSchedule }).optional(),
  get_quota: z.object({ status: QuotaStatus }).optional(),
});
export type MasterResponse = z.output<typeof MasterResponse>;

// --- Event stream ---------------------------------------------------------------------------

export const MASTER_EVENT_TYPES = [
  "UNKNOWN",
  "SUBSCRIBED",
  "TASK_ADDED",
  "TASK_UPDATED",
  "AGENT_ADDED",
  "AGENT_REMOVED",
  "FRAMEWORK_ADDED",
  "FRAMEWORK_UPDATED",
  "FRAMEWORK_REMOVED",
  "HEARTBEAT",
] as const;
export type MasterEventType = (typeof MASTER_EVENT_TYPES)[number];

export const MasterEvent = z.object({
  type: optionalEnum(MASTER_EVENT_TYPES),
  // The full GET_STATE snapshot; later events are deltas on it.
  subscribed: z
    .object({ get_state: MasterGetState.optional(), heartbeat_interval_seconds: double.optional() })
    .optional(),
  task_added: z.object({ task: Task }).optional(),
  // `state` is the task's latest state, which may differ from `status.state`.
  task_updated: z
    .object({ framework_id: FrameworkID, status: TaskStatus, state: TaskState })
    .optional(),
  agent_added: z.object({ agent: MasterAgent }).optional(),
  agent_removed: z.object({ agent_id: AgentID }).optional(),
  framework_added: z.object({ framework: MasterFramework }).optional(),
  framework_updated: z.object({ framework: MasterFramework }).optional(),
  framework_removed: z.object({ framework_info: FrameworkInfo }).optional(),
});
export type MasterEvent = z.output<typeof MasterEvent>;
