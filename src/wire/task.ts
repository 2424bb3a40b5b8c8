// TaskInfo, ExecutorInfo, CommandInfo, ContainerInfo, health checks and the Task state record of
// mesos.proto (reference §2.7-§2.9). NetworkInfo (shared with ContainerStatus) and the
// Secret/Image/Volume parts (shared with DiskInfo) are defined below these and re-exported here.
import { z } from "zod";
import { enumWithDefault } from "./enum-default.ts";
import {
  AgentID,
  DurationInfo,
  ExecutorID,
  FrameworkID,
  Labels,
  Parameter,
  TaskID,
} from "./ids.ts";
import {
  bool,
  bytes,
  double,
  optionalEnum,
  protoEnum,
  repeated,
  str,
  uint32,
  uint64,
} from "./json.ts";
import { Resource, Scalar } from "./resource.ts";
import { NetworkInfo, TASK_STATES, TaskState, TaskStatus } from "./status.ts";
import { Image, Secret, Volume } from "./volume.ts";

export { NetworkInfo } from "./status.ts";
export { Image, Secret, Volume, VolumeSource } from "./volume.ts";

export const CommandURI = z.object({
  value: str,
  executable: bool.optional(),
  extract: bool.default(true),
  cache: bool.optional(),
  output_file: str.optional(),
});
export type CommandURI = z.output<typeof CommandURI>;

export const ENVIRONMENT_VARIABLE_TYPES = ["UNKNOWN", "VALUE", "SECRET"] as const;

export const EnvironmentVariable = z.object({
  name: str,
  type: enumWithDefault(ENVIRONMENT_VARIABLE_TYPES, "VALUE"),
  value: str.optional(),
  secret: Secret.optional(),
});
export type EnvironmentVariable = z.output<typeof EnvironmentVariable>;

export const Environment = z.object({ variables: repeated(EnvironmentVariable) });
export type Environment = z.output<typeof Environment>;

/** shell=true runs `/bin/sh -c <value>`; shell=false execs `value` with argv = `arguments`. */
export const CommandInfo = z.object({
  uris: repeated(CommandURI),
  environment: Environment.optional(),
  shell: bool.default(true),
  value: str.optional(),
  arguments: repeated(str),
  user: str.optional(),
});
export type CommandInfo = z.output<typeof CommandInfo>;

export const DOCKER_NETWORKS = ["HOST", "BRIDGE", "NONE", "USER"] as const;

export const DockerInfo = z.object({
  image: str,
  network: enumWithDefault(DOCKER_NETWORKS, "HOST"),
  port_mappings: repeated(
    z.object({ host_port: uint32, container_port: uint32, protocol: str.optional() }),
  ),
  privileged: bool.default(false),
  parameters: repeated(Parameter),
  force_pull_image: bool.optional(),
  // Deprecated in favour of Volume.source.docker_volume.
  volume_driver: str.optional(),
});
export type DockerInfo = z.output<typeof DockerInfo>;

// Linux capability names (CHOWN, NET_ADMIN, ...) are kept as text: the containerizer checks them.
const CapabilityInfo = z.object({ capabilities: repeated(str) });

export const LinuxInfo = z.object({
  // Deprecated in favour of bounding/effective capabilities.
  capability_info: CapabilityInfo.optional(),
  bounding_capabilities: CapabilityInfo.optional(),
  effective_capabilities: CapabilityInfo.optional(),
  share_pid_namespace: bool.optional(),
  seccomp: z.object({ profile_name: str.optional(), unconfined: bool.optional() }).optional(),
  ipc_mode: optionalEnum(["UNKNOWN", "PRIVATE", "SHARE_PARENT"] as const),
  shm_size: uint32.optional(),
  share_cgroups: bool.default(true),
});
export type LinuxInfo = z.output<typeof LinuxInfo>;

export const RLIMIT_TYPES = [
  "UNKNOWN",
  "RLMT_AS",
  "RLMT_CORE",
  "RLMT_CPU",
  "RLMT_DATA",
  "RLMT_FSIZE",
  "RLMT_LOCKS",
  "RLMT_MEMLOCK",
  "RLMT_MSGQUEUE",
  "RLMT_NICE",
  "RLMT_NOFILE",
  "RLMT_NPROC",
  "RLMT_RSS",
  "RLMT_RTPRIO",
  "RLMT_RTTIME",
  "RLMT_SIGPENDING",
  "RLMT_STACK",
] as const;

