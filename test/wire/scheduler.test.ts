import assert from "node:assert/strict";
import { test } from "node:test";
import { encodeWire, parseWire, parseWireText } from "../../src/wire/json.ts";
import {
  SCHEDULER_CALL_TYPES,
  SCHEDULER_EVENT_TYPES,
  SchedulerCall,
  SchedulerEvent,
  validateSchedulerCall,
  validateSchedulerEvent,
} from "../../src/wire/scheduler.ts";
import { assertEveryTypeParses, parsedOk } from "./wire-asserts.ts";

// --- the reference's §1.6 example bodies, verbatim -------------------------------------------

const SUBSCRIBE = `{"type":"SUBSCRIBE",
 "subscribe":{
   "framework_info":{"user":"alice","name":"my-fw","failover_timeout":604800,"checkpoint":true,
     "roles":["web"],
     "capabilities":[{"type":"MULTI_ROLE"},{"type":"PARTITION_AWARE"},{"type":"TASK_KILLING_STATE"},
                     {"type":"RESERVATION_REFINEMENT"}]},
   "suppressed_roles":[]}}`;

const ACCEPT_LAUNCH = `{"framework_id":{"value":"5b8c...-0000"},"type":"ACCEPT",
 "accept":{
   "offer_ids":[{"value":"5b8c...-O12"}],
   "operations":[{"type":"LAUNCH","launch":{"task_infos":[{
       "name":"sleeper","task_id":{"value":"sleeper-1"},"agent_id":{"value":"5b8c...-S0"},
       "resources":[
         {"name":"cpus","type":"SCALAR","scalar":{"value":0.5},"allocation_info":{"role":"web"}},
         {"name":"mem","type":"SCALAR","scalar":{"value":128},"allocation_info":{"role":"web"}}],
       "command":{"shell":true,"value":"sleep 1000"},
       "kill_policy":{"grace_period":{"nanoseconds":5000000000}}}]}}],
   "filters":{"refuse_seconds":5.0}}}`;

const ACCEPT_LAUNCH_GROUP = `{"framework_id":{"value":"5b8c...-0000"},"type":"ACCEPT",
 "accept":{"offer_ids":[{"value":"5b8c...-O13"}],
  "operations":[{"type":"LAUNCH_GROUP","launch_group":{
    "executor":{"type":"DEFAULT","executor_id":{"value":"pod-1-exec"},
                "framework_id":{"value":"5b8c...-0000"},
                "resources":[{"name":"cpus","type":"SCALAR","scalar":{"value":0.1},"allocation_info":{"role":"web"}},
                             {"name":"mem","type":"SCALAR","scalar":{"value":32},"allocation_info":{"role":"web"}},
                             {"name":"disk","type":"SCALAR","scalar":{"value":32},"allocation_info":{"role":"web"}}]},
    "task_group":{"tasks":[
      {"name":"a","task_id":{"value":"pod-1.a"},"agent_id":{"value":"5b8c...-S0"},
       "resources":[{"name":"cpus","type":"SCALAR","scalar":{"value":0.2},"allocation_info":{"role":"web"}},
                    {"name":"mem","type":"SCALAR","scalar":{"value":64},"allocation_info":{"role":"web"}}],
       "command":{"value":"./server"}},
      {"name":"b","task_id":{"value":"pod-1.b"},"agent_id":{"value":"5b8c...-S0"},
       "resources":[{"name":"cpus","type":"SCALAR","scalar":{"value":0.1},"allocation_info":{"role":"web"}},
                    {"name":"mem","type":"SCALAR","scalar":{"value":32},"allocation_info":{"role":"web"}}],
       "command":{"value":"./sidecar"}}]}}}]}}`;

const ACKNOWLEDGE = `{"framework_id":{"value":"5b8c...-0000"},"type":"ACKNOWLEDGE",
 "acknowledge":{"agent_id":{"value":"5b8c...-S0"},"task_id":{"value":"sleeper-1"},"uuid":"hTaLQ0b5Q1OZuab7QclTKQ=="}}`;

