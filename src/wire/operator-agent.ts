// The agent's v1 operator API (reference §4.4): the Call POSTed to the agent's /api/v1 and
// its synchronous Response. The agent has no event stream. The streaming container I/O calls
// (LAUNCH_NESTED_CONTAINER_SESSION, ATTACH_CONTAINER_INPUT/OUTPUT) carry ProcessIO records.
import type { z } from "zod";
import { enumNames } from "./enum-numbers.ts";
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
import { message } from "./proto-message.ts";
import { Resource } from "./resource.ts";
import { ContainerStatus, REASONS, TASK_STATES, TaskResourceLimitation } from "./status.ts";
import { checkSubMessage } from "./sub-message.ts";
import { CommandInfo, ContainerInfo, ExecutorInfo, ResourceLimits, Task, TTYInfo } from "./task.ts";
import { ResourceStatistics } from "./usage.ts";
import { Image } from "./volume.ts";

// --- ProcessIO (agent.proto): one record of a container I/O stream -------------------------

export const ProcessIO = message(
  {
    type: optionalEnum(enumNames({ UNKNOWN: 0, DATA: 1, CONTROL: 2 })),
    data: message(
      {
        type: optionalEnum(enumNames({ UNKNOWN: 0, STDIN: 1, STDOUT: 2, STDERR: 3 })),
        data: bytes.optional(),
      },
      { type: 1, data: 2 },
    ).optional(),
    control: message(
      {
        type: optionalEnum(enumNames({ UNKNOWN: 0, TTY_INFO: 1, HEARTBEAT: 2 })),
        tty_info: TTYInfo.optional(),
        heartbeat: message({ interval: DurationInfo.optional() }, { interval: 1 }).optional(),
      },
      { type: 1, tty_info: 2, heartbeat: 3 },
    ).optional(),
  },
  { type: 1, data: 2, control: 3 },
);
export type ProcessIO = z.output<typeof ProcessIO>;

// --- Call -----------------------------------------------------------------------------------

export const AGENT_OPERATOR_CALL_TYPES = enumNames({
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
  GET_CONTAINERS: 10,
  GET_FRAMEWORKS: 11,
  GET_EXECUTORS: 12,
  GET_OPERATIONS: 31,
  GET_TASKS: 13,
  GET_AGENT: 20,
  GET_RESOURCE_PROVIDERS: 26,
  LAUNCH_NESTED_CONTAINER: 14,
  WAIT_NESTED_CONTAINER: 15,
  KILL_NESTED_CONTAINER: 16,
  REMOVE_NESTED_CONTAINER: 21,
  LAUNCH_NESTED_CONTAINER_SESSION: 17,
  ATTACH_CONTAINER_INPUT: 18,
  ATTACH_CONTAINER_OUTPUT: 19,
  LAUNCH_CONTAINER: 22,
  WAIT_CONTAINER: 23,
  KILL_CONTAINER: 24,
  REMOVE_CONTAINER: 25,
  ADD_RESOURCE_PROVIDER_CONFIG: 27,
  UPDATE_RESOURCE_PROVIDER_CONFIG: 28,
  REMOVE_RESOURCE_PROVIDER_CONFIG: 29,
  MARK_RESOURCE_PROVIDER_GONE: 32,
  PRUNE_IMAGES: 30,
});
export type AgentOperatorCallType = (typeof AGENT_OPERATOR_CALL_TYPES)[number];

const containerOnly = message({ container_id: ContainerID }, { container_id: 1 });
// `signal` unset means SIGKILL.
const killContainer = message(
  { container_id: ContainerID, signal: int32.optional() },
  { container_id: 1, signal: 2 },
);
const launchNested = message(
  {
    container_id: ContainerID,
    command: CommandInfo.optional(),
    container: ContainerInfo.optional(),
  },
  { container_id: 1, command: 2, container: 3 },
);

