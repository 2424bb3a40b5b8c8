// TaskStatus and its enums (reference §2.10): what frameworks receive in UPDATE events.
import type { z } from "zod";
import { enumWithDefault } from "./enum-default.ts";
import { enumNames } from "./enum-numbers.ts";
import { AgentID, ContainerID, ExecutorID, Labels, TaskID, TimeInfo } from "./ids.ts";
import {
  bool,
  bytes,
  double,
  int32,
  optionalEnum,
  protoEnum,
  repeated,
  str,
  uint32,
} from "./json.ts";
import { message } from "./proto-message.ts";
import { Resource } from "./resource.ts";

/** TaskState names with their proto numbers (the order Mesos added them, not lifecycle order). */
export const TASK_STATE_NUMBERS = {
  TASK_STAGING: 6,
  TASK_STARTING: 0,
  TASK_RUNNING: 1,
  TASK_KILLING: 8,
  TASK_FINISHED: 2,
  TASK_FAILED: 3,
  TASK_KILLED: 4,
  TASK_ERROR: 7,
  TASK_LOST: 5,
  TASK_DROPPED: 9,
  TASK_UNREACHABLE: 10,
  TASK_GONE: 11,
  TASK_GONE_BY_OPERATOR: 12,
  TASK_UNKNOWN: 13,
} as const;

export const TASK_STATES = enumNames(TASK_STATE_NUMBERS);

export const TaskState = protoEnum(TASK_STATES);
export type TaskState = z.output<typeof TaskState>;

/** Mesos's `protobuf::isTerminalState`: no update can follow one of these. */
export const TERMINAL_TASK_STATES: ReadonlySet<TaskState> = new Set<TaskState>([
  "TASK_FINISHED",
  "TASK_FAILED",
  "TASK_KILLED",
  "TASK_ERROR",
  "TASK_LOST",
  "TASK_DROPPED",
  "TASK_GONE",
  "TASK_GONE_BY_OPERATOR",
]);

export function isTerminalState(state: TaskState): boolean {
  return TERMINAL_TASK_STATES.has(state);
}

/** States only PARTITION_AWARE frameworks see; the others get TASK_LOST instead. */
export const PARTITION_AWARE_ONLY_STATES: ReadonlySet<TaskState> = new Set<TaskState>([
  "TASK_DROPPED",
  "TASK_UNREACHABLE",
  "TASK_GONE",
  "TASK_GONE_BY_OPERATOR",
  "TASK_UNKNOWN",
]);

export const SOURCES = enumNames({ SOURCE_MASTER: 0, SOURCE_AGENT: 1, SOURCE_EXECUTOR: 2 });
export const Source = protoEnum(SOURCES);
export type Source = z.output<typeof Source>;

/** Every TaskStatus.Reason of the v1 API with its proto number (v0 spells AGENT as SLAVE). */
export const REASON_NUMBERS = {
  REASON_COMMAND_EXECUTOR_FAILED: 0,
  REASON_CONTAINER_LAUNCH_FAILED: 21,
  REASON_CONTAINER_LIMITATION: 19,
  REASON_CONTAINER_LIMITATION_DISK: 20,
  REASON_CONTAINER_LIMITATION_MEMORY: 8,
  REASON_CONTAINER_PREEMPTED: 17,
  REASON_CONTAINER_UPDATE_FAILED: 22,
  REASON_MAX_COMPLETION_TIME_REACHED: 33,
  REASON_EXECUTOR_REGISTRATION_TIMEOUT: 23,
  REASON_EXECUTOR_REREGISTRATION_TIMEOUT: 24,
  REASON_EXECUTOR_TERMINATED: 1,
  REASON_EXECUTOR_UNREGISTERED: 2,
  REASON_FRAMEWORK_REMOVED: 3,
  REASON_GC_ERROR: 4,
  REASON_INVALID_FRAMEWORKID: 5,
  REASON_INVALID_OFFERS: 6,
  REASON_IO_SWITCHBOARD_EXITED: 27,
  REASON_MASTER_DISCONNECTED: 7,
  REASON_RECONCILIATION: 9,
  REASON_RESOURCES_UNKNOWN: 18,
  REASON_AGENT_DISCONNECTED: 10,
  REASON_AGENT_DRAINING: 34,
  REASON_AGENT_REMOVED: 11,
  REASON_AGENT_REMOVED_BY_OPERATOR: 31,
  REASON_AGENT_REREGISTERED: 32,
  REASON_AGENT_RESTARTED: 12,
  REASON_AGENT_UNKNOWN: 13,
  REASON_TASK_KILLED_DURING_LAUNCH: 30,
  REASON_TASK_CHECK_STATUS_UPDATED: 28,
  REASON_TASK_HEALTH_CHECK_STATUS_UPDATED: 29,
  REASON_TASK_GROUP_INVALID: 25,
  REASON_TASK_GROUP_UNAUTHORIZED: 26,
  REASON_TASK_INVALID: 14,
  REASON_TASK_UNAUTHORIZED: 15,
  REASON_TASK_UNKNOWN: 16,
} as const;

