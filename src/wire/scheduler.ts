// The v1 scheduler HTTP API (reference §1.2-§1.4, errata §10.1): the Call a framework POSTs to
// /api/v1/scheduler, Mesos's call validation, and the Events streamed back in RecordIO.
import { z } from "zod";
import { enumNames } from "./enum-numbers.ts";
import { acknowledgeCall, updateEvent } from "./fast-path.ts";
import { FrameworkInfo, MasterInfo } from "./framework.ts";
import {
  AgentID,
  ExecutorID,
  Filters,
  FrameworkID,
  isUuidBytes,
  OfferID,
  OperationID,
  ResourceProviderID,
  TaskID,
} from "./ids.ts";
import { bytes, double, int32, optionalEnum, registerFastPath, repeated, str } from "./json.ts";
import { InverseOffer, Offer, OfferOperation, OperationStatus, Request } from "./offer.ts";
import { message } from "./proto-message.ts";
import { TaskStatus } from "./status.ts";
import { checkSubMessage } from "./sub-message.ts";
import { KillPolicy } from "./task.ts";

// --- OfferConstraints (scheduler.proto): per-role attribute constraints on offers --------

const textValue = message({ value: str.optional() }, { value: 1 });
const textRegex = message({ regex: str.optional() }, { regex: 1 });

export const AttributeConstraint = message(
  {
    // A oneof: the agent pseudo-attribute ("HOSTNAME", "REGION", "ZONE") or an attribute name.
    selector: message(
      { pseudoattribute_type: str.optional(), attribute_name: str.optional() },
      // The pseudoattribute is kept as text; protobuf carries its PseudoattributeType number.
      {
        pseudoattribute_type: [1, { UNKNOWN: 0, HOSTNAME: 1, REGION: 2, ZONE: 3 }],
        attribute_name: 2,
      },
    ),
    // A oneof of predicates on the selected value.
    predicate: message(
      {
        exists: message({}, {}).optional(),
        not_exists: message({}, {}).optional(),
        text_equals: textValue.optional(),
        text_not_equals: textValue.optional(),
        text_matches: textRegex.optional(),
        text_not_matches: textRegex.optional(),
      },
      {
        exists: 1,
        not_exists: 2,
        text_equals: 3,
        text_not_equals: 4,
        text_matches: 5,
        text_not_matches: 6,
      },
    ),
  },
  { selector: 1, predicate: 2 },
);
export type AttributeConstraint = z.output<typeof AttributeConstraint>;

export const OfferConstraints = message(
  {
    role_constraints: z
      .record(
        z.string(),
        message(
          {
            // An offer passes when all constraints of at least one group hold.
            groups: repeated(
              message(
                { attribute_constraints: repeated(AttributeConstraint) },
                { attribute_constraints: 1 },
              ),
            ),
          },
          { groups: 1 },
        ),
      )
      .optional(),
  },
  { role_constraints: 1 },
);
export type OfferConstraints = z.output<typeof OfferConstraints>;

// --- Call -----------------------------------------------------------------------------------

export const SCHEDULER_CALL_TYPE_NUMBERS = {
  UNKNOWN: 0,
  SUBSCRIBE: 1,
  TEARDOWN: 2,
  ACCEPT: 3,
  DECLINE: 4,
  ACCEPT_INVERSE_OFFERS: 13,
  DECLINE_INVERSE_OFFERS: 14,
  REVIVE: 5,
  KILL: 6,
  SHUTDOWN: 7,
  ACKNOWLEDGE: 8,
  ACKNOWLEDGE_OPERATION_STATUS: 15,
  RECONCILE: 9,
  RECONCILE_OPERATIONS: 16,
  MESSAGE: 10,
  REQUEST: 11,
  SUPPRESS: 12,
  UPDATE_FRAMEWORK: 17,
} as const;
export type SchedulerCallType = keyof typeof SCHEDULER_CALL_TYPE_NUMBERS;
export const SCHEDULER_CALL_TYPES = enumNames(SCHEDULER_CALL_TYPE_NUMBERS);

const acceptInverse = message(
  {
    inverse_offer_ids: repeated(OfferID),
    filters: Filters.optional(),
  },
  { inverse_offer_ids: 1, filters: 2 },
);
// SUBSCRIBE and UPDATE_FRAMEWORK carry the same three fields.
const frameworkSubscription = message(
  {
    framework_info: FrameworkInfo,
    suppressed_roles: repeated(str),
    offer_constraints: OfferConstraints.optional(),
  },
  { framework_info: 1, suppressed_roles: 2, offer_constraints: 3 },
);