export const AgentOperatorCall = message(
  {
    // Optional in the proto: an unknown name leaves it unset ("Expecting 'type' to be present").
    type: optionalEnum(AGENT_OPERATOR_CALL_TYPES),
    get_metrics: GetMetricsCall.optional(),
    set_logging_level: SetLoggingLevelCall.optional(),
    list_files: ListFilesCall.optional(),
    read_file: ReadFileCall.optional(),
    get_containers: message(
      { show_nested: bool.optional(), show_standalone: bool.optional() },
      { show_nested: 1, show_standalone: 2 },
    ).optional(),
    // Deprecated nested-container calls, superseded by the *_CONTAINER ones.
    launch_nested_container: launchNested.optional(),
    wait_nested_container: containerOnly.optional(),
    kill_nested_container: killContainer.optional(),
    remove_nested_container: containerOnly.optional(),
    launch_nested_container_session: launchNested.optional(),
    // The first record of an ATTACH_CONTAINER_INPUT stream names the container; the rest
    // carry ProcessIO.
    attach_container_input: message(
      {
        type: optionalEnum(enumNames({ UNKNOWN: 0, CONTAINER_ID: 1, PROCESS_IO: 2 })),
        container_id: ContainerID.optional(),
        process_io: ProcessIO.optional(),
      },
      { type: 1, container_id: 2, process_io: 3 },
    ).optional(),
    attach_container_output: containerOnly.optional(),
    // A standalone container (no parent) or a nested one; 200 if new, 202 if it exists.
    launch_container: message(
      {
        container_id: ContainerID,
        command: CommandInfo.optional(),
        resources: repeated(Resource),
        container: ContainerInfo.optional(),
        limits: ResourceLimits.optional(),
      },
      { container_id: 1, command: 2, resources: 3, container: 4, limits: 5 },
    ).optional(),
    wait_container: containerOnly.optional(),
    kill_container: killContainer.optional(),
    remove_container: containerOnly.optional(),
    add_resource_provider_config: message({ info: ResourceProviderInfo }, { info: 1 }).optional(),
    update_resource_provider_config: message(
      { info: ResourceProviderInfo },
      { info: 1 },
    ).optional(),
    remove_resource_provider_config: message(
      { type: str, name: str },
      { type: 1, name: 2 },
    ).optional(),
    mark_resource_provider_gone: message(
      { resource_provider_id: ResourceProviderID },
      { resource_provider_id: 1 },
    ).optional(),
    prune_images: message({ excluded_images: repeated(Image) }, { excluded_images: 1 }).optional(),
  },
  {
    type: 1,
    get_metrics: 2,
    set_logging_level: 3,
    list_files: 4,
    read_file: 5,
    get_containers: 20,
    launch_nested_container: 6,
    wait_nested_container: 7,
    kill_nested_container: 8,
    remove_nested_container: 12,
    launch_nested_container_session: 9,
    attach_container_input: 10,
    attach_container_output: 11,
    launch_container: 13,
    wait_container: 14,
    kill_container: 15,
    remove_container: 16,
    add_resource_provider_config: 17,
    update_resource_provider_config: 18,
    remove_resource_provider_config: 19,
    mark_resource_provider_gone: 22,
    prune_images: 21,
  },
);
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

export const AGENT_OPERATOR_RESPONSE_TYPES = enumNames({
  UNKNOWN: 0,
  GET_HEALTH: 1,
  GET_FLAGS: 2,
  GET_VERSION: 3,
  GET_METRICS: 4,
  GET_LOGGING_LEVEL: 5,
  LIST_FILES: 6,
  READ_FILE: 7,
  GET_STATE: 8,
  GET_CONTAINERS: 9,
  GET_FRAMEWORKS: 10,
  GET_EXECUTORS: 11,
  GET_OPERATIONS: 17,
  GET_TASKS: 12,
  GET_AGENT: 14,
  GET_RESOURCE_PROVIDERS: 16,
  WAIT_NESTED_CONTAINER: 13,
  WAIT_CONTAINER: 15,
});
export type AgentOperatorResponseType = (typeof AGENT_OPERATOR_RESPONSE_TYPES)[number];

const agentFramework = message({ framework_info: FrameworkInfo }, { framework_info: 1 });
export const AgentGetFrameworks = message(
  {
    frameworks: repeated(agentFramework),
    completed_frameworks: repeated(agentFramework),
  },
  { frameworks: 1, completed_frameworks: 2 },
);
export type AgentGetFrameworks = z.output<typeof AgentGetFrameworks>;

