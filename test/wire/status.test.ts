import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { encodeWire, parseWire, parseWireText } from "../../src/wire/json.ts";
import {
  ContainerStatus,
  isTerminalState,
  PARTITION_AWARE_ONLY_STATES,
  REASON_NUMBERS,
  REASONS,
  SOURCES,
  TASK_STATE_NUMBERS,
  TASK_STATES,
  TaskStatus,
  TERMINAL_TASK_STATES,
} from "../../src/wire/status.ts";
import { UPDATE_STATUS } from "./mesos-examples.ts";
import { errorOf } from "./wire-asserts.ts";

test("the fourteen task states have Mesos's numbers, each used once", () => {
  assert.equal(TASK_STATES.length, 14);
  assert.deepEqual(Object.keys(TASK_STATE_NUMBERS).sort(), [...TASK_STATES].sort());
  assert.deepEqual(
    Object.values(TASK_STATE_NUMBERS).sort((a, b) => a - b),
    Array.from({ length: 14 }, (_, i) => i),
  );
  assert.equal(TASK_STATE_NUMBERS.TASK_STAGING, 6);
  assert.equal(TASK_STATE_NUMBERS.TASK_KILLING, 8);
});

test("terminal states are exactly the eight Mesos lists", () => {
  const terminal = TASK_STATES.filter(isTerminalState);
  assert.deepEqual(terminal, [
    "TASK_FINISHED",
    "TASK_FAILED",
    "TASK_KILLED",
    "TASK_ERROR",
    "TASK_LOST",
    "TASK_DROPPED",
    "TASK_GONE",
    "TASK_GONE_BY_OPERATOR",
  ]);
  assert.equal(TERMINAL_TASK_STATES.size, 8);
  for (const s of ["TASK_RUNNING", "TASK_KILLING", "TASK_UNREACHABLE", "TASK_UNKNOWN"] as const) {
    assert.equal(isTerminalState(s), false, s);
  }
  assert.deepEqual([...PARTITION_AWARE_ONLY_STATES].sort(), [
    "TASK_DROPPED",
    "TASK_GONE",
    "TASK_GONE_BY_OPERATOR",
    "TASK_UNKNOWN",
    "TASK_UNREACHABLE",
  ]);
});

test("every reason of the v1 API is known, with distinct numbers", () => {
  assert.equal(REASONS.length, 35);
  assert.equal(new Set(Object.values(REASON_NUMBERS)).size, 35);
  assert.equal(REASON_NUMBERS.REASON_AGENT_DRAINING, 34);
  assert.equal(REASON_NUMBERS.REASON_COMMAND_EXECUTOR_FAILED, 0);
});

test("the UPDATE example's status parses; its IP protocol and executor pid survive", () => {
  const r = parseWire(TaskStatus, UPDATE_STATUS);
  assert.ok(r.ok);
  assert.equal(r.value.state, "TASK_RUNNING");
  assert.equal(r.value.source, "SOURCE_EXECUTOR");
  assert.equal(r.value.timestamp, 1724431234.123);
  assert.equal(r.value.uuid, "hTaLQ0b5Q1OZuab7QclTKQ==");
  assert.equal(r.value.container_status?.executor_pid, 4242);
  assert.equal(r.value.container_status?.network_infos?.[0]?.ip_addresses?.[0]?.protocol, "IPv4");
});

test("a status requires task_id and a known state", () => {
  assert.equal(errorOf(parseWire(TaskStatus, {})), "Missing required fields: task_id, state");
  assert.equal(
    errorOf(parseWire(TaskStatus, { task_id: { value: "t" }, state: "TASK_BOGUS" })),
    "state: Failed to find enum for 'TASK_BOGUS'",
  );
});

test("unknown source and reason names are dropped rather than rejected", () => {
  const r = parseWire(TaskStatus, {
    task_id: { value: "t" },
    state: "TASK_FAILED",
    source: "SOURCE_MOON",
    reason: "REASON_SOLAR_FLARE",
  });
  assert.ok(r.ok);
  assert.equal(r.value.source, undefined);
  assert.equal(r.value.reason, undefined);
});