const SUBSCRIBED = `{"type":"SUBSCRIBED","subscribed":{
  "framework_id":{"value":"5b8c0f6e-2d2c-4a4b-8e0a-6f1c2f9d8e11-0000"},
  "heartbeat_interval_seconds":15.0,
  "master_info":{"id":"5b8c0f6e-2d2c-4a4b-8e0a-6f1c2f9d8e11","ip":16777343,"port":5050,
    "pid":"master@127.0.0.1:5050","hostname":"m1","version":"1.11.0",
    "address":{"hostname":"m1","ip":"127.0.0.1","port":5050},
    "capabilities":[{"type":"AGENT_UPDATE"},{"type":"AGENT_DRAINING"},{"type":"QUOTA_V2"}]}}}`;

const OFFERS = `{"type":"OFFERS","offers":{"offers":[{
  "id":{"value":"5b8c...-O12"},"framework_id":{"value":"5b8c...-0000"},"agent_id":{"value":"5b8c...-S0"},
  "hostname":"agent1",
  "url":{"scheme":"http","address":{"hostname":"agent1","ip":"10.0.0.5","port":5051},"path":"/slave(1)"},
  "allocation_info":{"role":"web"},
  "resources":[
    {"name":"cpus","type":"SCALAR","scalar":{"value":3.9},"allocation_info":{"role":"web"}},
    {"name":"mem","type":"SCALAR","scalar":{"value":14848.0},"allocation_info":{"role":"web"}},
    {"name":"disk","type":"SCALAR","scalar":{"value":92000.0},"allocation_info":{"role":"web"}},
    {"name":"ports","type":"RANGES","ranges":{"range":[{"begin":31000,"end":32000}]},"allocation_info":{"role":"web"}},
    {"name":"cpus","type":"SCALAR","scalar":{"value":2.0},"allocation_info":{"role":"web"},
     "reservations":[{"type":"DYNAMIC","role":"web","principal":"ops"}]}],
  "attributes":[{"name":"rack","type":"TEXT","text":{"value":"r1"}}],
  "executor_ids":[{"value":"pod-1-exec"}]}]}}`;

const UPDATE = `{"type":"UPDATE","update":{"status":{
  "task_id":{"value":"sleeper-1"},"state":"TASK_RUNNING","source":"SOURCE_EXECUTOR",
  "agent_id":{"value":"5b8c...-S0"},"executor_id":{"value":"sleeper-1"},
  "timestamp":1724431234.123,"uuid":"hTaLQ0b5Q1OZuab7QclTKQ==",
  "container_status":{"container_id":{"value":"9d2c..."},
     "network_infos":[{"ip_addresses":[{"protocol":"IPv4","ip_address":"10.0.0.5"}]}],"executor_pid":4242}}}}`;

const ERROR = `{"type":"ERROR","error":{"message":"Framework failed over"}}`;
const HEARTBEAT = `{"type":"HEARTBEAT"}`;

// --- helpers ------------------------------------------------------------------------------------

const UUID = "hTaLQ0b5Q1OZuab7QclTKQ==";
const fid = { value: "fw-0000" };
const agent_id = { value: "a-S0" };
const frameworkInfo = { user: "alice", name: "my-fw" };

function parseCall(json: unknown): SchedulerCall {
  return parsedOk(SchedulerCall, typeof json === "string" ? parseWireText(json) : json);
}

function callError(json: unknown, principal?: string): string | undefined {
  return validateSchedulerCall(parseCall(json), principal);
}

function parseEvent(json: unknown): SchedulerEvent {
  const r = parseWire(SchedulerEvent, typeof json === "string" ? parseWireText(json) : json);
  assert.ok(r.ok, r.ok ? "" : r.error);
  assert.equal(validateSchedulerEvent(r.value), undefined);
  return r.value;
}

// --- calls ------------------------------------------------------------------------------------