export const SchedulerCall = message(
  {
    // Required for every call but SUBSCRIBE: a validation rule, not a proto one.
    framework_id: FrameworkID.optional(),
    // Optional in the proto: an unknown name leaves it unset, and validation then answers
    // "Expecting 'type' to be present".
    type: optionalEnum(SCHEDULER_CALL_TYPES),
    subscribe: frameworkSubscription.optional(),
    accept: message(
      {
        offer_ids: repeated(OfferID),
        operations: repeated(OfferOperation),
        filters: Filters.optional(),
      },
      { offer_ids: 1, operations: 2, filters: 3 },
    ).optional(),
    decline: message(
      { offer_ids: repeated(OfferID), filters: Filters.optional() },
      { offer_ids: 1, filters: 2 },
    ).optional(),
    accept_inverse_offers: acceptInverse.optional(),
    decline_inverse_offers: acceptInverse.optional(),
    // `roles` (empty: all roles); the docs' `role` key does not exist and is ignored (§10.1).
    revive: message({ roles: repeated(str) }, { roles: 1 }).optional(),
    kill: message(
      { task_id: TaskID, agent_id: AgentID.optional(), kill_policy: KillPolicy.optional() },
      { task_id: 1, agent_id: 2, kill_policy: 3 },
    ).optional(),
    shutdown: message(
      { executor_id: ExecutorID, agent_id: AgentID },
      { executor_id: 1, agent_id: 2 },
    ).optional(),
    acknowledge: message(
      { agent_id: AgentID, task_id: TaskID, uuid: bytes },
      { agent_id: 1, task_id: 2, uuid: 3 },
    ).optional(),
    acknowledge_operation_status: message(
      {
        // Optional in the proto but required by validation.
        agent_id: AgentID.optional(),
        resource_provider_id: ResourceProviderID.optional(),
        uuid: bytes,
        // An OperationID object, not the docs' bare string (§10.1).
        operation_id: OperationID,
      },
      { agent_id: 1, resource_provider_id: 2, uuid: 3, operation_id: 4 },
    ).optional(),
    reconcile: message(
      {
        tasks: repeated(
          message({ task_id: TaskID, agent_id: AgentID.optional() }, { task_id: 1, agent_id: 2 }),
        ),
      },
      { tasks: 1 },
    ).optional(),
    reconcile_operations: message(
      {
        operations: repeated(
          message(
            {
              operation_id: OperationID,
              agent_id: AgentID.optional(),
              resource_provider_id: ResourceProviderID.optional(),
            },
            { operation_id: 1, agent_id: 2, resource_provider_id: 3 },
          ),
        ),
      },
      { operations: 1 },
    ).optional(),
    message: message(
      { agent_id: AgentID, executor_id: ExecutorID, data: bytes },
      { agent_id: 1, executor_id: 2, data: 3 },
    ).optional(),
    // `request.requests`, not the docs' top-level `requests` (§10.1).
    request: message({ requests: repeated(Request) }, { requests: 1 }).optional(),
    suppress: message({ roles: repeated(str) }, { roles: 1 }).optional(),
    update_framework: frameworkSubscription.optional(),
  },
  {
    framework_id: 1,
    type: 2,
    subscribe: 3,
    accept: 4,
    decline: 5,
    accept_inverse_offers: 13,
    decline_inverse_offers: 14,
    revive: 15,
    kill: 6,
    shutdown: 7,
    acknowledge: 8,
    acknowledge_operation_status: 17,
    reconcile: 9,
    reconcile_operations: 18,
    message: 10,
    request: 11,
    suppress: 16,
    update_framework: 19,
  },
);
export type SchedulerCall = z.output<typeof SchedulerCall>;
registerFastPath(SchedulerCall, acknowledgeCall);

// The sub-message each type needs; TEARDOWN, REVIVE, SUPPRESS and UNKNOWN need none.
const CALL_FIELDS: Partial<Record<SchedulerCallType, keyof SchedulerCall>> = {
  ACCEPT: "accept",
  DECLINE: "decline",
  ACCEPT_INVERSE_OFFERS: "accept_inverse_offers",
  DECLINE_INVERSE_OFFERS: "decline_inverse_offers",
  KILL: "kill",
  SHUTDOWN: "shutdown",
  ACKNOWLEDGE: "acknowledge",
  ACKNOWLEDGE_OPERATION_STATUS: "acknowledge_operation_status",
  RECONCILE: "reconcile",
  RECONCILE_OPERATIONS: "reconcile_operations",
  MESSAGE: "message",
  REQUEST: "request",
  UPDATE_FRAMEWORK: "update_framework",
};

// Mesos compares FrameworkIDs by value, and an unset one reads as the empty value.
function sameFrameworkId(a: FrameworkID | undefined, b: FrameworkID | undefined): boolean {
  return (a?.value ?? "") === (b?.value ?? "");
}

/**
 * Mesos's `scheduler::call::validate` (reference §1.3), in its order of checks, run after the
 * body parsed. `principal` is the authenticated principal, if any. Returns Mesos's message
 * (the HTTP layer answers 400 "Failed to validate scheduler::Call: <message>") or undefined.
 * UNKNOWN passes: the HTTP layer answers it with 501.
 */
