// FrameworkInfo, MasterInfo, AgentInfo and the small cluster-level messages of mesos.proto
// (reference §2.2, §2.3, §2.11): maintenance, draining, versions, flags, metrics, roles, files.
import { z } from "zod";
import { enumNames } from "./enum-numbers.ts";
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
import { message } from "./proto-message.ts";
import { Attribute, Resource, ResourceQuantities } from "./resource.ts";

export const FRAMEWORK_CAPABILITY_TYPES = enumNames({
  UNKNOWN: 0,
  REVOCABLE_RESOURCES: 1,
  TASK_KILLING_STATE: 2,
  GPU_RESOURCES: 3,
  SHARED_RESOURCES: 4,
  PARTITION_AWARE: 5,
  MULTI_ROLE: 6,
  RESERVATION_REFINEMENT: 7,
  REGION_AWARE: 8,
});
export const FrameworkCapabilityType = protoEnum(FRAMEWORK_CAPABILITY_TYPES);
export type FrameworkCapabilityType = z.output<typeof FrameworkCapabilityType>;

/** Per-role override of the master's `--min_allocatable_resources`. */
export const OfferFilters = message(
  {
    min_allocatable_resources: message(
      { quantities: repeated(ResourceQuantities) },
      { quantities: 1 },
    ).optional(),
  },
  { min_allocatable_resources: 1 },
);
export type OfferFilters = z.output<typeof OfferFilters>;

export const FrameworkInfo = message(
  {
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
    capabilities: repeated(
      message({ type: optionalEnum(FRAMEWORK_CAPABILITY_TYPES) }, { type: 1 }),
    ),
    labels: Labels.optional(),
    offer_filters: z.record(z.string(), OfferFilters).optional(),
  },
  {
    user: 1,
    name: 2,
    id: 3,
    failover_timeout: 4,
    checkpoint: 5,
    role: 6,
    roles: 12,
    hostname: 7,
    principal: 8,
    webui_url: 9,
    capabilities: 10,
    labels: 11,
    offer_filters: 13,
  },
);
export type FrameworkInfo = z.output<typeof FrameworkInfo>;

export const DomainInfo = message(
  {
    fault_domain: message(
      {
        region: message({ name: str }, { name: 1 }),
        zone: message({ name: str }, { name: 1 }),
      },
      { region: 1, zone: 2 },
    ).optional(),
  },
  { fault_domain: 1 },
);
export type DomainInfo = z.output<typeof DomainInfo>;

export const MASTER_CAPABILITY_TYPES = enumNames({
  UNKNOWN: 0,
  AGENT_UPDATE: 1,
  AGENT_DRAINING: 2,
  QUOTA_V2: 3,
});
export const MasterCapabilityType = protoEnum(MASTER_CAPABILITY_TYPES);
export type MasterCapabilityType = z.output<typeof MasterCapabilityType>;

export const MasterInfo = message(
  {
    id: str,
    // IPv4 as a uint32 in network byte order read as a host integer: 127.0.0.1 -> 16777343.
    ip: uint32,
    port: uint32,
    pid: str.optional(),
    hostname: str.optional(),
    version: str.optional(),
    address: Address.optional(),
    domain: DomainInfo.optional(),
    capabilities: repeated(message({ type: optionalEnum(MASTER_CAPABILITY_TYPES) }, { type: 1 })),
  },
  {
    id: 1,
    ip: 2,
    port: 3,
    pid: 4,
    hostname: 5,
    version: 6,
    address: 7,
    domain: 8,
    capabilities: 9,
  },
);
export type MasterInfo = z.output<typeof MasterInfo>;

/** v1 AgentInfo's capability enum (reported beside AgentInfo, e.g. in GET_AGENTS). */
export const AGENT_CAPABILITY_TYPES = enumNames({
  UNKNOWN: 0,
  MULTI_ROLE: 1,
  HIERARCHICAL_ROLE: 2,
  RESERVATION_REFINEMENT: 3,
  RESOURCE_PROVIDER: 4,
  RESIZE_VOLUME: 5,
  AGENT_OPERATION_FEEDBACK: 6,
  AGENT_DRAINING: 7,
  TASK_RESOURCE_LIMITS: 8,
});
export const AgentCapabilityType = protoEnum(AGENT_CAPABILITY_TYPES);
export type AgentCapabilityType = z.output<typeof AgentCapabilityType>;