test("the reference's SUBSCRIBE body parses and validates as a new framework", () => {
  const call = parseCall(SUBSCRIBE);
  assert.equal(validateSchedulerCall(call), undefined);
  assert.deepEqual(call.subscribe?.framework_info.roles, ["web"]);
  assert.equal(call.subscribe?.framework_info.capabilities?.length, 4);
  assert.equal(call.subscribe?.framework_info.failover_timeout, 604800);
});

test("the reference's ACCEPT LAUNCH body parses and validates", () => {
  const call = parseCall(ACCEPT_LAUNCH);
  assert.equal(validateSchedulerCall(call), undefined);
  const task = call.accept?.operations?.[0]?.launch?.task_infos?.[0];
  assert.equal(task?.task_id.value, "sleeper-1");
  assert.equal(task?.kill_policy?.grace_period?.nanoseconds, 5_000_000_000);
  assert.equal(call.accept?.filters?.refuse_seconds, 5);
});

test("the reference's ACCEPT LAUNCH_GROUP body parses and validates", () => {
  const call = parseCall(ACCEPT_LAUNCH_GROUP);
  assert.equal(validateSchedulerCall(call), undefined);
  const group = call.accept?.operations?.[0]?.launch_group;
  assert.equal(group?.executor.type, "DEFAULT");
  assert.deepEqual(
    group?.task_group.tasks?.map((t) => t.task_id.value),
    ["pod-1.a", "pod-1.b"],
  );
});

test("the reference's ACKNOWLEDGE body parses and validates", () => {
  const call = parseCall(ACKNOWLEDGE);
  assert.equal(validateSchedulerCall(call), undefined);
  assert.equal(call.acknowledge?.uuid, UUID);
});

const validCalls: Record<(typeof SCHEDULER_CALL_TYPES)[number], unknown> = {
  UNKNOWN: { framework_id: fid, type: "UNKNOWN" },
  SUBSCRIBE: {
    framework_id: fid,
    type: "SUBSCRIBE",
    subscribe: {
      framework_info: { ...frameworkInfo, id: fid },
      suppressed_roles: ["web"],
      offer_constraints: {
        role_constraints: {
          web: {
            groups: [
              {
                attribute_constraints: [
                  {
                    selector: { attribute_name: "rack" },
                    predicate: { text_equals: { value: "r1" } },
                  },
                  { selector: { pseudoattribute_type: "HOSTNAME" }, predicate: { exists: {} } },
                ],
              },
            ],
          },
        },
      },
    },
  },
  TEARDOWN: { framework_id: fid, type: "TEARDOWN" },
  ACCEPT: ACCEPT_LAUNCH,
  DECLINE: {
    framework_id: fid,
    type: "DECLINE",
    decline: { offer_ids: [{ value: "o1" }], filters: { refuse_seconds: 60 } },
  },
  ACCEPT_INVERSE_OFFERS: {
    framework_id: fid,
    type: "ACCEPT_INVERSE_OFFERS",
    accept_inverse_offers: { inverse_offer_ids: [{ value: "io1" }] },
  },
  DECLINE_INVERSE_OFFERS: {
    framework_id: fid,
    type: "DECLINE_INVERSE_OFFERS",
    decline_inverse_offers: { inverse_offer_ids: [{ value: "io1" }], filters: {} },
  },
  REVIVE: { framework_id: fid, type: "REVIVE", revive: { roles: ["web"] } },
  KILL: {
    framework_id: fid,
    type: "KILL",
    kill: { task_id: { value: "t1" }, agent_id, kill_policy: { grace_period: { nanoseconds: 1 } } },
  },
  SHUTDOWN: {
    framework_id: fid,
    type: "SHUTDOWN",
    shutdown: { executor_id: { value: "e1" }, agent_id },
  },
  ACKNOWLEDGE: ACKNOWLEDGE,
  ACKNOWLEDGE_OPERATION_STATUS: {
    framework_id: fid,
    type: "ACKNOWLEDGE_OPERATION_STATUS",
    acknowledge_operation_status: { agent_id, uuid: UUID, operation_id: { value: "op1" } },
  },
  RECONCILE: {
    framework_id: fid,
    type: "RECONCILE",
    reconcile: { tasks: [{ task_id: { value: "t1" }, agent_id }] },
  },
  RECONCILE_OPERATIONS: {
    framework_id: fid,
    type: "RECONCILE_OPERATIONS",
    reconcile_operations: { operations: [{ operation_id: { value: "op1" }, agent_id }] },
  },
  MESSAGE: {
    framework_id: fid,
    type: "MESSAGE",
    message: { agent_id, executor_id: { value: "e1" }, data: "aGVsbG8=" },
  },
  REQUEST: {
    framework_id: fid,
    type: "REQUEST",
    request: {
      requests: [{ agent_id, resources: [{ name: "cpus", type: "SCALAR", scalar: { value: 1 } }] }],
    },
  },
  SUPPRESS: { framework_id: fid, type: "SUPPRESS", suppress: { roles: [] } },
  UPDATE_FRAMEWORK: {
    framework_id: fid,
    type: "UPDATE_FRAMEWORK",
    update_framework: { framework_info: { ...frameworkInfo, id: fid }, suppressed_roles: [] },
  },
};

