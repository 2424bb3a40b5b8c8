import assert from "node:assert/strict";
import { test } from "node:test";
import { randomUuidBase64 } from "../../src/base/uuid.ts";
import {
  Address,
  AgentID,
  ContainerID,
  Duration,
  DurationInfo,
  Filters,
  FrameworkID,
  isUuidBytes,
  Labels,
  OperationID,
  Parameters,
  TaskID,
  TimeInfo,
  URL,
  UUID,
  validateId,
  validateRole,
} from "../../src/wire/ids.ts";
import { encodeWire, parseWire } from "../../src/wire/json.ts";
import { errorOf } from "./wire-asserts.ts";

test("ID messages carry a required value", () => {
  for (const schema of [FrameworkID, AgentID, TaskID, OperationID]) {
    assert.deepEqual(parseWire(schema, { value: "a-1" }), { ok: true, value: { value: "a-1" } });
    assert.equal(errorOf(parseWire(schema, {})), "Missing required fields: value");
    assert.equal(errorOf(parseWire(schema, { value: 7 })), "value: expected a string");
  }
});

test("a nested ContainerID names its parents, and a missing parent value is reported by path", () => {
  const json = { value: "c3", parent: { value: "c2", parent: { value: "c1" } } };
  const r = parseWire(ContainerID, json);
  assert.ok(r.ok);
  assert.equal(r.value.parent?.parent?.value, "c1");
  assert.equal(
    errorOf(parseWire(ContainerID, { value: "c3", parent: { parent: {} } })),
    "Missing required fields: parent.value, parent.parent.value",
  );
});

test("time and duration infos are nanosecond integers, numeric strings accepted", () => {
  const r = parseWire(TimeInfo, { nanoseconds: "1724431234000000000" });
  assert.ok(r.ok);
  assert.equal(typeof r.value.nanoseconds, "number");
  assert.ok(parseWire(DurationInfo, { nanoseconds: 5_000_000_000 }).ok);
  assert.match(errorOf(parseWire(DurationInfo, { nanoseconds: 1.5 })), /^nanoseconds: /);
});

test("google.protobuf.Duration is an object {seconds, nanos}; the documented '10mins' string is rejected", () => {
  assert.deepEqual(parseWire(Duration, { seconds: 600 }), { ok: true, value: { seconds: 600 } });
  assert.equal(encodeWire(Duration, { seconds: 600, nanos: 0 }), '{"seconds":600,"nanos":0}');
  assert.ok(!parseWire(Duration, "10mins").ok);
});

test("Filters.refuse_seconds defaults to 5 and is always emitted", () => {
  assert.equal(encodeWire(Filters, {}), '{"refuse_seconds":5}');
  const r = parseWire(Filters, { refuse_seconds: "0.5" });
  assert.ok(r.ok && r.value.refuse_seconds === 0.5);
  const unset = parseWire(Filters, { refuse_seconds: null });
  assert.ok(unset.ok && unset.value.refuse_seconds === 5);
});

test("URL requires a scheme and an address with a port", () => {
  const json = {
    scheme: "http",
    address: { hostname: "agent1", ip: "10.0.0.5", port: 5051 },
    path: "/slave(1)",
    query: [{ key: "a", value: "b" }],
  };
  assert.ok(parseWire(URL, json).ok);
  assert.equal(
    errorOf(parseWire(URL, { address: { hostname: "h" } })),
    "Missing required fields: scheme, address.port",
  );
  assert.ok(parseWire(Address, { port: "5050" }).ok);
});

test("labels and parameters: label value optional, null means unset, unknown keys ignored", () => {
  const r = parseWire(Labels, { labels: [{ key: "k", value: null, extra: 1 }] });
  assert.deepEqual(r, { ok: true, value: { labels: [{ key: "k" }] } });
  assert.equal(
    errorOf(parseWire(Parameters, { parameter: [{ key: "k" }] })),
    "Missing required fields: parameter[0].value",
  );
});

test("UUID holds exactly 16 bytes in base64", () => {
  assert.ok(isUuidBytes("hTaLQ0b5Q1OZuab7QclTKQ=="));
  assert.ok(!isUuidBytes("aGVsbG8="));
  assert.ok(!isUuidBytes("hTaLQ0b5Q1OZuab7QclTKQ"));
  assert.ok(parseWire(UUID, { value: "hTaLQ0b5Q1OZuab7QclTKQ==" }).ok);
  assert.match(errorOf(parseWire(UUID, { value: "aGVsbG8=" })), /^value: expected 16/);
});

test("validateId accepts ordinary ids and rejects what cannot be a path component", () => {
  assert.equal(validateId("sleeper-1"), undefined);
  assert.equal(validateId("5b8c0f6e-2d2c-4a4b-8e0a-6f1c2f9d8e11-S0"), undefined);
  assert.equal(validateId("x".repeat(255)), undefined);
  assert.equal(validateId(""), "ID must not be empty");
  assert.match(validateId("x".repeat(256)) ?? "", /greater than 255/);
  assert.equal(validateId("."), "'.' is disallowed");
  assert.equal(validateId(".."), "'..' is disallowed");
  assert.match(validateId("a/b") ?? "", /invalid characters/);
  assert.match(validateId("a\\b") ?? "", /invalid characters/);
  assert.match(validateId("a\nb") ?? "", /control characters/);
  assert.match(validateId("a\u007fb") ?? "", /control characters/);
});

test("validateRole follows Mesos's role name rules", () => {
  for (const good of ["*", "web", "eng/web", "a.b", "a-b", "x/y/z"]) {
    assert.equal(validateRole(good), undefined, good);
  }
  const bad: [string, RegExp][] = [
    ["", /Empty role/],
    ["/web", /start with a slash/],
    ["web/", /end with a slash/],
    ["a//b", /two adjacent slashes/],
    [".", /'\.' as a path component/],
    ["a/..", /'\.\.' as a path component/],
    ["a/*", /'\*' as a path component/],
    ["-web", /starts with a dash/],
    ["a/-b", /starts with a dash/],
    ["we b", /whitespace/],
    ["we\tb", /whitespace/],
    ["we\bb", /backspace/],
  ];
  for (const [name, message] of bad) {
    assert.match(validateRole(name) ?? "", message, JSON.stringify(name));
  }
});

test("an operation id is a message {value}, not the bare string the docs show", () => {
  assert.ok(parseWire(OperationID, { value: "abc" }).ok);
  assert.ok(!parseWire(OperationID, "abc").ok);
});

test("randomUuidBase64 gives distinct 16-byte version 4 UUIDs as Mesos carries them", () => {
  const seen = new Set<string>();
  for (let i = 0; i < 100; i++) {
    const uuid = randomUuidBase64();
    assert.ok(isUuidBytes(uuid));
    const bytes = Buffer.from(uuid, "base64");
    assert.equal((bytes[6] ?? 0) >> 4, 4, "version 4");
    assert.equal((bytes[8] ?? 0) >> 6, 0b10, "RFC 4122 variant");
    seen.add(uuid);
  }
  assert.equal(seen.size, 100);
});
