import assert from "node:assert/strict";
import { test } from "node:test";
import {
  EXECUTOR_CALL_TYPES,
  EXECUTOR_EVENT_TYPES,
  ExecutorCall,
  ExecutorEvent,
  validateExecutorCall,
  validateExecutorEvent,
} from "../../src/wire/executor.ts";
import { encodeWire, parseWire } from "../../src/wire/json.ts";
import { assertEveryTypeParses, parsedOk } from "./wire-asserts.ts";

const UUID = "hTaLQ0b5Q1OZuab7QclTKQ==";
const ids = { executor_id: { value: "exec-1" }, framework_id: { value: "fw-0000" } };
const task = {
  name: "sleeper",
  task_id: { value: "sleeper-1" },
  agent_id: { value: "a-S0" },
  command: { value: "sleep 10" },
};
const runningStatus = {
  task_id: { value: "sleeper-1" },
  state: "TASK_RUNNING",
  source: "SOURCE_EXECUTOR",
  uuid: UUID,
  timestamp: 1724431234.5,
};

function parseCall(json: unknown): ExecutorCall {
  return parsedOk(ExecutorCall, json);
}

function callError(json: unknown): string | undefined {
  return validateExecutorCall(parseCall(json));
}

const validCalls: Record<(typeof EXECUTOR_CALL_TYPES)[number], unknown> = {
  UNKNOWN: { ...ids, type: "UNKNOWN" },
  SUBSCRIBE: {
    ...ids,
    type: "SUBSCRIBE",
    subscribe: {
      unacknowledged_tasks: [task],
      unacknowledged_updates: [{ status: runningStatus }],
    },
  },
  UPDATE: { ...ids, type: "UPDATE", update: { status: runningStatus } },
  MESSAGE: { ...ids, type: "MESSAGE", message: { data: "aGVsbG8=" } },
  HEARTBEAT: { ...ids, type: "HEARTBEAT" },
};

test("every executor call type parses and validates", () => {
  assertEveryTypeParses(ExecutorCall, validCalls, EXECUTOR_CALL_TYPES, {
    validate: validateExecutorCall,
  });
});

test("a SUBSCRIBE with an empty subscribe message is valid (first subscription)", () => {
  assert.equal(callError({ ...ids, type: "SUBSCRIBE", subscribe: {} }), undefined);
});

test("executor_id and framework_id are required fields of every call", () => {
  const r = parseWire(ExecutorCall, { type: "HEARTBEAT" });
  assert.deepEqual(r, { ok: false, error: "Missing required fields: executor_id, framework_id" });
});

test("a missing or unknown call type is reported as absent", () => {
  assert.equal(callError({ ...ids }), "Expecting 'type' to be present");
  assert.equal(callError({ ...ids, type: "LAUNCH" }), "Expecting 'type' to be present");
});

test("calls without their sub-message are rejected with Mesos's message", () => {
  for (const type of ["SUBSCRIBE", "UPDATE", "MESSAGE"]) {
    assert.equal(
      callError({ ...ids, type }),
      `Expecting '${type.toLowerCase()}' to be present`,
      type,
    );
  }
});

test("an UPDATE must carry a 16-byte uuid", () => {
  const { uuid: _, ...noUuid } = runningStatus;
  assert.equal(
    callError({ ...ids, type: "UPDATE", update: { status: noUuid } }),
    "Expecting 'uuid' to be present",
  );
  assert.equal(
    callError({ ...ids, type: "UPDATE", update: { status: { ...runningStatus, uuid: "YWJj" } } }),
    "Not a valid UUID",
  );
});

test("an UPDATE naming another executor is rejected", () => {
  const status = { ...runningStatus, executor_id: { value: "other" } };
  assert.equal(
    callError({ ...ids, type: "UPDATE", update: { status } }),
    "ExecutorID in Call: exec-1 does not match ExecutorID in TaskStatus: other",
  );
});

test("an UPDATE must come from SOURCE_EXECUTOR, an unset source included", () => {
  const expected =
    "Received Call from executor exec-1 of framework fw-0000 with invalid source, expecting 'SOURCE_EXECUTOR'";
  const { source: _, ...noSource } = runningStatus;
  assert.equal(callError({ ...ids, type: "UPDATE", update: { status: noSource } }), expected);
  const agent = { ...runningStatus, source: "SOURCE_AGENT" };
  assert.equal(callError({ ...ids, type: "UPDATE", update: { status: agent } }), expected);
});

test("an executor may not send TASK_STAGING", () => {
  const status = { ...runningStatus, state: "TASK_STAGING" };
  assert.equal(
    callError({ ...ids, type: "UPDATE", update: { status } }),
    "Received TASK_STAGING from executor exec-1 of framework fw-0000 which is not allowed",
  );
});

