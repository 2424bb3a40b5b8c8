// TaskInfo, ExecutorInfo, CommandInfo, ContainerInfo, health checks and the Task state record of
// mesos.proto (reference §2.7-§2.9). NetworkInfo (shared with ContainerStatus) and the
// Secret/Image/Volume parts (shared with DiskInfo) and ContainerInfo are defined below these and
// re-exported here.
import { z } from "zod";
import { ContainerInfo } from "./container.ts";
import { enumWithDefault } from "./enum-default.ts";
import { enumNames } from "./enum-numbers.ts";
import { AgentID, DurationInfo, ExecutorID, FrameworkID, Labels, TaskID } from "./ids.ts";
import { bool, bytes, double, optionalEnum, protoEnum, repeated, str, uint32 } from "./json.ts";
import { message } from "./proto-message.ts";
import { Resource, Scalar } from "./resource.ts";
import { TASK_STATES, TaskState, TaskStatus } from "./status.ts";
import { Secret } from "./volume.ts";

export {
  ContainerInfo,
  DOCKER_NETWORKS,
  DockerInfo,
  LinuxInfo,
  RLIMIT_TYPES,
  RLimitInfo,
  TTYInfo,
} from "./container.ts";
export { NetworkInfo } from "./status.ts";
export { Image, Secret, Volume, VolumeSource } from "./volume.ts";

export const CommandURI = message(
  {
    value: str,
    executable: bool.optional(),
    extract: bool.default(true),
    cache: bool.optional(),
    output_file: str.optional(),
  },
  { value: 1, executable: 2, extract: 3, cache: 4, output_file: 5 },
);
export type CommandURI = z.output<typeof CommandURI>;

export const ENVIRONMENT_VARIABLE_TYPES = enumNames({ UNKNOWN: 0, VALUE: 1, SECRET: 2 });

export const EnvironmentVariable = message(
  {
    name: str,
    type: enumWithDefault(ENVIRONMENT_VARIABLE_TYPES, "VALUE"),
    value: str.optional(),
    secret: Secret.optional(),
  },
  { name: 1, type: 3, value: 2, secret: 4 },
);
export type EnvironmentVariable = z.output<typeof EnvironmentVariable>;

export const Environment = message({ variables: repeated(EnvironmentVariable) }, { variables: 1 });
export type Environment = z.output<typeof Environment>;

/** shell=true runs `/bin/sh -c <value>`; shell=false execs `value` with argv = `arguments`. */
export const CommandInfo = message(
  {
    uris: repeated(CommandURI),
    environment: Environment.optional(),
    shell: bool.default(true),
    value: str.optional(),
    arguments: repeated(str),
    user: str.optional(),
  },
  { uris: 1, environment: 2, shell: 6, value: 3, arguments: 7, user: 5 },
);
export type CommandInfo = z.output<typeof CommandInfo>;

const PROTOCOLS = enumNames({ IPv4: 1, IPv6: 2 });
const CHECK_KINDS = enumNames({ UNKNOWN: 0, COMMAND: 1, HTTP: 2, TCP: 3 });

/** Health check defaults (seconds) are Mesos's and always appear on the wire. */
export const HealthCheck = message(
  {
    type: optionalEnum(CHECK_KINDS),
    command: CommandInfo.optional(),
    http: message(
      {
        protocol: enumWithDefault(PROTOCOLS, "IPv4"),
        scheme: str.optional(),
        port: uint32,
        path: str.optional(),
        // Declared by Mesos but unused: success is any status in 200..399.
        statuses: repeated(uint32),
      },
      { protocol: 5, scheme: 3, port: 1, path: 2, statuses: 4 },
    ).optional(),
    tcp: message(
      { protocol: enumWithDefault(PROTOCOLS, "IPv4"), port: uint32 },
      { protocol: 2, port: 1 },
    ).optional(),
    delay_seconds: double.default(15.0),
    interval_seconds: double.default(10.0),
    timeout_seconds: double.default(20.0),
    consecutive_failures: uint32.default(3),
    grace_period_seconds: double.default(10.0),
  },
  {
    type: 8,
    command: 7,
    http: 1,
    tcp: 9,
    delay_seconds: 2,
    interval_seconds: 3,
    timeout_seconds: 4,
    consecutive_failures: 5,
    grace_period_seconds: 6,
  },
);
export type HealthCheck = z.output<typeof HealthCheck>;

/** A general check: results come back as TaskStatus.check_status; never kills the task. */
export const CheckInfo = message(
  {
    type: optionalEnum(CHECK_KINDS),
    command: message({ command: CommandInfo }, { command: 1 }).optional(),
    // Unlike HealthCheck's, a check's HTTP and TCP probes carry no IP protocol in Mesos.
    http: message({ port: uint32, path: str.optional() }, { port: 1, path: 2 }).optional(),
    tcp: message({ port: uint32 }, { port: 1 }).optional(),
    delay_seconds: double.default(15.0),
    interval_seconds: double.default(10.0),
    timeout_seconds: double.default(20.0),
  },
  {
    type: 1,
    command: 2,
    http: 3,
    tcp: 7,
    delay_seconds: 4,
    interval_seconds: 5,
    timeout_seconds: 6,
  },
);
export type CheckInfo = z.output<typeof CheckInfo>;

/** SIGTERM, then SIGKILL after `grace_period` (built-in executors default to 3 s). */
export const KillPolicy = message({ grace_period: DurationInfo.optional() }, { grace_period: 1 });
export type KillPolicy = z.output<typeof KillPolicy>;