test("the status payload is field data (base64), and the v1 reason names say AGENT", () => {
  const r = parseWire(TaskStatus, {
    task_id: { value: "t" },
    state: "TASK_LOST",
    data: "aGVsbG8=",
    reason: "REASON_AGENT_REMOVED",
    timestamp: "1724431234.5",
  });
  assert.ok(r.ok);
  assert.equal(r.value.data, "aGVsbG8=");
  assert.equal(r.value.timestamp, 1724431234.5);
  const v0 = parseWire(TaskStatus, {
    task_id: { value: "t" },
    state: "TASK_LOST",
    reason: "REASON_SLAVE_REMOVED",
  });
  assert.ok(v0.ok && v0.value.reason === undefined);
  assert.match(
    errorOf(
      parseWire(TaskStatus, { task_id: { value: "t" }, state: "TASK_LOST", data: "not base64!" }),
    ),
    /^data: /,
  );
});

test("an IP address's protocol defaults to IPv4 on output", () => {
  const text = encodeWire(ContainerStatus, {
    network_infos: [{ ip_addresses: [{ ip_address: "10.0.0.5" }] }],
  });
  assert.equal(
    text,
    '{"network_infos":[{"ip_addresses":[{"protocol":"IPv4","ip_address":"10.0.0.5"}]}]}',
  );
});

test("health, check status, limitation and unreachable time are carried", () => {
  const r = parseWire(TaskStatus, {
    task_id: { value: "t" },
    state: "TASK_RUNNING",
    healthy: "false",
    check_status: { type: "HTTP", http: { status_code: 503 } },
    limitation: { resources: [{ name: "mem", type: "SCALAR", scalar: { value: 64 } }] },
    unreachable_time: { nanoseconds: 1724431234000000000 },
    labels: { labels: [{ key: "k", value: "v" }] },
  });
  assert.ok(r.ok);
  assert.equal(r.value.healthy, false);
  assert.equal(r.value.check_status?.http?.status_code, 503);
});

const arbId = fc.record({ value: fc.string({ minLength: 1, maxLength: 20 }) });
const arbStatus = fc.record(
  {
    task_id: arbId,
    state: fc.constantFrom(...TASK_STATES),
    message: fc.string(),
    source: fc.constantFrom(...SOURCES),
    reason: fc.constantFrom(...REASONS),
    data: fc.uint8Array({ maxLength: 32 }).map((b) => Buffer.from(b).toString("base64")),
    agent_id: arbId,
    executor_id: arbId,
    timestamp: fc.double({ min: 0, max: 4e9, noNaN: true }),
    uuid: fc
      .uint8Array({ minLength: 16, maxLength: 16 })
      .map((b) => Buffer.from(b).toString("base64")),
    healthy: fc.boolean(),
    container_status: fc.record(
      {
        container_id: arbId,
        executor_pid: fc.nat(),
        network_infos: fc.array(
          fc.record({
            ip_addresses: fc.array(fc.record({ ip_address: fc.ipV4() }), { maxLength: 2 }),
          }),
          { maxLength: 2 },
        ),
      },
      { requiredKeys: [] },
    ),
    unreachable_time: fc.record({ nanoseconds: fc.nat() }),
  },
  { requiredKeys: ["task_id", "state"] },
);

test("property: a TaskStatus survives encodeWire and a re-parse unchanged", () => {
  fc.assert(
    fc.property(arbStatus, (status) => {
      const direct = parseWire(TaskStatus, status);
      assert.ok(direct.ok);
      const again = parseWire(TaskStatus, parseWireText(encodeWire(TaskStatus, status)));
      assert.ok(again.ok);
      assert.deepEqual(normalise(again.value), normalise(direct.value));
    }),
  );
});

function normalise(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (_k, v) => (Array.isArray(v) && v.length === 0 ? undefined : v)),
  );
}