test("a check status must name its type and carry the matching result", () => {
  const withCheck = (check_status: unknown) =>
    callError({ ...ids, type: "UPDATE", update: { status: { ...runningStatus, check_status } } });
  assert.equal(withCheck({}), "CheckStatusInfo must specify 'type'");
  assert.equal(withCheck({ type: "HTTP" }), "Expecting 'http' to be set for HTTP check's status");
  assert.equal(
    withCheck({ type: "COMMAND" }),
    "Expecting 'command' to be set for COMMAND check's status",
  );
  assert.equal(withCheck({ type: "TCP" }), "Expecting 'tcp' to be set for TCP check's status");
  assert.equal(withCheck({ type: "UNKNOWN" }), "'UNKNOWN' is not a valid check's status type");
  assert.equal(withCheck({ type: "TCP", tcp: { succeeded: true } }), undefined);
});

test("update framework_id keys from the docs are ignored", () => {
  const call = parseCall({
    ...ids,
    type: "UPDATE",
    update: { framework_id: { value: "x" }, status: runningStatus },
  });
  assert.deepEqual(Object.keys(call.update ?? {}), ["status"]);
});

const subscribed = {
  type: "SUBSCRIBED",
  subscribed: {
    executor_info: {
      executor_id: { value: "pod-1-exec" },
      type: "DEFAULT",
      framework_id: { value: "5b8c...-0000" },
      resources: [{ name: "cpus", type: "SCALAR", scalar: { value: 0.1 } }],
    },
    framework_info: {
      user: "alice",
      name: "my-fw",
      id: { value: "5b8c...-0000" },
      failover_timeout: 604800.0,
      checkpoint: true,
    },
    agent_info: {
      hostname: "agent1",
      port: 5051,
      id: { value: "5b8c...-S0" },
      resources: [{ name: "mem", type: "SCALAR", scalar: { value: 1024 } }],
      attributes: [{ name: "rack", type: "TEXT", text: { value: "r1" } }],
    },
    container_id: { value: "9d2c7a3c-..." },
  },
};

const validEvents: Record<(typeof EXECUTOR_EVENT_TYPES)[number], unknown> = {
  UNKNOWN: { type: "UNKNOWN" },
  SUBSCRIBED: subscribed,
  LAUNCH: { type: "LAUNCH", launch: { task } },
  LAUNCH_GROUP: {
    type: "LAUNCH_GROUP",
    launch_group: { task_group: { tasks: [task, { ...task, task_id: { value: "b" } }] } },
  },
  KILL: {
    type: "KILL",
    kill: { task_id: { value: "sleeper-1" }, kill_policy: { grace_period: { nanoseconds: 1e9 } } },
  },
  ACKNOWLEDGED: { type: "ACKNOWLEDGED", acknowledged: { task_id: { value: "t" }, uuid: UUID } },
  MESSAGE: { type: "MESSAGE", message: { data: "aGVsbG8=" } },
  ERROR: { type: "ERROR", error: { message: "Executor is shutting down" } },
  SHUTDOWN: { type: "SHUTDOWN" },
  HEARTBEAT: { type: "HEARTBEAT" },
};

test("every executor event type parses and validates", () => {
  assertEveryTypeParses(ExecutorEvent, validEvents, EXECUTOR_EVENT_TYPES, {
    validate: validateExecutorEvent,
  });
});

test("SUBSCRIBED carries agent_info.hostname and container_id, and fills declared defaults", () => {
  const r = parseWire(ExecutorEvent, subscribed);
  assert.ok(r.ok);
  assert.equal(r.value.subscribed?.agent_info.hostname, "agent1");
  assert.equal(r.value.subscribed?.container_id?.value, "9d2c7a3c-...");
  const wire = JSON.parse(encodeWire(ExecutorEvent, validEvents.LAUNCH as never));
  // CommandInfo.shell defaults to true and is always emitted.
  assert.equal(wire.launch.task.command.shell, true);
});

test("the docs' SUBSCRIBED shape (agent_info.host, no hostname) is rejected", () => {
  const bad = structuredClone(subscribed) as { subscribed: { agent_info: object } };
  bad.subscribed.agent_info = { host: "agent1" };
  const r = parseWire(ExecutorEvent, bad);
  assert.deepEqual(r, {
    ok: false,
    error: "Missing required fields: subscribed.agent_info.hostname",
  });
});

test("LAUNCH keeps only the task; the docs' framework_info key is ignored", () => {
  const r = parseWire(ExecutorEvent, {
    type: "LAUNCH",
    launch: { task, framework_info: { user: "u", name: "n" } },
  });
  assert.ok(r.ok);
  assert.deepEqual(Object.keys(r.value.launch ?? {}), ["task"]);
});

test("an event without its sub-message is not usable", () => {
  const r = parseWire(ExecutorEvent, { type: "KILL" });
  assert.ok(r.ok);
  assert.equal(validateExecutorEvent(r.value), "Expecting 'kill' to be present");
});
