// Offers, inverse offers, Offer.Operation and operation feedback of mesos.proto
// (reference §2.5, §2.6).
import { z } from "zod";
import { DomainInfo, Unavailability } from "./framework.ts";
import {
  AgentID,
  ExecutorID,
  FrameworkID,
  OfferID,
  OperationID,
  ResourceProviderID,
  URL,
  UUID,
} from "./ids.ts";
import { optionalEnum, protoEnum, repeated, str } from "./json.ts";
import { AllocationInfo, Attribute, DISK_SOURCE_TYPES, Resource, Scalar } from "./resource.ts";
import { ExecutorInfo, TaskGroupInfo, TaskInfo } from "./task.ts";

export const Offer = z.object({
  id: OfferID,
  framework_id: FrameworkID,
  agent_id: AgentID,
  hostname: str,
  // The agent's URL: scheme "http", the agent's address, path "/slave(1)".
  url: URL.optional(),
  domain: DomainInfo.optional(),
  resources: repeated(Resource),
  attributes: repeated(Attribute),
  // Executors of this framework already running on the agent.
  executor_ids: repeated(ExecutorID),
  // The agent's maintenance window, if one is scheduled.
  unavailability: Unavailability.optional(),
  // The role the whole offer is allocated to (MULTI_ROLE frameworks).
  allocation_info: AllocationInfo.optional(),
});
export type Offer = z.output<typeof Offer>;

/** Maintenance: asks a framework to give resources back before `unavailability` starts. */
export const InverseOffer = z.object({
  id: OfferID,
  url: URL.optional(),
  framework_id: FrameworkID,
  agent_id: AgentID.optional(),
  unavailability: Unavailability,
  resources: repeated(Resource),
});
export type InverseOffer = z.output<typeof InverseOffer>;

export const Request = z.object({
  agent_id: AgentID.optional(),
  resources: repeated(Resource),
});
export type Request = z.output<typeof Request>;

export const OFFER_OPERATION_TYPES = [
  "UNKNOWN",
  "LAUNCH",
  "LAUNCH_GROUP",
  "RESERVE",
  "UNRESERVE",
  "CREATE",
  "DESTROY",
  "GROW_VOLUME",
  "SHRINK_VOLUME",
  "CREATE_DISK",
  "DESTROY_DISK",
] as const;
export type OfferOperationType = (typeof OFFER_OPERATION_TYPES)[number];

/** proto `Offer.Operation`: `type` names which one sub-message carries the operation. */
export const OfferOperation = z.object({
  // Optional in the proto; an unknown name reads as unset (UNKNOWN operations are ignored).
  type: optionalEnum(OFFER_OPERATION_TYPES),
  id: OperationID.optional(),
  launch: z.object({ task_infos: repeated(TaskInfo) }).optional(),
  launch_group: z.object({ executor: ExecutorInfo, task_group: TaskGroupInfo }).optional(),
  // `resources` carry the new reservation pushed; `source` (optional) the resources reserved.
  reserve: z.object({ source: repeated(Resource), resources: repeated(Resource) }).optional(),
  unreserve: z.object({ resources: repeated(Resource) }).optional(),
  create: z.object({ volumes: repeated(Resource) }).optional(),
  destroy: z.object({ volumes: repeated(Resource) }).optional(),
  grow_volume: z.object({ volume: Resource, addition: Resource }).optional(),
  shrink_volume: z.object({ volume: Resource, subtract: Scalar }).optional(),
  create_disk: z
    .object({
      source: Resource,
      target_type: protoEnum(DISK_SOURCE_TYPES),
      target_profile: str.optional(),
    })
    .optional(),
  destroy_disk: z.object({ source: Resource }).optional(),
});
export type OfferOperation = z.output<typeof OfferOperation>;

export const OPERATION_STATES = [
  "OPERATION_UNSUPPORTED",
  "OPERATION_PENDING",
  "OPERATION_FINISHED",
  "OPERATION_FAILED",
  "OPERATION_ERROR",
  "OPERATION_DROPPED",
  "OPERATION_UNREACHABLE",
  "OPERATION_GONE_BY_OPERATOR",
  "OPERATION_RECOVERING",
  "OPERATION_UNKNOWN",
] as const;
export const OperationState = protoEnum(OPERATION_STATES);
export type OperationState = z.output<typeof OperationState>;

export const TERMINAL_OPERATION_STATES: ReadonlySet<OperationState> = new Set<OperationState>([
  "OPERATION_FINISHED",
  "OPERATION_FAILED",
  "OPERATION_ERROR",
  "OPERATION_DROPPED",
  "OPERATION_GONE_BY_OPERATOR",
]);

export function isTerminalOperationState(state: OperationState): boolean {
  return TERMINAL_OPERATION_STATES.has(state);
}

export const OperationStatus = z.object({
  operation_id: OperationID.optional(),
  state: OperationState,
  message: str.optional(),
  converted_resources: repeated(Resource),
  // Present => the framework must acknowledge (ACKNOWLEDGE_OPERATION_STATUS).
  uuid: UUID.optional(),
  agent_id: AgentID.optional(),
  resource_provider_id: ResourceProviderID.optional(),
});
export type OperationStatus = z.output<typeof OperationStatus>;

export const Operation = z.object({
  framework_id: FrameworkID.optional(),
  agent_id: AgentID.optional(),
  info: OfferOperation,
  latest_status: OperationStatus,
  statuses: repeated(OperationStatus),
  uuid: UUID,
});
export type Operation = z.output<typeof Operation>;
