// The agent's v1 operator API (reference §4.4): the Call POSTed to the agent's /api/v1 and
// its synchronous Response. The agent has no event stream. The streaming container I/O calls
// (LAUNCH_NESTED_CONTAINER_SESSION, ATTACH_CONTAINER_INPUT/OUTPUT) carry ProcessIO records.
import { z } from "zod";
import { AgentInfo, DrainConfig, FrameworkInfo } from "./framework.ts";
import {
  ContainerID,
  DurationInfo,
  ExecutorID,
  FrameworkID,
  ResourceProviderID,
  TimeInfo,
  validateId,
} from "./ids.ts";
import { bool, bytes, int32, optionalEnum, repeated, str } from "./json.ts";
import { Operation } from "./offer.ts";
import {
  GetFlagsResponse,
  GetHealthResponse,
  GetLoggingLevelResponse,
  GetMetricsCall,
  GetMetricsResponse,
  GetVersionResponse,
  ListFilesCall,
  ListFilesResponse,
  ReadFileCall,
  ReadFileResponse,
  ResourceProviderInfo,
  ResourceProviderSummary,
  SetLoggingLevelCall,
} from "./operator-common.ts";
import { Resource } from "./resource.ts";
import { ContainerStatus, REASONS, TASK_STATES, TaskResourceLimitation } from "./status.ts";
import { checkSubMessage } from "./sub-message.ts";
import { CommandInfo, ContainerInfo, ExecutorInfo, ResourceLimits, Task, TTYInfo } from "./task.ts";
import { ResourceStatistics } from "./usage.ts";
import { Image } from "./volume.ts";

// --- ProcessIO (agent.proto): one record of a container I/O stream -------------------------

export const ProcessIO = z.object({
  type: optionalEnum(["UNKNOWN", "DATA", "CONTROL"] as const),
  data: z
    .object({
      type: optionalEnum(["UNKNOWN", "STDIN", "STDOUT", "STDERR"] as const),
      data: bytes.optional(),
    })
    .optional(),
  control: z
    .object({
      type: optionalEnum(["UNKNOWN", "TTY_INFO", "HEARTBEAT"] as const),
      tty_info: TTYInfo.optional(),
      heartbeat: z.object({ interval: DurationInfo.optional() }).optional(),
    })
    .optional(),
});
export type ProcessIO = z.output<typeof ProcessIO>;

// --- Call -----------------------------------------------------------------------------------

export const AGENT_OPERATOR_CALL_TYPES = [
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
  "GET_CONTAINERS",
  "GET_FRAMEWORKS",
  "GET_EXECUTORS",
  "GET_OPERATIONS",
  "GET_TASKS",
  "GET_AGENT",
  "GET_RESOURCE_PROVIDERS",
  "LAUNCH_NESTED_CONTAINER",
  "WAIT_NESTED_CONTAINER",
  "KILL_NESTED_CONTAINER",
  "REMOVE_NESTED_CONTAINER",
  "LAUNCH_NESTED_CONTAINER_SESSION",
  "ATTACH_CONTAINER_INPUT",
  "ATTACH_CONTAINER_OUTPUT",
  "LAUNCH_CONTAINER",
  "WAIT_CONTAINER",
  "KILL_CONTAINER",
  "REMOVE_CONTAINER",
  "ADD_RESOURCE_PROVIDER_CONFIG",
  "UPDATE_RESOURCE_PROVIDER_CONFIG",
  "REMOVE_RESOURCE_PROVIDER_CONFIG",
  "MARK_RESOURCE_PROVIDER_GONE",
  "PRUNE_IMAGES",
] as const;
export type AgentOperatorCallType = (typeof AGENT_OPERATOR_CALL_TYPES)[number];

const containerOnly = z.object({ container_id: ContainerID });
// `signal` unset means SIGKILL.
const killContainer = z.object({ container_id: ContainerID, signal: int32.optional() });
const launchNested = z.object({
  container_id: ContainerID,
  command: CommandInfo.optional(),
  container: ContainerInfo.optional(),
});

