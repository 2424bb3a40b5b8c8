import assert from "node:assert/strict";
import { test } from "node:test";
import {
  AgentInfo,
  DomainInfo,
  DrainConfig,
  DrainInfo,
  FileInfo,
  Flag,
  FrameworkInfo,
  MachineInfo,
  MasterInfo,
  Metric,
  Role,
  Unavailability,
  VersionInfo,
  WeightInfo,
} from "../../src/wire/framework.ts";
import { encodeWire, parseWire } from "../../src/wire/json.ts";
import { MASTER_INFO, SUBSCRIBE_FRAMEWORK_INFO } from "./mesos-examples.ts";
import { errorOf } from "./wire-asserts.ts";

test("the SUBSCRIBE example's FrameworkInfo parses with its roles and capabilities", () => {
  const r = parseWire(FrameworkInfo, SUBSCRIBE_FRAMEWORK_INFO);
  assert.ok(r.ok);
  assert.equal(r.value.failover_timeout, 604800);
  assert.equal(r.value.checkpoint, true);
  assert.deepEqual(r.value.roles, ["web"]);
  assert.deepEqual(
    r.value.capabilities?.map((c) => c.type),
    ["MULTI_ROLE", "PARTITION_AWARE", "TASK_KILLING_STATE", "RESERVATION_REFINEMENT"],
  );
  assert.equal(r.value.role, undefined);
});

test("FrameworkInfo emits failover_timeout 0 and checkpoint false, but not the deprecated role", () => {
  assert.equal(
    encodeWire(FrameworkInfo, { user: "alice", name: "fw" }),
    '{"user":"alice","name":"fw","failover_timeout":0,"checkpoint":false}',
  );
  assert.match(encodeWire(FrameworkInfo, { user: "u", name: "n", role: "web" }), /"role":"web"/);
});

test("FrameworkInfo requires user and name; an empty user is allowed", () => {
  assert.equal(errorOf(parseWire(FrameworkInfo, {})), "Missing required fields: user, name");
  assert.ok(parseWire(FrameworkInfo, { user: "", name: "n" }).ok);
  assert.equal(
    errorOf(parseWire(FrameworkInfo, { user: 5, name: "n" })),
    "user: expected a string",
  );
});

test("a re-subscribing FrameworkInfo carries its id; frameworkId in camelCase is ignored", () => {
  const r = parseWire(FrameworkInfo, {
    user: "u",
    name: "n",
    id: { value: "5b8c-0000" },
    frameworkId: { value: "ignored" },
  });
  assert.ok(r.ok);
  assert.deepEqual(r.value.id, { value: "5b8c-0000" });
  assert.ok(!("frameworkId" in r.value));
});

test("an unknown framework capability is dropped, the rest kept; strings work for booleans and doubles", () => {
  const r = parseWire(FrameworkInfo, {
    user: "u",
    name: "n",
    checkpoint: "true",
    failover_timeout: "3600.5",
    capabilities: [{ type: "TELEPATHY" }, { type: "GPU_RESOURCES" }],
  });
  assert.ok(r.ok);
  assert.equal(r.value.checkpoint, true);
  assert.equal(r.value.failover_timeout, 3600.5);
  assert.equal(r.value.capabilities?.[0]?.type, undefined);
  assert.equal(r.value.capabilities?.[1]?.type, "GPU_RESOURCES");
});

test("offer_filters is a map from role to min_allocatable_resources quantities", () => {
  const r = parseWire(FrameworkInfo, {
    user: "u",
    name: "n",
    offer_filters: {
      web: { min_allocatable_resources: { quantities: [{ quantities: { cpus: { value: 1 } } }] } },
    },
  });
  assert.ok(r.ok);
  assert.equal(
    r.value.offer_filters?.web?.min_allocatable_resources?.quantities?.[0]?.quantities?.cpus?.value,
    1,
  );
});

test("the SUBSCRIBED example's MasterInfo parses; id, ip and port are required", () => {
  const r = parseWire(MasterInfo, MASTER_INFO);
  assert.ok(r.ok);
  assert.equal(r.value.ip, 16777343);
  assert.equal(r.value.address?.ip, "127.0.0.1");
  assert.deepEqual(
    r.value.capabilities?.map((c) => c.type),
    ["AGENT_UPDATE", "AGENT_DRAINING", "QUOTA_V2"],
  );
  assert.equal(
    errorOf(parseWire(MasterInfo, { pid: "x" })),
    "Missing required fields: id, ip, port",
  );
  assert.ok(parseWire(MasterInfo, { ...MASTER_INFO, ip: "16777343", port: "5050" }).ok);
});