export const RLimitInfo = z.object({
  rlimits: repeated(
    z.object({
      type: optionalEnum(RLIMIT_TYPES),
      // Both unset = unlimited.
      hard: uint64.optional(),
      soft: uint64.optional(),
    }),
  ),
});
export type RLimitInfo = z.output<typeof RLimitInfo>;

export const TTYInfo = z.object({
  window_size: z.object({ rows: uint32, columns: uint32 }).optional(),
});
export type TTYInfo = z.output<typeof TTYInfo>;

export const ContainerInfo = z.object({
  type: protoEnum(["DOCKER", "MESOS"] as const),
  volumes: repeated(Volume),
  hostname: str.optional(),
  docker: DockerInfo.optional(),
  mesos: z.object({ image: Image.optional() }).optional(),
  network_infos: repeated(NetworkInfo),
  linux_info: LinuxInfo.optional(),
  rlimit_info: RLimitInfo.optional(),
  tty_info: TTYInfo.optional(),
});
export type ContainerInfo = z.output<typeof ContainerInfo>;

const PROTOCOLS = ["IPv4", "IPv6"] as const;
const CHECK_KINDS = ["UNKNOWN", "COMMAND", "HTTP", "TCP"] as const;

/** Health check defaults (seconds) are Mesos's and always appear on the wire. */
export const HealthCheck = z.object({
  type: optionalEnum(CHECK_KINDS),
  command: CommandInfo.optional(),
  http: z
    .object({
      protocol: enumWithDefault(PROTOCOLS, "IPv4"),
      scheme: str.optional(),
      port: uint32,
      path: str.optional(),
      // Declared by Mesos but unused: success is any status in 200..399.
      statuses: repeated(uint32),
    })
    .optional(),
  tcp: z.object({ protocol: enumWithDefault(PROTOCOLS, "IPv4"), port: uint32 }).optional(),
  delay_seconds: double.default(15.0),
  interval_seconds: double.default(10.0),
  timeout_seconds: double.default(20.0),
  consecutive_failures: uint32.default(3),
  grace_period_seconds: double.default(10.0),
});
export type HealthCheck = z.output<typeof HealthCheck>;

/** A general check: results come back as TaskStatus.check_status; never kills the task. */
export const CheckInfo = z.object({
  type: optionalEnum(CHECK_KINDS),
  command: z.object({ command: CommandInfo }).optional(),
  http: z
    .object({
      protocol: enumWithDefault(PROTOCOLS, "IPv4"),
      port: uint32,
      path: str.optional(),
    })
    .optional(),
  tcp: z.object({ protocol: enumWithDefault(PROTOCOLS, "IPv4"), port: uint32 }).optional(),
  delay_seconds: double.default(15.0),
  interval_seconds: double.default(10.0),
  timeout_seconds: double.default(20.0),
});
export type CheckInfo = z.output<typeof CheckInfo>;

/** SIGTERM, then SIGKILL after `grace_period` (built-in executors default to 3 s). */
export const KillPolicy = z.object({ grace_period: DurationInfo.optional() });
export type KillPolicy = z.output<typeof KillPolicy>;

const VISIBILITIES = ["FRAMEWORK", "CLUSTER", "EXTERNAL"] as const;

export const Port = z.object({
  number: uint32,
  name: str.optional(),
  protocol: str.optional(),
  visibility: optionalEnum(VISIBILITIES),
  labels: Labels.optional(),
});
export type Port = z.output<typeof Port>;

export const Ports = z.object({ ports: repeated(Port) });
export type Ports = z.output<typeof Ports>;

export const DiscoveryInfo = z.object({
  visibility: protoEnum(VISIBILITIES),
  name: str.optional(),
  environment: str.optional(),
  location: str.optional(),
  version: str.optional(),
  ports: Ports.optional(),
  labels: Labels.optional(),
});
export type DiscoveryInfo = z.output<typeof DiscoveryInfo>;

export const EXECUTOR_TYPES = ["UNKNOWN", "DEFAULT", "CUSTOM"] as const;

export const ExecutorInfo = z.object({
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
});
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

export const TaskInfo = z.object({
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
});
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

export const TaskGroupInfo = z.object({ tasks: repeated(TaskInfo) });
export type TaskGroupInfo = z.output<typeof TaskGroupInfo>;

/**
 * The master's and agent's record of a task (operator API, TASK_ADDED/UPDATED events).
 * `state` is the latest known state; `status_update_state` the one still being delivered.
 */
export const Task = z.object({
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
});
export type Task = z.output<typeof Task>;
