// Messages shared by the master's and the agent's v1 operator APIs (reference §4.2, §4.4):
// the common call/response sub-messages (metrics, logging level, files), quota and maintenance
// messages and resource provider info.
import { z } from "zod";
import { FileInfo, Flag, MachineID, Metric, Unavailability, VersionInfo } from "./framework.ts";
import { DurationInfo, FrameworkID, ResourceProviderID, TimeInfo } from "./ids.ts";
import { bool, bytes, protoEnum, repeated, str, uint32, uint64 } from "./json.ts";
import { Attribute, ReservationInfo, Resource, Scalar } from "./resource.ts";

// --- call sub-messages served by both master and agent -----------------------------------

export const GetMetricsCall = z.object({ timeout: DurationInfo.optional() });
export type GetMetricsCall = z.output<typeof GetMetricsCall>;
/** Temporarily raise the glog verbosity `level` for `duration`. */
export const SetLoggingLevelCall = z.object({ level: uint32, duration: DurationInfo });
export type SetLoggingLevelCall = z.output<typeof SetLoggingLevelCall>;
export const ListFilesCall = z.object({ path: str });
export type ListFilesCall = z.output<typeof ListFilesCall>;
/** Reads `length` bytes (all, if unset) of the file at `path` from `offset`. */
export const ReadFileCall = z.object({ path: str, offset: uint64, length: uint64.optional() });
export type ReadFileCall = z.output<typeof ReadFileCall>;

// --- response sub-messages served by both ----------------------------------------------------

export const GetHealthResponse = z.object({ healthy: bool });
export type GetHealthResponse = z.output<typeof GetHealthResponse>;
export const GetFlagsResponse = z.object({ flags: repeated(Flag) });
export type GetFlagsResponse = z.output<typeof GetFlagsResponse>;
export const GetVersionResponse = z.object({ version_info: VersionInfo });
export type GetVersionResponse = z.output<typeof GetVersionResponse>;
export const GetMetricsResponse = z.object({ metrics: repeated(Metric) });
export type GetMetricsResponse = z.output<typeof GetMetricsResponse>;
export const GetLoggingLevelResponse = z.object({ level: uint32 });
export type GetLoggingLevelResponse = z.output<typeof GetLoggingLevelResponse>;
export const ListFilesResponse = z.object({ file_infos: repeated(FileInfo) });
export type ListFilesResponse = z.output<typeof ListFilesResponse>;
export const ReadFileResponse = z.object({ size: uint64, data: bytes });
export type ReadFileResponse = z.output<typeof ReadFileResponse>;

// --- quota (quota.proto) -------------------------------------------------------------------

/** Per-role quota (QUOTA_V2): scalar guarantees and limits keyed by resource name. */
export const QuotaConfig = z.object({
  role: str,
  guarantees: z.record(z.string(), Scalar).optional(),
  limits: z.record(z.string(), Scalar).optional(),
});
export type QuotaConfig = z.output<typeof QuotaConfig>;

/** Deprecated pre-QUOTA_V2 form, still reported in GET_QUOTA `status.infos`. */
export const QuotaInfo = z.object({
  role: str.optional(),
  principal: str.optional(),
  guarantee: repeated(Resource),
});
export type QuotaInfo = z.output<typeof QuotaInfo>;

/** Deprecated SET_QUOTA body. */
export const QuotaRequest = z.object({
  force: bool.default(false),
  role: str.optional(),
  guarantee: repeated(Resource),
});
export type QuotaRequest = z.output<typeof QuotaRequest>;

export const QuotaStatus = z.object({ infos: repeated(QuotaInfo), configs: repeated(QuotaConfig) });
export type QuotaStatus = z.output<typeof QuotaStatus>;

// --- maintenance (maintenance.proto, allocator.proto) ----------------------------------------

export const MaintenanceWindow = z.object({
  machine_ids: repeated(MachineID),
  unavailability: Unavailability,
});
export type MaintenanceWindow = z.output<typeof MaintenanceWindow>;

export const MaintenanceSchedule = z.object({ windows: repeated(MaintenanceWindow) });
export type MaintenanceSchedule = z.output<typeof MaintenanceSchedule>;

/** A framework's answer to an inverse offer for a draining machine. */
export const InverseOfferStatus = z.object({
  status: protoEnum(["UNKNOWN", "ACCEPT", "DECLINE"] as const),
  framework_id: FrameworkID,
  timestamp: TimeInfo,
});
export type InverseOfferStatus = z.output<typeof InverseOfferStatus>;

export const MaintenanceClusterStatus = z.object({
  draining_machines: repeated(z.object({ id: MachineID, statuses: repeated(InverseOfferStatus) })),
  down_machines: repeated(MachineID),
});
export type MaintenanceClusterStatus = z.output<typeof MaintenanceClusterStatus>;

// --- resource providers ----------------------------------------------------------------------

/**
 * A resource provider's description. Only the fields Tessera reads are typed; the CSI
 * `storage` section is not modelled (and so not relayed).
 */
export const ResourceProviderInfo = z.object({
  id: ResourceProviderID.optional(),
  attributes: repeated(Attribute),
  type: str,
  name: str,
  default_reservations: repeated(ReservationInfo),
});
export type ResourceProviderInfo = z.output<typeof ResourceProviderInfo>;

export const ResourceProviderSummary = z.object({
  resource_provider_info: ResourceProviderInfo,
  total_resources: repeated(Resource),
});
export type ResourceProviderSummary = z.output<typeof ResourceProviderSummary>;