export const REASONS = enumNames(REASON_NUMBERS);
export const Reason = protoEnum(REASONS);
export type Reason = z.output<typeof Reason>;

export const CHECK_TYPES = enumNames({ UNKNOWN: 0, COMMAND: 1, HTTP: 2, TCP: 3 });

export const CheckStatusInfo = message(
  {
    type: optionalEnum(CHECK_TYPES),
    command: message({ exit_code: int32.optional() }, { exit_code: 1 }).optional(),
    http: message({ status_code: uint32.optional() }, { status_code: 1 }).optional(),
    tcp: message({ succeeded: bool.optional() }, { succeeded: 1 }).optional(),
  },
  { type: 1, command: 2, http: 3, tcp: 4 },
);
export type CheckStatusInfo = z.output<typeof CheckStatusInfo>;

export const IpAddress = message(
  {
    protocol: enumWithDefault(enumNames({ IPv4: 1, IPv6: 2 }), "IPv4"),
    ip_address: str.optional(),
  },
  { protocol: 1, ip_address: 2 },
);
export type IpAddress = z.output<typeof IpAddress>;

export const PortMapping = message(
  {
    host_port: uint32,
    container_port: uint32,
    protocol: str.optional(),
  },
  { host_port: 1, container_port: 2, protocol: 3 },
);
export type PortMapping = z.output<typeof PortMapping>;

/** `NetworkInfo` of ContainerInfo and ContainerStatus. */
export const NetworkInfo = message(
  {
    ip_addresses: repeated(IpAddress),
    name: str.optional(),
    groups: repeated(str),
    labels: Labels.optional(),
    port_mappings: repeated(PortMapping),
  },
  { ip_addresses: 5, name: 6, groups: 3, labels: 4, port_mappings: 7 },
);
export type NetworkInfo = z.output<typeof NetworkInfo>;

export const ContainerStatus = message(
  {
    container_id: ContainerID.optional(),
    network_infos: repeated(NetworkInfo),
    cgroup_info: message(
      { net_cls: message({ classid: uint32.optional() }, { classid: 1 }).optional() },
      { net_cls: 1 },
    ).optional(),
    executor_pid: uint32.optional(),
  },
  { container_id: 4, network_infos: 1, cgroup_info: 2, executor_pid: 3 },
);
export type ContainerStatus = z.output<typeof ContainerStatus>;

/** Which resource limit a container hit (with REASON_CONTAINER_LIMITATION_*). */
export const TaskResourceLimitation = message({ resources: repeated(Resource) }, { resources: 1 });
export type TaskResourceLimitation = z.output<typeof TaskResourceLimitation>;

export const TaskStatus = message(
  {
    task_id: TaskID,
    state: TaskState,
    message: str.optional(),
    source: optionalEnum(SOURCES),
    reason: optionalEnum(REASONS),
    data: bytes.optional(),
    agent_id: AgentID.optional(),
    executor_id: ExecutorID.optional(),
    // Seconds since the epoch, as a double.
    timestamp: double.optional(),
    // Raw bytes (a UUID from the agent); present => the framework must acknowledge it.
    uuid: bytes.optional(),
    healthy: bool.optional(),
    check_status: CheckStatusInfo.optional(),
    labels: Labels.optional(),
    container_status: ContainerStatus.optional(),
    unreachable_time: TimeInfo.optional(),
    limitation: TaskResourceLimitation.optional(),
  },
  {
    task_id: 1,
    state: 2,
    message: 4,
    source: 9,
    reason: 10,
    data: 3,
    agent_id: 5,
    executor_id: 7,
    timestamp: 6,
    uuid: 11,
    healthy: 8,
    check_status: 15,
    labels: 12,
    container_status: 13,
    unreachable_time: 14,
    limitation: 16,
  },
);
export type TaskStatus = z.output<typeof TaskStatus>;
