// Messages shared by the master's and the agent's v1 operator APIs (reference §4.2, §4.4):
// the common call/response sub-messages (metrics, logging level, files), quota and maintenance
// messages and resource provider info.
import { z } from "zod";
import { enumNames } from "./enum-numbers.ts";
import { FileInfo, Flag, MachineID, Metric, Unavailability, VersionInfo } from "./framework.ts";
import { DurationInfo, FrameworkID, ResourceProviderID, TimeInfo } from "./ids.ts";
import { bool, bytes, protoEnum, repeated, str, uint32, uint64 } from "./json.ts";
import { message } from "./proto-message.ts";
import { Attribute, ReservationInfo, Resource, Scalar } from "./resource.ts";

// --- call sub-messages served by both master and agent -----------------------------------

export const GetMetricsCall = message({ timeout: DurationInfo.optional() }, { timeout: 1 });
export type GetMetricsCall = z.output<typeof GetMetricsCall>;
/** Temporarily raise the glog verbosity `level` for `duration`. */
export const SetLoggingLevelCall = message(
  { level: uint32, duration: DurationInfo },
  { level: 1, duration: 2 },
);
export type SetLoggingLevelCall = z.output<typeof SetLoggingLevelCall>;
export const ListFilesCall = message({ path: str }, { path: 1 });
export type ListFilesCall = z.output<typeof ListFilesCall>;
/** Reads `length` bytes (all, if unset) of the file at `path` from `offset`. */
export const ReadFileCall = message(
  { path: str, offset: uint64, length: uint64.optional() },
  { path: 1, offset: 2, length: 3 },
);
export type ReadFileCall = z.output<typeof ReadFileCall>;

// --- response sub-messages served by both ----------------------------------------------------

export const GetHealthResponse = message({ healthy: bool }, { healthy: 1 });
export type GetHealthResponse = z.output<typeof GetHealthResponse>;
export const GetFlagsResponse = message({ flags: repeated(Flag) }, { flags: 1 });
export type GetFlagsResponse = z.output<typeof GetFlagsResponse>;
export const GetVersionResponse = message({ version_info: VersionInfo }, { version_info: 1 });
export type GetVersionResponse = z.output<typeof GetVersionResponse>;
export const GetMetricsResponse = message({ metrics: repeated(Metric) }, { metrics: 1 });
export type GetMetricsResponse = z.output<typeof GetMetricsResponse>;
export const GetLoggingLevelResponse = message({ level: uint32 }, { level: 1 });
export type GetLoggingLevelResponse = z.output<typeof GetLoggingLevelResponse>;
export const ListFilesResponse = message({ file_infos: repeated(FileInfo) }, { file_infos: 1 });
export type ListFilesResponse = z.output<typeof ListFilesResponse>;
export const ReadFileResponse = message({ size: uint64, data: bytes }, { size: 1, data: 2 });
export type ReadFileResponse = z.output<typeof ReadFileResponse>;

// --- quota (quota.proto) -------------------------------------------------------------------

/** Per-role quota (QUOTA_V2): scalar guarantees and limits keyed by resource name. */
export const QuotaConfig = message(
  {
    role: str,
    guarantees: z.record(z.string(), Scalar).optional(),
    limits: z.record(z.string(), Scalar).optional(),
  },
  { role: 1, guarantees: 2, limits: 3 },
);
export type QuotaConfig = z.output<typeof QuotaConfig>;

/** Deprecated pre-QUOTA_V2 form, still reported in GET_QUOTA `status.infos`. */
export const QuotaInfo = message(
  {
    role: str.optional(),
    principal: str.optional(),
    guarantee: repeated(Resource),
  },
  { role: 1, principal: 2, guarantee: 3 },
);
export type QuotaInfo = z.output<typeof QuotaInfo>;

/** Deprecated SET_QUOTA body. */
export const QuotaRequest = message(
  {
    force: bool.default(false),
    role: str.optional(),
    guarantee: repeated(Resource),
  },
  { force: 1, role: 2, guarantee: 3 },
);
export type QuotaRequest = z.output<typeof QuotaRequest>;

export const QuotaStatus = message(
  { infos: repeated(QuotaInfo), configs: repeated(QuotaConfig) },
  { infos: 1, configs: 2 },
);
export type QuotaStatus = z.output<typeof QuotaStatus>;

// --- maintenance (maintenance.proto, allocator.proto) ----------------------------------------

export const MaintenanceWindow = message(
  {
    machine_ids: repeated(MachineID),
    unavailability: Unavailability,
  },
  { machine_ids: 1, unavailability: 2 },
);
export type MaintenanceWindow = z.output<typeof MaintenanceWindow>;

export const MaintenanceSchedule = message(
  { windows: repeated(MaintenanceWindow) },
  { windows: 1 },
);
export type MaintenanceSchedule = z.output<typeof MaintenanceSchedule>;

/** A framework's answer to an inverse offer for a draining machine. */
export const InverseOfferStatus = message(
  {
    status: protoEnum(enumNames({ UNKNOWN: 1, ACCEPT: 2, DECLINE: 3 })),
    framework_id: FrameworkID,
    timestamp: TimeInfo,
  },
  { status: 1, framework_id: 2, timestamp: 3 },
);
export type InverseOfferStatus = z.output<typeof InverseOfferStatus>;

export const MaintenanceClusterStatus = message(
  {
    draining_machines: repeated(
      message({ id: MachineID, statuses: repeated(InverseOfferStatus) }, { id: 1, statuses: 2 }),
    ),
    down_machines: repeated(MachineID),
  },
  { draining_machines: 1, down_machines: 2 },
);
export type MaintenanceClusterStatus = z.output<typeof MaintenanceClusterStatus>;

// --- resource providers ----------------------------------------------------------------------

/**
 * A resource provider's description. Only the fields Tessera reads are typed; the CSI
 * `storage` section is not modelled (and so not relayed).
 */
export const ResourceProviderInfo = message(
  {
    id: ResourceProviderID.optional(),
    attributes: repeated(Attribute),
    type: str,
    name: str,
    default_reservations: repeated(ReservationInfo),
  },
  { id: 1, attributes: 2, type: 3, name: 4, default_reservations: 5 },
);
export type ResourceProviderInfo = z.output<typeof ResourceProviderInfo>;

export const ResourceProviderSummary = message(
  {
    resource_provider_info: ResourceProviderInfo,
    total_resources: repeated(Resource),
  },
  { resource_provider_info: 1, total_resources: 2 },
);
export type ResourceProviderSummary = z.output<typeof ResourceProviderSummary>;