export const AgentOperatorCall = z.object({
  // Optional in the proto: an unknown name leaves it unset ("Expecting 'type' to be present").
  type: optionalEnum(AGENT_OPERATOR_CALL_TYPES),
  get_metrics: GetMetricsCall.optional(),
  set_logging_level: SetLoggingLevelCall.optional(),
  list_files: ListFilesCall.optional(),
  read_file: ReadFileCall.optional(),
  get_containers: z
    .object({ show_nested: bool.optional(), show_standalone: bool.optional() })
    .optional(),
  // Deprecated nested-container calls, superseded by the *_CONTAINER ones.
  launch_nested_container: launchNested.optional(),
  wait_nested_container: containerOnly.optional(),
  kill_nested_container: killContainer.optional(),
  remove_nested_container: containerOnly.optional(),
  launch_nested_container_session: launchNested.optional(),
  // The first record of an ATTACH_CONTAINER_INPUT stream names the container; the rest
  // carry ProcessIO.
  attach_container_input: z
    .object({
      type: optionalEnum(["UNKNOWN", "CONTAINER_ID", "PROCESS_IO"] as const),
      container_id: ContainerID.optional(),
      process_io: ProcessIO.optional(),
    })
    .optional(),
  attach_container_output: containerOnly.optional(),
  // A standalone container (no parent) or a nested one; 200 if new, 202 if it exists.
  launch_container: z
    .object({
      container_id: ContainerID,
      command: CommandInfo.optional(),
      resources: repeated(Resource),
      container: ContainerInfo.optional(),
      limits: ResourceLimits.optional(),
    })
    .optional(),
  wait_container: containerOnly.optional(),
  kill_container: killContainer.optional(),
  remove_container: containerOnly.optional(),
  add_resource_provider_config: z.object({ info: ResourceProviderInfo }).optional(),
  update_resource_provider_config: z.object({ info: ResourceProviderInfo }).optional(),
  remove_resource_provider_config: z.object({ type: str, name: str }).optional(),
  mark_resource_provider_gone: z.object({ resource_provider_id: ResourceProviderID }).optional(),
  prune_images: z.object({ excluded_images: repeated(Image) }).optional(),
});
export type AgentOperatorCall = z.output<typeof AgentOperatorCall>;

const AGENT_CALL_FIELDS: Partial<Record<AgentOperatorCallType, keyof AgentOperatorCall>> = {
  GET_METRICS: "get_metrics",
  SET_LOGGING_LEVEL: "set_logging_level",
  LIST_FILES: "list_files",
  READ_FILE: "read_file",
  LAUNCH_NESTED_CONTAINER: "launch_nested_container",
  WAIT_NESTED_CONTAINER: "wait_nested_container",
  KILL_NESTED_CONTAINER: "kill_nested_container",
  REMOVE_NESTED_CONTAINER: "remove_nested_container",
  LAUNCH_NESTED_CONTAINER_SESSION: "launch_nested_container_session",
  ATTACH_CONTAINER_INPUT: "attach_container_input",
  ATTACH_CONTAINER_OUTPUT: "attach_container_output",
  LAUNCH_CONTAINER: "launch_container",
  WAIT_CONTAINER: "wait_container",
  KILL_CONTAINER: "kill_container",
  REMOVE_CONTAINER: "remove_container",
  ADD_RESOURCE_PROVIDER_CONFIG: "add_resource_provider_config",
  UPDATE_RESOURCE_PROVIDER_CONFIG: "update_resource_provider_config",
  REMOVE_RESOURCE_PROVIDER_CONFIG: "remove_resource_provider_config",
  MARK_RESOURCE_PROVIDER_GONE: "mark_resource_provider_gone",
};

// Calls that act on a nested container need its parent: it says where to place it.
const NESTED_CALLS: Partial<Record<AgentOperatorCallType, true>> = {
  LAUNCH_NESTED_CONTAINER: true,
  WAIT_NESTED_CONTAINER: true,
  KILL_NESTED_CONTAINER: true,
  REMOVE_NESTED_CONTAINER: true,
  LAUNCH_NESTED_CONTAINER_SESSION: true,
};

/**
 * Mesos's `agent::call::validate`: type present, sub-message present, and for container
 * calls a valid container id (with a parent for the nested-container calls). Returns Mesos's
 * message (the HTTP layer answers 400 "Failed to validate agent::Call: <message>") or
 * undefined. UNKNOWN passes: the HTTP layer answers it with 501.
 */
export function validateAgentOperatorCall(call: AgentOperatorCall): string | undefined {
  const missing = checkSubMessage(call, AGENT_CALL_FIELDS);
  if (missing !== undefined || call.type === undefined) return missing;
  const field = AGENT_CALL_FIELDS[call.type];
  if (field === undefined) return undefined;
  const body = call[field] as { container_id?: ContainerID } | undefined;
  const id = body?.container_id;
  if (id === undefined) return undefined;
  const invalid = validateContainerId(id);
  if (invalid !== undefined) return `'${field}.container_id' is invalid: ${invalid}`;
  if (NESTED_CALLS[call.type] && id.parent === undefined) {
    return `Expecting '${field}.container_id.parent' to be present`;
  }
  return undefined;
}

