// Offers, inverse offers, Offer.Operation and operation feedback of mesos.proto
// (reference §2.5, §2.6).
import type { z } from "zod";
import { enumNames } from "./enum-numbers.ts";
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
import { message } from "./proto-message.ts";
import { AllocationInfo, Attribute, DISK_SOURCE_TYPES, Resource, Scalar } from "./resource.ts";
import { ExecutorInfo, TaskGroupInfo, TaskInfo } from "./task.ts";

export const Offer = message(
  {
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
  },
  {
    id: 1,
    framework_id: 2,
    agent_id: 3,
    hostname: 4,
    url: 8,
    domain: 11,
    resources: 5,
    attributes: 7,
    executor_ids: 6,
    unavailability: 9,
    allocation_info: 10,
  },
);
export type Offer = z.output<typeof Offer>;

/** Maintenance: asks a framework to give resources back before `unavailability` starts. */
export const InverseOffer = message(
  {
    id: OfferID,
    url: URL.optional(),
    framework_id: FrameworkID,
    agent_id: AgentID.optional(),
    unavailability: Unavailability,
    resources: repeated(Resource),
  },
  { id: 1, url: 2, framework_id: 3, agent_id: 4, unavailability: 5, resources: 6 },
);
export type InverseOffer = z.output<typeof InverseOffer>;

export const Request = message(
  {
    agent_id: AgentID.optional(),
    resources: repeated(Resource),
  },
  { agent_id: 1, resources: 2 },
);
export type Request = z.output<typeof Request>;

export const OFFER_OPERATION_TYPES = enumNames({
  UNKNOWN: 0,
  LAUNCH: 1,
  LAUNCH_GROUP: 6,
  RESERVE: 2,
  UNRESERVE: 3,
  CREATE: 4,
  DESTROY: 5,
  GROW_VOLUME: 11,
  SHRINK_VOLUME: 12,
  CREATE_DISK: 13,
  DESTROY_DISK: 14,
});
export type OfferOperationType = (typeof OFFER_OPERATION_TYPES)[number];

/** proto `Offer.Operation`: `type` names which one sub-message carries the operation. */
export const OfferOperation = message(
  {
    // Optional in the proto; an unknown name reads as unset (UNKNOWN operations are ignored).
    type: optionalEnum(OFFER_OPERATION_TYPES),
    id: OperationID.optional(),
    launch: message({ task_infos: repeated(TaskInfo) }, { task_infos: 1 }).optional(),
    launch_group: message(
      { executor: ExecutorInfo, task_group: TaskGroupInfo },
      { executor: 1, task_group: 2 },
    ).optional(),
    // `resources` carry the new reservation pushed; `source` (optional) the resources reserved.
    reserve: message(
      { source: repeated(Resource), resources: repeated(Resource) },
      { source: 2, resources: 1 },
    ).optional(),
    unreserve: message({ resources: repeated(Resource) }, { resources: 1 }).optional(),
    create: message({ volumes: repeated(Resource) }, { volumes: 1 }).optional(),
    destroy: message({ volumes: repeated(Resource) }, { volumes: 1 }).optional(),
    grow_volume: message(
      { volume: Resource, addition: Resource },
      { volume: 1, addition: 2 },
    ).optional(),
    shrink_volume: message(
      { volume: Resource, subtract: Scalar },
      { volume: 1, subtract: 2 },
    ).optional(),
    create_disk: message(
      {
        source: Resource,
        target_type: protoEnum(DISK_SOURCE_TYPES),
        target_profile: str.optional(),
      },
      { source: 1, target_type: 2, target_profile: 3 },
    ).optional(),
    destroy_disk: message({ source: Resource }, { source: 1 }).optional(),
  },
  {
    type: 1,
    id: 12,
    launch: 2,
    launch_group: 7,
    reserve: 3,
    unreserve: 4,
    create: 5,
    destroy: 6,
    grow_volume: 13,
    shrink_volume: 14,
    create_disk: 15,
    destroy_disk: 16,
  },
);
export type OfferOperation = z.output<typeof OfferOperation>;

export const OPERATION_STATES = enumNames({
  OPERATION_UNSUPPORTED: 0,
  OPERATION_PENDING: 1,
  OPERATION_FINISHED: 2,
  OPERATION_FAILED: 3,
  OPERATION_ERROR: 4,
  OPERATION_DROPPED: 5,
  OPERATION_UNREACHABLE: 6,
  OPERATION_GONE_BY_OPERATOR: 7,
  OPERATION_RECOVERING: 8,
  OPERATION_UNKNOWN: 9,
});
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

export const OperationStatus = message(
  {
    operation_id: OperationID.optional(),
    state: OperationState,
    message: str.optional(),
    converted_resources: repeated(Resource),
    // Present => the framework must acknowledge (ACKNOWLEDGE_OPERATION_STATUS).
    uuid: UUID.optional(),
    agent_id: AgentID.optional(),
    resource_provider_id: ResourceProviderID.optional(),
  },
  {
    operation_id: 1,
    state: 2,
    message: 3,
    converted_resources: 4,
    uuid: 5,
    agent_id: 6,
    resource_provider_id: 7,
  },
);
export type OperationStatus = z.output<typeof OperationStatus>;

export const Operation = message(
  {
    framework_id: FrameworkID.optional(),
    agent_id: AgentID.optional(),
    info: OfferOperation,
    latest_status: OperationStatus,
    statuses: repeated(OperationStatus),
    uuid: UUID,
  },
  { framework_id: 1, agent_id: 2, info: 3, latest_status: 4, statuses: 5, uuid: 6 },
);
export type Operation = z.output<typeof Operation>;