test("every scheduler call type parses and validates", () => {
  assertEveryTypeParses(SchedulerCall, validCalls, SCHEDULER_CALL_TYPES, {
    validate: (call) => validateSchedulerCall(call),
  });
});

test("TEARDOWN, REVIVE and SUPPRESS need no sub-message", () => {
  for (const type of ["TEARDOWN", "REVIVE", "SUPPRESS"]) {
    assert.equal(callError({ framework_id: fid, type }), undefined, type);
  }
});

test("a missing or unknown call type is reported as absent", () => {
  assert.equal(callError({ framework_id: fid }), "Expecting 'type' to be present");
  assert.equal(
    callError({ framework_id: fid, type: "LAUNCH_ALL_THE_THINGS" }),
    "Expecting 'type' to be present",
  );
});

test("every call but SUBSCRIBE needs a framework_id", () => {
  assert.equal(callError({ type: "TEARDOWN" }), "Expecting 'framework_id' to be present");
  assert.equal(callError({ type: "ACCEPT", accept: {} }), "Expecting 'framework_id' to be present");
});

test("each call type without its sub-message is rejected with Mesos's message", () => {
  const fields: Record<string, string> = {
    SUBSCRIBE: "subscribe",
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
  for (const [type, field] of Object.entries(fields)) {
    assert.equal(
      callError({ framework_id: fid, type }),
      `Expecting '${field}' to be present`,
      type,
    );
  }
});

test("SUBSCRIBE framework ids must match, both absent for a new framework", () => {
  const sub = (framework_id: unknown, id: unknown) =>
    callError({
      ...(framework_id ? { framework_id } : {}),
      type: "SUBSCRIBE",
      subscribe: { framework_info: { ...frameworkInfo, ...(id ? { id } : {}) } },
    });
  const message = "'framework_id' differs from 'subscribe.framework_info.id'";
  assert.equal(sub(undefined, undefined), undefined);
  assert.equal(sub(fid, fid), undefined);
  assert.equal(sub(fid, undefined), message);
  assert.equal(sub(undefined, fid), message);
  assert.equal(sub(fid, { value: "other" }), message);
});

test("SUBSCRIBE with a principal other than the authenticated one is rejected", () => {
  const call = {
    type: "SUBSCRIBE",
    subscribe: { framework_info: { ...frameworkInfo, principal: "bob" } },
  };
  assert.equal(
    callError(call, "alice"),
    "Authenticated principal 'alice' does not match principal 'bob' set in `FrameworkInfo`",
  );
  assert.equal(callError(call, "bob"), undefined);
  assert.equal(callError(call), undefined);
});

test("UPDATE_FRAMEWORK framework ids must match", () => {
  assert.equal(
    callError({
      framework_id: fid,
      type: "UPDATE_FRAMEWORK",
      update_framework: { framework_info: { ...frameworkInfo, id: { value: "other" } } },
    }),
    "'framework_id' differs from 'update_framework.framework_info.id'",
  );
  assert.equal(
    callError({
      framework_id: fid,
      type: "UPDATE_FRAMEWORK",
      update_framework: { framework_info: frameworkInfo },
    }),
    "'framework_id' differs from 'update_framework.framework_info.id'",
  );
});

test("an ACKNOWLEDGE uuid that is not 16 bytes is rejected", () => {
  const ack = (uuid: string) =>
    callError({
      framework_id: fid,
      type: "ACKNOWLEDGE",
      acknowledge: { agent_id, task_id: { value: "t" }, uuid },
    });
  assert.equal(ack("YWJj"), "Not a valid UUID");
  assert.equal(ack("hTaLQ0b5Q1OZuab7QclTKQ=="), undefined);
  // Text that is not base64 at all fails while parsing, naming the field.
  const r = parseWire(SchedulerCall, {
    framework_id: fid,
    type: "ACKNOWLEDGE",
    acknowledge: { agent_id, task_id: { value: "t" }, uuid: "not base64!" },
  });
  assert.deepEqual(r, { ok: false, error: "acknowledge.uuid: expected base64-encoded bytes" });
});

test("ACKNOWLEDGE_OPERATION_STATUS needs a valid uuid and an agent_id", () => {
  const ack = (body: object) =>
    callError({
      framework_id: fid,
      type: "ACKNOWLEDGE_OPERATION_STATUS",
      acknowledge_operation_status: body,
    });
  const op = { operation_id: { value: "op1" } };
  assert.equal(ack({ ...op, agent_id, uuid: "YWJj" }), "Not a valid UUID");
  assert.equal(ack({ ...op, uuid: UUID }), "Expecting 'agent_id' to be present");
});

test("an operation_id given as a bare string (the docs' form) is a parse error", () => {
  const r = parseWire(SchedulerCall, {
    framework_id: fid,
    type: "ACKNOWLEDGE_OPERATION_STATUS",
    acknowledge_operation_status: { agent_id, uuid: UUID, operation_id: "abc" },
  });
  assert.ok(!r.ok);
  assert.match(r.error, /^acknowledge_operation_status\.operation_id: /);
});

test("REVIVE with the docs' `role` key ignores it and revives all roles", () => {
  const call = parseCall({ framework_id: fid, type: "REVIVE", revive: { role: "web" } });
  assert.deepEqual(call.revive, {});
  assert.equal(validateSchedulerCall(call), undefined);
});

test("REQUEST is shaped request.requests; a top-level requests key is ignored", () => {
  const call = parseCall({ framework_id: fid, type: "REQUEST", requests: [{ agent_id }] });
  assert.equal(validateSchedulerCall(call), "Expecting 'request' to be present");
  const ok = parseCall(validCalls.REQUEST);
  assert.equal(ok.request?.requests?.[0]?.agent_id?.value, "a-S0");
});

test("required fields of a sub-message are reported by path", () => {
  const r = parseWire(SchedulerCall, { framework_id: fid, type: "KILL", kill: {} });
  assert.deepEqual(r, { ok: false, error: "Missing required fields: kill.task_id" });
});

test("encoding a DECLINE emits the default refuse_seconds", () => {
  const wire = encodeWire(SchedulerCall, {
    framework_id: fid,
    type: "DECLINE",
    decline: { offer_ids: [{ value: "o1" }], filters: {} },
  });
  assert.equal(
    wire,
    '{"framework_id":{"value":"fw-0000"},"type":"DECLINE","decline":{"offer_ids":[{"value":"o1"}],"filters":{"refuse_seconds":5}}}',
  );
});

// --- events ------------------------------------------------------------------------------------

test("the reference's SUBSCRIBED event parses", () => {
  const event = parseEvent(SUBSCRIBED);
  assert.equal(event.subscribed?.heartbeat_interval_seconds, 15);
  assert.equal(event.subscribed?.master_info?.ip, 16777343);
  assert.equal(event.subscribed?.master_info?.capabilities?.length, 3);
});

test("the reference's OFFERS event parses", () => {
  const offer = parseEvent(OFFERS).offers?.offers?.[0];
  assert.equal(offer?.resources?.length, 5);
  assert.equal(offer?.url?.path, "/slave(1)");
  assert.equal(offer?.resources?.[4]?.reservations?.[0]?.principal, "ops");
});

test("the reference's UPDATE event parses", () => {
  const status = parseEvent(UPDATE).update?.status;
  assert.equal(status?.state, "TASK_RUNNING");
  assert.equal(status?.uuid, UUID);
  assert.equal(status?.container_status?.executor_pid, 4242);
});

test("the reference's ERROR and HEARTBEAT events parse", () => {
  assert.equal(parseEvent(ERROR).error?.message, "Framework failed over");
  assert.deepEqual(parseEvent(HEARTBEAT), { type: "HEARTBEAT" });
});

test("the docs' ERROR shape with a top-level message string is rejected", () => {
  // `message` is the MESSAGE event's sub-message, so a string there does not even parse.
  const r = parseWire(SchedulerEvent, { type: "ERROR", message: "Framework failed over" });
  assert.ok(!r.ok);
  assert.match(r.error, /^message: /);
  const noError = parseWire(SchedulerEvent, { type: "ERROR" });
  assert.ok(noError.ok);
  assert.equal(validateSchedulerEvent(noError.value), "Expecting 'error' to be present");
  assert.equal(
    encodeWire(SchedulerEvent, { type: "ERROR", error: { message: "Framework failed over" } }),
    ERROR,
  );
});

const validEvents: Record<(typeof SCHEDULER_EVENT_TYPES)[number], unknown> = {
  UNKNOWN: { type: "UNKNOWN" },
  SUBSCRIBED,
  OFFERS,
  INVERSE_OFFERS: {
    type: "INVERSE_OFFERS",
    inverse_offers: {
      inverse_offers: [
        {
          id: { value: "io1" },
          framework_id: fid,
          agent_id,
          unavailability: { start: { nanoseconds: 1 }, duration: { nanoseconds: 2 } },
        },
      ],
    },
  },
  RESCIND: { type: "RESCIND", rescind: { offer_id: { value: "o1" } } },
  RESCIND_INVERSE_OFFER: {
    type: "RESCIND_INVERSE_OFFER",
    rescind_inverse_offer: { inverse_offer_id: { value: "io1" } },
  },
  UPDATE,
  UPDATE_OPERATION_STATUS: {
    type: "UPDATE_OPERATION_STATUS",
    update_operation_status: {
      status: {
        operation_id: { value: "op1" },
        state: "OPERATION_FINISHED",
        uuid: { value: UUID },
        agent_id,
      },
    },
  },
  MESSAGE: {
    type: "MESSAGE",
    message: { agent_id, executor_id: { value: "e1" }, data: "aGVsbG8=" },
  },
  FAILURE: { type: "FAILURE", failure: { agent_id, executor_id: { value: "e1" }, status: 256 } },
  ERROR,
  HEARTBEAT,
};

test("every scheduler event type parses", () => {
  for (const type of SCHEDULER_EVENT_TYPES) {
    assert.equal(parseEvent(validEvents[type]).type, type);
  }
});

test("an event without its sub-message is not usable", () => {
  const r = parseWire(SchedulerEvent, { type: "OFFERS" });
  assert.ok(r.ok);
  assert.equal(validateSchedulerEvent(r.value), "Expecting 'offers' to be present");
  const unknown = parseWire(SchedulerEvent, { type: "SOMETHING_NEW" });
  assert.ok(unknown.ok);
  assert.equal(validateSchedulerEvent(unknown.value), "Expecting 'type' to be present");
});