// Every id along the parent chain must be a valid path component (sandboxes nest by id).
function validateContainerId(id: ContainerID): string | undefined {
  for (let at: ContainerID | undefined = id; at !== undefined; at = at.parent) {
    const invalid = validateId(at.value);
    if (invalid !== undefined) return invalid;
  }
  return undefined;
}

// --- Response ---------------------------------------------------------------------------------

export const AGENT_OPERATOR_RESPONSE_TYPES = [
  "UNKNOWN",
  "GET_HEALTH",
  "GET_FLAGS",
  "GET_VERSION",
  "GET_METRICS",
  "GET_LOGGING_LEVEL",
  "LIST_FILES",
  "READ_FILE",
  "GET_STATE",
  "GET_CONTAINERS",
  "GET_FRAMEWORKS",
  "GET_EXECUTORS",
  "GET_OPERATIONS",
  "GET_TASKS",
  "GET_AGENT",
  "GET_RESOURCE_PROVIDERS",
  "WAIT_NESTED_CONTAINER",
  "WAIT_CONTAINER",
] as const;
export type AgentOperatorResponseType = (typeof AGENT_OPERATOR_RESPONSE_TYPES)[number];

const agentFramework = z.object({ framework_info: FrameworkInfo });
export const AgentGetFrameworks = z.object({
  frameworks: repeated(agentFramework),
  completed_frameworks: repeated(agentFramework),
});
export type AgentGetFrameworks = z.output<typeof AgentGetFrameworks>;

const agentExecutor = z.object({ executor_info: ExecutorInfo });
export const AgentGetExecutors = z.object({
  executors: repeated(agentExecutor),
  completed_executors: repeated(agentExecutor),
});
export type AgentGetExecutors = z.output<typeof AgentGetExecutors>;

export const AgentGetTasks = z.object({
  // Not yet handed to the containerizer.
  pending_tasks: repeated(Task),
  // Waiting for their executor to subscribe.
  queued_tasks: repeated(Task),
  launched_tasks: repeated(Task),
  terminated_tasks: repeated(Task),
  completed_tasks: repeated(Task),
});
export type AgentGetTasks = z.output<typeof AgentGetTasks>;

export const AgentGetState = z.object({
  get_tasks: AgentGetTasks.optional(),
  get_executors: AgentGetExecutors.optional(),
  get_frameworks: AgentGetFrameworks.optional(),
});
export type AgentGetState = z.output<typeof AgentGetState>;

export const AgentContainer = z.object({
  framework_id: FrameworkID.optional(),
  executor_id: ExecutorID.optional(),
  executor_name: str.optional(),
  container_id: ContainerID,
  container_status: ContainerStatus.optional(),
  resource_statistics: ResourceStatistics.optional(),
});
export type AgentContainer = z.output<typeof AgentContainer>;

/** How a container ended (WAIT_CONTAINER / WAIT_NESTED_CONTAINER). */
export const ContainerTermination = z.object({
  // The wait status as returned by waitpid (signal and exit code packed).
  exit_status: int32.optional(),
  state: optionalEnum(TASK_STATES),
  reason: optionalEnum(REASONS),
  limitation: TaskResourceLimitation.optional(),
  message: str.optional(),
});
export type ContainerTermination = z.output<typeof ContainerTermination>;

export const AgentOperatorResponse = z.object({
  type: optionalEnum(AGENT_OPERATOR_RESPONSE_TYPES),
  get_health: GetHealthResponse.optional(),
  get_flags: GetFlagsResponse.optional(),
  get_version: GetVersionResponse.optional(),
  get_metrics: GetMetricsResponse.optional(),
  get_logging_level: GetLoggingLevelResponse.optional(),
  list_files: ListFilesResponse.optional(),
  read_file: ReadFileResponse.optional(),
  get_state: AgentGetState.optional(),
  get_containers: z.object({ containers: repeated(AgentContainer) }).optional(),
  get_frameworks: AgentGetFrameworks.optional(),
  get_executors: AgentGetExecutors.optional(),
  get_operations: z.object({ operations: repeated(Operation) }).optional(),
  get_tasks: AgentGetTasks.optional(),
  get_agent: z
    .object({
      agent_info: AgentInfo.optional(),
      drain_config: DrainConfig.optional(),
      estimated_drain_start_time: TimeInfo.optional(),
    })
    .optional(),
  get_resource_providers: z
    .object({ resource_providers: repeated(ResourceProviderSummary) })
    .optional(),
  wait_nested_container: ContainerTermination.optional(),
  wait_container: ContainerTermination.optional(),
});
export type AgentOperatorResponse = z.output<typeof AgentOperatorResponse>;