export function validateSchedulerCall(call: SchedulerCall, principal?: string): string | undefined {
  if (call.type === undefined) return "Expecting 'type' to be present";
  if (call.type === "SUBSCRIBE") {
    if (call.subscribe === undefined) return "Expecting 'subscribe' to be present";
    const info = call.subscribe.framework_info;
    if (!sameFrameworkId(info.id, call.framework_id)) {
      return "'framework_id' differs from 'subscribe.framework_info.id'";
    }
    if (principal !== undefined && info.principal !== undefined && principal !== info.principal) {
      return `Authenticated principal '${principal}' does not match principal '${info.principal}' set in \`FrameworkInfo\``;
    }
    return undefined;
  }
  if (call.framework_id === undefined) return "Expecting 'framework_id' to be present";
  const missing = checkSubMessage(call, CALL_FIELDS);
  if (missing !== undefined) return missing;
  switch (call.type) {
    case "ACKNOWLEDGE":
      // stout's UUID::fromBytes: anything but 16 bytes.
      return isUuidBytes(call.acknowledge?.uuid ?? "") ? undefined : "Not a valid UUID";
    case "ACKNOWLEDGE_OPERATION_STATUS": {
      const ack = call.acknowledge_operation_status;
      if (!isUuidBytes(ack?.uuid ?? "")) return "Not a valid UUID";
      return ack?.agent_id === undefined ? "Expecting 'agent_id' to be present" : undefined;
    }
    case "UPDATE_FRAMEWORK":
      return sameFrameworkId(call.update_framework?.framework_info.id, call.framework_id)
        ? undefined
        : "'framework_id' differs from 'update_framework.framework_info.id'";
    default:
      return undefined;
  }
}

// --- Event ----------------------------------------------------------------------------------

export const SCHEDULER_EVENT_TYPE_NUMBERS = {
  UNKNOWN: 0,
  SUBSCRIBED: 1,
  OFFERS: 2,
  INVERSE_OFFERS: 9,
  RESCIND: 3,
  RESCIND_INVERSE_OFFER: 10,
  UPDATE: 4,
  UPDATE_OPERATION_STATUS: 11,
  MESSAGE: 5,
  FAILURE: 6,
  ERROR: 7,
  HEARTBEAT: 8,
} as const;
export type SchedulerEventType = keyof typeof SCHEDULER_EVENT_TYPE_NUMBERS;
export const SCHEDULER_EVENT_TYPES = enumNames(SCHEDULER_EVENT_TYPE_NUMBERS);

/** Mesos's fixed scheduler heartbeat interval (not configurable), in seconds. */
export const SCHEDULER_HEARTBEAT_INTERVAL_SECONDS = 15;

export const SchedulerEvent = message(
  {
    type: optionalEnum(SCHEDULER_EVENT_TYPES),
    subscribed: message(
      {
        framework_id: FrameworkID,
        heartbeat_interval_seconds: double.optional(),
        master_info: MasterInfo.optional(),
      },
      { framework_id: 1, heartbeat_interval_seconds: 2, master_info: 3 },
    ).optional(),
    offers: message({ offers: repeated(Offer) }, { offers: 1 }).optional(),
    inverse_offers: message(
      { inverse_offers: repeated(InverseOffer) },
      { inverse_offers: 1 },
    ).optional(),
    rescind: message({ offer_id: OfferID }, { offer_id: 1 }).optional(),
    rescind_inverse_offer: message(
      { inverse_offer_id: OfferID },
      { inverse_offer_id: 1 },
    ).optional(),
    // `uuid` in the status only when the update must be acknowledged.
    update: message({ status: TaskStatus }, { status: 1 }).optional(),
    update_operation_status: message({ status: OperationStatus }, { status: 1 }).optional(),
    message: message(
      { agent_id: AgentID, executor_id: ExecutorID, data: bytes },
      { agent_id: 1, executor_id: 2, data: 3 },
    ).optional(),
    // Agent lost (only agent_id) or a custom executor exited (with its wait status).
    failure: message(
      {
        agent_id: AgentID.optional(),
        executor_id: ExecutorID.optional(),
        status: int32.optional(),
      },
      { agent_id: 1, executor_id: 2, status: 3 },
    ).optional(),
    // `{"type":"ERROR","error":{"message":...}}`, not the docs' top-level message (§10.1).
    error: message({ message: str }, { message: 1 }).optional(),
  },
  {
    type: 1,
    subscribed: 2,
    offers: 3,
    inverse_offers: 9,
    rescind: 4,
    rescind_inverse_offer: 10,
    update: 5,
    update_operation_status: 11,
    message: 6,
    failure: 7,
    error: 8,
  },
);
export type SchedulerEvent = z.output<typeof SchedulerEvent>;
registerFastPath(SchedulerEvent, updateEvent);

const EVENT_FIELDS: Partial<Record<SchedulerEventType, keyof SchedulerEvent>> = {
  SUBSCRIBED: "subscribed",
  OFFERS: "offers",
  INVERSE_OFFERS: "inverse_offers",
  RESCIND: "rescind",
  RESCIND_INVERSE_OFFER: "rescind_inverse_offer",
  UPDATE: "update",
  UPDATE_OPERATION_STATUS: "update_operation_status",
  MESSAGE: "message",
  FAILURE: "failure",
  ERROR: "error",
};

/**
 * Checks an event a scheduler library received: a known type with its sub-message
 * (HEARTBEAT carries none). Returns a message, or undefined when usable.
 */
export function validateSchedulerEvent(event: SchedulerEvent): string | undefined {
  return checkSubMessage(event, EVENT_FIELDS);
}