export const AgentCapability = message({ type: optionalEnum(AGENT_CAPABILITY_TYPES) }, { type: 1 });
export type AgentCapability = z.output<typeof AgentCapability>;

export const AgentInfo = message(
  {
    hostname: str,
    port: int32.default(5051),
    resources: repeated(Resource),
    attributes: repeated(Attribute),
    id: AgentID.optional(),
    domain: DomainInfo.optional(),
  },
  { hostname: 1, port: 8, resources: 3, attributes: 5, id: 6, domain: 10 },
);
export type AgentInfo = z.output<typeof AgentInfo>;

export const MachineID = message(
  { hostname: str.optional(), ip: str.optional() },
  { hostname: 1, ip: 2 },
);
export type MachineID = z.output<typeof MachineID>;

export const Unavailability = message(
  {
    start: TimeInfo,
    duration: DurationInfo.optional(),
  },
  { start: 1, duration: 2 },
);
export type Unavailability = z.output<typeof Unavailability>;

export const MACHINE_MODES = enumNames({ UP: 1, DRAINING: 2, DOWN: 3 });

export const MachineInfo = message(
  {
    id: MachineID,
    mode: optionalEnum(MACHINE_MODES),
    unavailability: Unavailability.optional(),
  },
  { id: 1, mode: 2, unavailability: 3 },
);
export type MachineInfo = z.output<typeof MachineInfo>;

export const DRAIN_STATES = enumNames({ UNKNOWN: 0, DRAINING: 1, DRAINED: 2 });
export const DrainState = protoEnum(DRAIN_STATES);
export type DrainState = z.output<typeof DrainState>;

export const DrainConfig = message(
  {
    max_grace_period: DurationInfo.optional(),
    mark_gone: bool.default(false),
  },
  { max_grace_period: 1, mark_gone: 2 },
);
export type DrainConfig = z.output<typeof DrainConfig>;

export const DrainInfo = message(
  { state: DrainState, config: DrainConfig },
  { state: 1, config: 2 },
);
export type DrainInfo = z.output<typeof DrainInfo>;

export const VersionInfo = message(
  {
    version: str,
    build_date: str.optional(),
    build_time: double.optional(),
    build_user: str.optional(),
    git_sha: str.optional(),
    git_branch: str.optional(),
    git_tag: str.optional(),
  },
  {
    version: 1,
    build_date: 2,
    build_time: 3,
    build_user: 4,
    git_sha: 5,
    git_branch: 6,
    git_tag: 7,
  },
);
export type VersionInfo = z.output<typeof VersionInfo>;

export const Flag = message({ name: str, value: str.optional() }, { name: 1, value: 2 });
export type Flag = z.output<typeof Flag>;

export const Metric = message({ name: str, value: double.optional() }, { name: 1, value: 2 });
export type Metric = z.output<typeof Metric>;

export const WeightInfo = message({ weight: double, role: str.optional() }, { weight: 1, role: 2 });
export type WeightInfo = z.output<typeof WeightInfo>;

export const Role = message(
  {
    name: str,
    weight: double,
    frameworks: repeated(FrameworkID),
    resources: repeated(Resource),
  },
  { name: 1, weight: 2, frameworks: 3, resources: 4 },
);
export type Role = z.output<typeof Role>;

/** A sandbox file as listed by `/files/browse` and the operator API's LIST_FILES. */
export const FileInfo = message(
  {
    path: str,
    nlink: int32.optional(),
    size: uint64.optional(),
    mtime: TimeInfo.optional(),
    // st_mode bits.
    mode: uint32.optional(),
    // Owner user/group name, or the numeric id as a string when it has no name.
    uid: str.optional(),
    gid: str.optional(),
  },
  { path: 1, nlink: 2, size: 3, mtime: 4, mode: 5, uid: 6, gid: 7 },
);
export type FileInfo = z.output<typeof FileInfo>;