test("AgentInfo emits port 5051 by default and carries resources, attributes and domain", () => {
  assert.equal(encodeWire(AgentInfo, { hostname: "a1" }), '{"hostname":"a1","port":5051}');
  const r = parseWire(AgentInfo, {
    hostname: "a1",
    id: { value: "m-S0" },
    resources: [{ name: "cpus", type: "SCALAR", scalar: { value: 4 } }],
    attributes: [{ name: "rack", type: "TEXT", text: { value: "r1" } }],
    domain: { fault_domain: { region: { name: "eu" }, zone: { name: "eu-1a" } } },
  });
  assert.ok(r.ok);
  assert.equal(r.value.port, 5051);
  assert.equal(errorOf(parseWire(AgentInfo, { port: 1 })), "Missing required fields: hostname");
  assert.equal(
    errorOf(parseWire(AgentInfo, { hostname: "a", resources: [{ name: "cpus", type: "SCALAR" }] })),
    "resources[0].scalar: resource 'cpus' of type SCALAR must have 'scalar' set",
  );
});

test("a fault domain needs both a region and a zone", () => {
  assert.equal(
    errorOf(parseWire(DomainInfo, { fault_domain: { region: { name: "eu" } } })),
    "Missing required fields: fault_domain.zone",
  );
});

test("DRAIN config: mark_gone defaults to false and max_grace_period is a DurationInfo object", () => {
  assert.equal(encodeWire(DrainConfig, {}), '{"mark_gone":false}');
  const r = parseWire(DrainConfig, { max_grace_period: { nanoseconds: 600e9 }, mark_gone: true });
  assert.ok(r.ok && r.value.max_grace_period?.nanoseconds === 600e9);
  assert.ok(!parseWire(DrainConfig, { max_grace_period: "10mins" }).ok);
});

test("DrainInfo requires a known state and a config", () => {
  assert.ok(parseWire(DrainInfo, { state: "DRAINING", config: {} }).ok);
  assert.equal(errorOf(parseWire(DrainInfo, {})), "Missing required fields: state, config");
  assert.equal(
    errorOf(parseWire(DrainInfo, { state: "DRAINISH", config: {} })),
    "state: Failed to find enum for 'DRAINISH'",
  );
});

test("maintenance: a machine's unknown mode is dropped, an unavailability needs a start", () => {
  const r = parseWire(MachineInfo, {
    id: { hostname: "h1", ip: "10.0.0.1" },
    mode: "SIDEWAYS",
    unavailability: { start: { nanoseconds: "1724431234000000000" } },
  });
  assert.ok(r.ok);
  assert.equal(r.value.mode, undefined);
  assert.equal(
    errorOf(parseWire(Unavailability, { duration: { nanoseconds: 1 } })),
    "Missing required fields: start",
  );
  assert.equal(errorOf(parseWire(MachineInfo, {})), "Missing required fields: id");
});

test("version, flag, metric, weight, role and file messages parse", () => {
  assert.ok(
    parseWire(VersionInfo, { version: "1.11.0", build_time: "1724431234.5", git_sha: "c1b4" }).ok,
  );
  assert.equal(errorOf(parseWire(VersionInfo, {})), "Missing required fields: version");
  assert.ok(parseWire(Flag, { name: "port", value: "5050" }).ok);
  assert.ok(parseWire(Metric, { name: "master/uptime_secs", value: 12.5 }).ok);
  assert.equal(errorOf(parseWire(WeightInfo, { role: "web" })), "Missing required fields: weight");
  const role = parseWire(Role, {
    name: "web",
    weight: 1.0,
    frameworks: [{ value: "m-0000" }],
    resources: [{ name: "cpus", type: "SCALAR", scalar: { value: 1 } }],
  });
  assert.ok(role.ok);
  const file = parseWire(FileInfo, {
    path: "/var/lib/mesos/slaves/S0/stdout",
    nlink: 1,
    size: "1024",
    mtime: { nanoseconds: 1724431234000000000 },
    mode: 33188,
    uid: "root",
    gid: "root",
  });
  assert.ok(file.ok && file.value.size === 1024);
  assert.equal(errorOf(parseWire(FileInfo, { size: 1 })), "Missing required fields: path");
});

test("agent_info names its host `hostname`; the docs' `host` key is ignored", () => {
  assert.equal(
    errorOf(parseWire(AgentInfo, { host: "agent1", port: 5051 })),
    "Missing required fields: hostname",
  );
});
