// FrameworkInfo, MasterInfo, AgentInfo and the small cluster-level messages of mesos.proto
// (reference §2.2, §2.3, §2.11): maintenance, draining, versions, flags, metrics, roles, files.
import { z } from "zod";
import { Address, AgentID, DurationInfo, FrameworkID, Labels, TimeInfo } from "./ids.ts";
import {
  bool,
  double,
  int32,
  optionalEnum,
  protoEnum,
  repeated,
  str,
  uint32,
  uint64,
} from "./json.ts";
import { Attribute, Resource, ResourceQuantities } from "./resource.ts";

export const FRAMEWORK_CAPABILITY_TYPES = [
  "UNKNOWN",
  "REVOCABLE_RESOURCES",
  "TASK_KILLING_STATE",
  "GPU_RESOURCES",
  "SHARED_RESOURCES",
  "PARTITION_AWARE",
  "MULTI_ROLE",
  "RESERVATION_REFINEMENT",
  "REGION_AWARE",
] as const;
export const FrameworkCapabilityType = protoEnum(FRAMEWORK_CAPABILITY_TYPES);
export type FrameworkCapabilityType = z.output<typeof FrameworkCapabilityType>;

/** Per-role override of the master's `--min_allocatable_resources`. */
export const OfferFilters = z.object({
  min_allocatable_resources: z.object({ quantities: repeated(ResourceQuantities) }).optional(),
});
export type OfferFilters = z.output<typeof OfferFilters>;

export const FrameworkInfo = z.object({
  user: str,
  name: str,
  id: FrameworkID.optional(),
  // 0 s: the master removes the framework as soon as it disconnects.
  failover_timeout: double.default(0.0),
  checkpoint: bool.default(false),
  // Deprecated (non-MULTI_ROLE frameworks) with default "*": emitted only when set.
  role: str.optional(),
  roles: repeated(str),
  hostname: str.optional(),
  principal: str.optional(),
  webui_url: str.optional(),
  capabilities: repeated(z.object({ type: optionalEnum(FRAMEWORK_CAPABILITY_TYPES) })),
  labels: Labels.optional(),
  offer_filters: z.record(z.string(), OfferFilters).optional(),
});
export type FrameworkInfo = z.output<typeof FrameworkInfo>;

export const DomainInfo = z.object({
  fault_domain: z
    .object({
      region: z.object({ name: str }),
      zone: z.object({ name: str }),
    })
    .optional(),
});
export type DomainInfo = z.output<typeof DomainInfo>;

export const MASTER_CAPABILITY_TYPES = [
  "UNKNOWN",
  "AGENT_UPDATE",
  "AGENT_DRAINING",
  "QUOTA_V2",
] as const;
export const MasterCapabilityType = protoEnum(MASTER_CAPABILITY_TYPES);
export type MasterCapabilityType = z.output<typeof MasterCapabilityType>;

export const MasterInfo = z.object({
  id: str,
  // IPv4 as a uint32 in network byte order read as a host integer: 127.0.0.1 -> 16777343.
  ip: uint32,
  port: uint32,
  pid: str.optional(),
  hostname: str.optional(),
  version: str.optional(),
  address: Address.optional(),
  domain: DomainInfo.optional(),
  capabilities: repeated(z.object({ type: optionalEnum(MASTER_CAPABILITY_TYPES) })),
});
export type MasterInfo = z.output<typeof MasterInfo>;

/** v1 AgentInfo's capability enum (reported beside AgentInfo, e.g. in GET_AGENTS). */
export const AGENT_CAPABILITY_TYPES = [
  "UNKNOWN",
  "MULTI_ROLE",
  "HIERARCHICAL_ROLE",
  "RESERVATION_REFINEMENT",
  "RESOURCE_PROVIDER",
  "RESIZE_VOLUME",
  "AGENT_OPERATION_FEEDBACK",
  "AGENT_DRAINING",
  "TASK_RESOURCE_LIMITS",
] as const;
export const AgentCapabilityType = protoEnum(AGENT_CAPABILITY_TYPES);
export type AgentCapabilityType = z.output<typeof AgentCapabilityType>;

export const AgentCapability = z.object({ type: optionalEnum(AGENT_CAPABILITY_TYPES) });
export type AgentCapability = z.output<typeof AgentCapability>;

export const AgentInfo = z.object({
  hostname: str,
  port: int32.default(5051),
  resources: repeated(Resource),
  attributes: repeated(Attribute),
  id: AgentID.optional(),
  domain: DomainInfo.optional(),
});
export type AgentInfo = z.output<typeof AgentInfo>;

export const MachineID = z.object({ hostname: str.optional(), ip: str.optional() });
export type MachineID = z.output<typeof MachineID>;

export const Unavailability = z.object({
  start: TimeInfo,
  duration: DurationInfo.optional(),
});
export type Unavailability = z.output<typeof Unavailability>;

export const MACHINE_MODES = ["UP", "DRAINING", "DOWN"] as const;

export const MachineInfo = z.object({
  id: MachineID,
  mode: optionalEnum(MACHINE_MODES),
  unavailability: Unavailability.optional(),
});
export type MachineInfo = z.output<typeof MachineInfo>;

export const DRAIN_STATES = ["UNKNOWN", "DRAINING", "DRAINED"] as const;
export const DrainState = protoEnum(DRAIN_STATES);
export type DrainState = z.output<typeof DrainState>;

export const DrainConfig = z.object({
  max_grace_period: DurationInfo.optional(),
  mark_gone: bool.default(false),
});
export type DrainConfig = z.output<typeof DrainConfig>;

export const DrainInfo = z.object({ state: DrainState, config: DrainConfig });
export type DrainInfo = z.output<typeof DrainInfo>;

export const VersionInfo = z.object({
  version: str,
  build_date: str.optional(),
  build_time: double.optional(),
  build_user: str.optional(),
  git_sha: str.optional(),
  git_branch: str.optional(),
  git_tag: str.optional(),
});
export type VersionInfo = z.output<typeof VersionInfo>;

export const Flag = z.object({ name: str, value: str.optional() });
export type Flag = z.output<typeof Flag>;

export const Metric = z.object({ name: str, value: double.optional() });
export type Metric = z.output<typeof Metric>;

export const WeightInfo = z.object({ weight: double, role: str.optional() });
export type WeightInfo = z.output<typeof WeightInfo>;

export const Role = z.object({
  name: str,
  weight: double,
  frameworks: repeated(FrameworkID),
  resources: repeated(Resource),
});
export type Role = z.output<typeof Role>;

/** A sandbox file as listed by `/files/browse` and the operator API's LIST_FILES. */
export const FileInfo = z.object({
  path: str,
  nlink: int32.optional(),
  size: uint64.optional(),
  mtime: TimeInfo.optional(),
  // st_mode bits.
  mode: uint32.optional(),
  // Owner user/group name, or the numeric id as a string when it has no name.
  uid: str.optional(),
  gid: str.optional(),
});
export type FileInfo = z.output<typeof FileInfo>;