const VISIBILITIES = enumNames({ FRAMEWORK: 0, CLUSTER: 1, EXTERNAL: 2 });

export const Port = message(
  {
    number: uint32,
    name: str.optional(),
    protocol: str.optional(),
    visibility: optionalEnum(VISIBILITIES),
    labels: Labels.optional(),
  },
  { number: 1, name: 2, protocol: 3, visibility: 4, labels: 5 },
);
export type Port = z.output<typeof Port>;

export const Ports = message({ ports: repeated(Port) }, { ports: 1 });
export type Ports = z.output<typeof Ports>;

export const DiscoveryInfo = message(
  {
    visibility: protoEnum(VISIBILITIES),
    name: str.optional(),
    environment: str.optional(),
    location: str.optional(),
    version: str.optional(),
    ports: Ports.optional(),
    labels: Labels.optional(),
  },
  { visibility: 1, name: 2, environment: 3, location: 4, version: 5, ports: 6, labels: 7 },
);
export type DiscoveryInfo = z.output<typeof DiscoveryInfo>;

export const EXECUTOR_TYPES = enumNames({ UNKNOWN: 0, DEFAULT: 1, CUSTOM: 2 });

export const ExecutorInfo = message(
  {
    type: optionalEnum(EXECUTOR_TYPES),
    executor_id: ExecutorID,
    framework_id: FrameworkID.optional(),
    command: CommandInfo.optional(),
    container: ContainerInfo.optional(),
    resources: repeated(Resource),
    name: str.optional(),
    // Deprecated: use labels.
    source: str.optional(),
    data: bytes.optional(),
    discovery: DiscoveryInfo.optional(),
    shutdown_grace_period: DurationInfo.optional(),
    labels: Labels.optional(),
  },
  {
    type: 15,
    executor_id: 1,
    framework_id: 8,
    command: 7,
    container: 11,
    resources: 5,
    name: 9,
    source: 10,
    data: 4,
    discovery: 12,
    shutdown_grace_period: 13,
    labels: 14,
  },
);
export type ExecutorInfo = z.output<typeof ExecutorInfo>;

/**
 * `map<string, Value.Scalar>` of resource limits. Each value is a Scalar (`{"value": 2}`);
 * a bare number or "Infinity" is also accepted, as the reference's examples spell it.
 */
export const ResourceLimits = z.record(
  z.string(),
  z.union([Scalar, double.transform((value) => ({ value }))], {
    error: 'expected a Scalar ({"value": N}) or a number',
  }),
);
export type ResourceLimits = z.output<typeof ResourceLimits>;

export const TaskInfo = message(
  {
    name: str,
    task_id: TaskID,
    agent_id: AgentID,
    resources: repeated(Resource),
    // Exactly one of executor/command: a master validation rule (TASK_ERROR), see checkTaskInfoShape.
    executor: ExecutorInfo.optional(),
    command: CommandInfo.optional(),
    container: ContainerInfo.optional(),
    health_check: HealthCheck.optional(),
    check: CheckInfo.optional(),
    kill_policy: KillPolicy.optional(),
    data: bytes.optional(),
    labels: Labels.optional(),
    discovery: DiscoveryInfo.optional(),
    max_completion_time: DurationInfo.optional(),
    limits: ResourceLimits.optional(),
  },
  {
    name: 1,
    task_id: 2,
    agent_id: 3,
    resources: 4,
    executor: 5,
    command: 7,
    container: 9,
    health_check: 8,
    check: 13,
    kill_policy: 12,
    data: 6,
    labels: 10,
    discovery: 11,
    max_completion_time: 14,
    limits: 15,
  },
);
export type TaskInfo = z.output<typeof TaskInfo>;

/** Mesos's master check that a task names exactly one way to run it (else TASK_ERROR). */
export function checkTaskInfoShape(task: {
  command?: unknown;
  executor?: unknown;
}): string | undefined {
  if ((task.command === undefined) === (task.executor === undefined)) {
    return "Task should have at least one (but not both) of CommandInfo or ExecutorInfo present";
  }
  return undefined;
}

export const TaskGroupInfo = message({ tasks: repeated(TaskInfo) }, { tasks: 1 });
export type TaskGroupInfo = z.output<typeof TaskGroupInfo>;

/**
 * The master's and agent's record of a task (operator API, TASK_ADDED/UPDATED events).
 * `state` is the latest known state; `status_update_state` the one still being delivered.
 */
export const Task = message(
  {
    name: str,
    task_id: TaskID,
    framework_id: FrameworkID,
    executor_id: ExecutorID.optional(),
    agent_id: AgentID,
    state: TaskState,
    resources: repeated(Resource),
    statuses: repeated(TaskStatus),
    status_update_state: optionalEnum(TASK_STATES),
    status_update_uuid: bytes.optional(),
    labels: Labels.optional(),
    discovery: DiscoveryInfo.optional(),
    container: ContainerInfo.optional(),
    health_check: HealthCheck.optional(),
    kill_policy: KillPolicy.optional(),
    user: str.optional(),
    limits: ResourceLimits.optional(),
  },
  {
    name: 1,
    task_id: 2,
    framework_id: 3,
    executor_id: 4,
    agent_id: 5,
    state: 6,
    resources: 7,
    statuses: 8,
    status_update_state: 9,
    status_update_uuid: 10,
    labels: 11,
    discovery: 12,
    container: 13,
    health_check: 15,
    kill_policy: 16,
    user: 14,
    limits: 17,
  },
);
export type Task = z.output<typeof Task>;