const agentExecutor = message({ executor_info: ExecutorInfo }, { executor_info: 1 });
export const AgentGetExecutors = message(
  {
    executors: repeated(agentExecutor),
    completed_executors: repeated(agentExecutor),
  },
  { executors: 1, completed_executors: 2 },
);
export type AgentGetExecutors = z.output<typeof AgentGetExecutors>;

export const AgentGetTasks = message(
  {
    // Not yet handed to the containerizer.
    pending_tasks: repeated(Task),
    // Waiting for their executor to subscribe.
    queued_tasks: repeated(Task),
    launched_tasks: repeated(Task),
    terminated_tasks: repeated(Task),
    completed_tasks: repeated(Task),
  },
  { pending_tasks: 1, queued_tasks: 2, launched_tasks: 3, terminated_tasks: 4, completed_tasks: 5 },
);
export type AgentGetTasks = z.output<typeof AgentGetTasks>;

export const AgentGetState = message(
  {
    get_tasks: AgentGetTasks.optional(),
    get_executors: AgentGetExecutors.optional(),
    get_frameworks: AgentGetFrameworks.optional(),
  },
  { get_tasks: 1, get_executors: 2, get_frameworks: 3 },
);
export type AgentGetState = z.output<typeof AgentGetState>;

export const AgentContainer = message(
  {
    framework_id: FrameworkID.optional(),
    executor_id: ExecutorID.optional(),
    executor_name: str.optional(),
    container_id: ContainerID,
    container_status: ContainerStatus.optional(),
    resource_statistics: ResourceStatistics.optional(),
  },
  {
    framework_id: 1,
    executor_id: 2,
    executor_name: 3,
    container_id: 4,
    container_status: 5,
    resource_statistics: 6,
  },
);
export type AgentContainer = z.output<typeof AgentContainer>;

/** How a container ended (WAIT_CONTAINER / WAIT_NESTED_CONTAINER). */
export const ContainerTermination = message(
  {
    // The wait status as returned by waitpid (signal and exit code packed).
    exit_status: int32.optional(),
    state: optionalEnum(TASK_STATES),
    reason: optionalEnum(REASONS),
    limitation: TaskResourceLimitation.optional(),
    message: str.optional(),
  },
  { exit_status: 1, state: 2, reason: 3, limitation: 4, message: 5 },
);
export type ContainerTermination = z.output<typeof ContainerTermination>;

export const AgentOperatorResponse = message(
  {
    type: optionalEnum(AGENT_OPERATOR_RESPONSE_TYPES),
    get_health: GetHealthResponse.optional(),
    get_flags: GetFlagsResponse.optional(),
    get_version: GetVersionResponse.optional(),
    get_metrics: GetMetricsResponse.optional(),
    get_logging_level: GetLoggingLevelResponse.optional(),
    list_files: ListFilesResponse.optional(),
    read_file: ReadFileResponse.optional(),
    get_state: AgentGetState.optional(),
    get_containers: message({ containers: repeated(AgentContainer) }, { containers: 1 }).optional(),
    get_frameworks: AgentGetFrameworks.optional(),
    get_executors: AgentGetExecutors.optional(),
    get_operations: message({ operations: repeated(Operation) }, { operations: 1 }).optional(),
    get_tasks: AgentGetTasks.optional(),
    get_agent: message(
      {
        agent_info: AgentInfo.optional(),
        drain_config: DrainConfig.optional(),
        estimated_drain_start_time: TimeInfo.optional(),
      },
      { agent_info: 1, drain_config: 2, estimated_drain_start_time: 3 },
    ).optional(),
    get_resource_providers: message(
      { resource_providers: repeated(ResourceProviderSummary) },
      { resource_providers: 1 },
    ).optional(),
    wait_nested_container: ContainerTermination.optional(),
    wait_container: ContainerTermination.optional(),
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
    get_containers: 10,
    get_frameworks: 11,
    get_executors: 12,
    get_operations: 18,
    get_tasks: 13,
    get_agent: 15,
    get_resource_providers: 17,
    wait_nested_container: 14,
    wait_container: 16,
  },
);
export type AgentOperatorResponse = z.output<typeof AgentOperatorResponse>;
