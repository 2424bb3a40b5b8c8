import assert from "node:assert/strict";
import { test } from "node:test";
import { encodeWire, parseWire } from "../../src/wire/json.ts";
import {
  MASTER_CALL_TYPES,
  MASTER_EVENT_TYPES,
  MASTER_RESPONSE_TYPES,
  MasterCall,
  MasterEvent,
  MasterResponse,
  validateMasterCall,
} from "../../src/wire/operator-master.ts";
import { assertEveryTypeParses, assertSubMessageRequired, parsedOk } from "./wire-asserts.ts";

const agent_id = { value: "m-S0" };
const framework_id = { value: "m-0000" };
const cpus = (value: number) => ({ name: "cpus", type: "SCALAR", scalar: { value } });
const reservedCpus = {
  ...cpus(1),
  reservations: [{ type: "DYNAMIC", role: "web", principal: "ops" }],
};
const volume = {
  name: "disk",
  type: "SCALAR",
  scalar: { value: 64 },
  reservations: [{ type: "DYNAMIC", role: "web" }],
  disk: { persistence: { id: "v1" }, volume: { mode: "RW", container_path: "data" } },
};
const machine = { hostname: "agent1", ip: "10.0.0.5" };
const unavailability = { start: { nanoseconds: 1_700_000_000_000_000_000 } };
const frameworkInfo = { user: "alice", name: "fw", id: framework_id };
const task = {
  name: "t",
  task_id: { value: "t1" },
  framework_id,
  agent_id,
  state: "TASK_RUNNING",
  resources: [cpus(1)],
};

const validCalls: Record<(typeof MASTER_CALL_TYPES)[number], unknown> = {
  UNKNOWN: { type: "UNKNOWN" },
  GET_HEALTH: { type: "GET_HEALTH" },
  GET_FLAGS: { type: "GET_FLAGS" },
  GET_VERSION: { type: "GET_VERSION" },
  GET_METRICS: { type: "GET_METRICS", get_metrics: { timeout: { nanoseconds: 5_000_000_000 } } },
  GET_LOGGING_LEVEL: { type: "GET_LOGGING_LEVEL" },
  SET_LOGGING_LEVEL: {
    type: "SET_LOGGING_LEVEL",
    set_logging_level: { level: 1, duration: { nanoseconds: 60_000_000_000 } },
  },
  LIST_FILES: { type: "LIST_FILES", list_files: { path: "/master/log" } },
  READ_FILE: { type: "READ_FILE", read_file: { path: "/master/log", offset: 0, length: 4096 } },
  GET_STATE: { type: "GET_STATE" },
  GET_AGENTS: { type: "GET_AGENTS" },
  GET_FRAMEWORKS: { type: "GET_FRAMEWORKS" },
  GET_EXECUTORS: { type: "GET_EXECUTORS" },
  GET_OPERATIONS: { type: "GET_OPERATIONS" },
  GET_TASKS: { type: "GET_TASKS" },
  GET_ROLES: { type: "GET_ROLES" },
  GET_WEIGHTS: { type: "GET_WEIGHTS" },
  UPDATE_WEIGHTS: {
    type: "UPDATE_WEIGHTS",
    update_weights: { weight_infos: [{ role: "web", weight: 2.0 }] },
  },
  GET_MASTER: { type: "GET_MASTER" },
  SUBSCRIBE: { type: "SUBSCRIBE" },
  RESERVE_RESOURCES: {
    type: "RESERVE_RESOURCES",
    reserve_resources: { agent_id, source: [cpus(1)], resources: [reservedCpus] },
  },
  UNRESERVE_RESOURCES: {
    type: "UNRESERVE_RESOURCES",
    unreserve_resources: { agent_id, resources: [reservedCpus] },
  },
  CREATE_VOLUMES: { type: "CREATE_VOLUMES", create_volumes: { agent_id, volumes: [volume] } },
  DESTROY_VOLUMES: { type: "DESTROY_VOLUMES", destroy_volumes: { agent_id, volumes: [volume] } },
  GROW_VOLUME: {
    type: "GROW_VOLUME",
    grow_volume: { agent_id, volume, addition: { ...volume, disk: undefined } },
  },
  SHRINK_VOLUME: { type: "SHRINK_VOLUME", shrink_volume: { volume, subtract: { value: 32 } } },
  GET_MAINTENANCE_STATUS: { type: "GET_MAINTENANCE_STATUS" },
  GET_MAINTENANCE_SCHEDULE: { type: "GET_MAINTENANCE_SCHEDULE" },
  UPDATE_MAINTENANCE_SCHEDULE: {
    type: "UPDATE_MAINTENANCE_SCHEDULE",
    update_maintenance_schedule: {
      schedule: { windows: [{ machine_ids: [machine], unavailability }] },
    },
  },
  START_MAINTENANCE: { type: "START_MAINTENANCE", start_maintenance: { machines: [machine] } },
  STOP_MAINTENANCE: { type: "STOP_MAINTENANCE", stop_maintenance: { machines: [machine] } },
  DRAIN_AGENT: {
    type: "DRAIN_AGENT",
    drain_agent: { agent_id, max_grace_period: { seconds: 600 }, mark_gone: true },
  },
  DEACTIVATE_AGENT: { type: "DEACTIVATE_AGENT", deactivate_agent: { agent_id } },
  REACTIVATE_AGENT: { type: "REACTIVATE_AGENT", reactivate_agent: { agent_id } },
  GET_QUOTA: { type: "GET_QUOTA" },
  UPDATE_QUOTA: {
    type: "UPDATE_QUOTA",
    update_quota: {
      force: false,
      quota_configs: [
        {
          role: "web",
          guarantees: { cpus: { value: 2 }, mem: { value: 1024 } },
          limits: { cpus: { value: 4 } },
        },
      ],
    },
  },
  SET_QUOTA: {
    type: "SET_QUOTA",
    set_quota: { quota_request: { role: "web", guarantee: [cpus(2)] } },
  },
  REMOVE_QUOTA: { type: "REMOVE_QUOTA", remove_quota: { role: "web" } },
  TEARDOWN: { type: "TEARDOWN", teardown: { framework_id } },
  MARK_AGENT_GONE: { type: "MARK_AGENT_GONE", mark_agent_gone: { agent_id } },
};

function parseCall(json: unknown): MasterCall {
  return parsedOk(MasterCall, json);
}

test("every master operator call type parses and validates", () => {
  assertEveryTypeParses(MasterCall, validCalls, MASTER_CALL_TYPES, {
    validate: validateMasterCall,
  });
});

test("master calls without their sub-message are rejected with Mesos's message", () => {
  assertSubMessageRequired(MasterCall, validCalls, MASTER_CALL_TYPES, validateMasterCall);
});

test("a missing or unknown master call type is reported as absent", () => {
  assert.equal(validateMasterCall(parseCall({})), "Expecting 'type' to be present");
  assert.equal(
    validateMasterCall(parseCall({ type: "GET_EVERYTHING" })),
    "Expecting 'type' to be present",
  );
});

test("DRAIN_AGENT max_grace_period is a {seconds, nanos} message; a string is a parse error", () => {
  const ok = parseCall(validCalls.DRAIN_AGENT);
  assert.deepEqual(ok.drain_agent?.max_grace_period, { seconds: 600 });
  const r = parseWire(MasterCall, {
    type: "DRAIN_AGENT",
    drain_agent: { agent_id, max_grace_period: "10mins" },
  });
  assert.ok(!r.ok);
  assert.match(r.error, /^drain_agent\.max_grace_period: /);
  // mark_gone has a declared default and is always emitted.
  assert.equal(
    encodeWire(MasterCall, { type: "DRAIN_AGENT", drain_agent: { agent_id } }),
    '{"type":"DRAIN_AGENT","drain_agent":{"agent_id":{"value":"m-S0"},"mark_gone":false}}',
  );
});

test("UPDATE_QUOTA carries guarantees and limits as maps keyed by resource name", () => {
  const call = parseCall(validCalls.UPDATE_QUOTA);
  const config = call.update_quota?.quota_configs?.[0];
  assert.equal(config?.guarantees?.mem?.value, 1024);
  assert.equal(config?.limits?.cpus?.value, 4);
  const r = parseWire(MasterCall, {
    type: "UPDATE_QUOTA",
    update_quota: { quota_configs: [{ guarantees: {} }] },
  });
  assert.deepEqual(r, {
    ok: false,
    error: "Missing required fields: update_quota.quota_configs[0].role",
  });
});

test("required fields inside a master call are reported by path", () => {
  const r = parseWire(MasterCall, { type: "READ_FILE", read_file: { path: "/x" } });
  assert.deepEqual(r, { ok: false, error: "Missing required fields: read_file.offset" });
});

// --- responses -------------------------------------------------------------------------------

const masterAgent = {
  agent_info: { hostname: "agent1", port: 5051, id: agent_id, resources: [cpus(4)] },
  active: true,
  deactivated: false,
  version: "1.11.0",
  pid: "slave(1)@10.0.0.5:5051",
  registered_time: { nanoseconds: 1 },
  total_resources: [cpus(4)],
  allocated_resources: [cpus(1)],
  capabilities: [{ type: "MULTI_ROLE" }, { type: "AGENT_DRAINING" }],
  drain_info: { state: "DRAINING", config: { max_grace_period: { nanoseconds: 1 } } },
};
const masterFramework = {
  framework_info: frameworkInfo,
  active: true,
  connected: true,
  recovered: false,
  registered_time: { nanoseconds: 1 },
  offers: [{ id: { value: "o1" }, framework_id, agent_id, hostname: "agent1" }],
  allocated_resources: [cpus(1)],
};
const getState = {
  get_tasks: { tasks: [task], completed_tasks: [] },
  get_executors: { executors: [{ executor_info: { executor_id: { value: "e" } }, agent_id }] },
  get_frameworks: { frameworks: [masterFramework] },
  get_agents: { agents: [masterAgent], recovered_agents: [{ hostname: "old" }] },
};

const validResponses: Record<(typeof MASTER_RESPONSE_TYPES)[number], unknown> = {
  UNKNOWN: { type: "UNKNOWN" },
  GET_HEALTH: { type: "GET_HEALTH", get_health: { healthy: true } },
  GET_FLAGS: { type: "GET_FLAGS", get_flags: { flags: [{ name: "port", value: "5050" }] } },
  GET_VERSION: {
    type: "GET_VERSION",
    get_version: { version_info: { version: "1.11.0", build_time: 1.7e9 } },
  },
  GET_METRICS: {
    type: "GET_METRICS",
    get_metrics: { metrics: [{ name: "master/elected", value: 1.0 }] },
  },
  GET_LOGGING_LEVEL: { type: "GET_LOGGING_LEVEL", get_logging_level: { level: 0 } },
  LIST_FILES: {
    type: "LIST_FILES",
    list_files: {
      file_infos: [
        { path: "/master/log", nlink: 1, size: 10, mtime: { nanoseconds: 1 }, mode: 33188 },
      ],
    },
  },
  READ_FILE: { type: "READ_FILE", read_file: { size: 5, data: "aGVsbG8=" } },
  GET_STATE: { type: "GET_STATE", get_state: getState },
  GET_AGENTS: { type: "GET_AGENTS", get_agents: getState.get_agents },
  GET_FRAMEWORKS: {
    type: "GET_FRAMEWORKS",
    get_frameworks: { frameworks: [masterFramework], completed_frameworks: [masterFramework] },
  },
  GET_EXECUTORS: { type: "GET_EXECUTORS", get_executors: getState.get_executors },
  GET_OPERATIONS: {
    type: "GET_OPERATIONS",
    get_operations: {
      operations: [
        {
          framework_id,
          agent_id,
          info: { type: "RESERVE", reserve: { resources: [reservedCpus] } },
          latest_status: { state: "OPERATION_FINISHED" },
          uuid: { value: "hTaLQ0b5Q1OZuab7QclTKQ==" },
        },
      ],
    },
  },
  GET_TASKS: { type: "GET_TASKS", get_tasks: { tasks: [task], unreachable_tasks: [task] } },
  GET_ROLES: {
    type: "GET_ROLES",
    get_roles: { roles: [{ name: "web", weight: 1.0, frameworks: [framework_id] }] },
  },
  GET_WEIGHTS: {
    type: "GET_WEIGHTS",
    get_weights: { weight_infos: [{ role: "web", weight: 2.0 }] },
  },
  GET_MASTER: {
    type: "GET_MASTER",
    get_master: {
      master_info: { id: "m", ip: 16777343, port: 5050, hostname: "m1" },
      start_time: 1724431234.5,
      elected_time: 1724431235.5,
    },
  },
  GET_MAINTENANCE_STATUS: {
    type: "GET_MAINTENANCE_STATUS",
    get_maintenance_status: {
      status: {
        draining_machines: [
          {
            id: machine,
            statuses: [{ status: "ACCEPT", framework_id, timestamp: { nanoseconds: 1 } }],
          },
        ],
        down_machines: [{ hostname: "agent2" }],
      },
    },
  },
  GET_MAINTENANCE_SCHEDULE: {
    type: "GET_MAINTENANCE_SCHEDULE",
    get_maintenance_schedule: {
      schedule: { windows: [{ machine_ids: [machine], unavailability }] },
    },
  },
  GET_QUOTA: {
    type: "GET_QUOTA",
    get_quota: {
      status: {
        infos: [{ role: "web", guarantee: [cpus(2)] }],
        configs: [{ role: "web", guarantees: { cpus: { value: 2 } } }],
      },
    },
  },
};

test("every master response type parses and round-trips through encodeWire", () => {
  assertEveryTypeParses(MasterResponse, validResponses, MASTER_RESPONSE_TYPES, { roundTrip: true });
});

test("GET_AGENTS keeps drain info and capabilities; GET_MASTER times are epoch doubles", () => {
  const r = parseWire(MasterResponse, validResponses.GET_AGENTS);
  assert.ok(r.ok);
  const agent = r.value.get_agents?.agents?.[0];
  assert.equal(agent?.drain_info?.state, "DRAINING");
  assert.deepEqual(
    agent?.capabilities?.map((c) => c.type),
    ["MULTI_ROLE", "AGENT_DRAINING"],
  );
  const m = parseWire(MasterResponse, validResponses.GET_MASTER);
  assert.ok(m.ok);
  assert.equal(m.value.get_master?.start_time, 1724431234.5);
});

// --- events ----------------------------------------------------------------------------------

const validEvents: Record<(typeof MASTER_EVENT_TYPES)[number], unknown> = {
  UNKNOWN: { type: "UNKNOWN" },
  SUBSCRIBED: {
    type: "SUBSCRIBED",
    subscribed: { get_state: getState, heartbeat_interval_seconds: 15 },
  },
  TASK_ADDED: { type: "TASK_ADDED", task_added: { task: { ...task, state: "TASK_STAGING" } } },
  TASK_UPDATED: {
    type: "TASK_UPDATED",
    task_updated: {
      framework_id,
      status: { task_id: { value: "t1" }, state: "TASK_RUNNING" },
      state: "TASK_FINISHED",
    },
  },
  AGENT_ADDED: { type: "AGENT_ADDED", agent_added: { agent: masterAgent } },
  AGENT_REMOVED: { type: "AGENT_REMOVED", agent_removed: { agent_id } },
  FRAMEWORK_ADDED: { type: "FRAMEWORK_ADDED", framework_added: { framework: masterFramework } },
  FRAMEWORK_UPDATED: {
    type: "FRAMEWORK_UPDATED",
    framework_updated: { framework: masterFramework },
  },
  FRAMEWORK_REMOVED: {
    type: "FRAMEWORK_REMOVED",
    framework_removed: { framework_info: frameworkInfo },
  },
  HEARTBEAT: { type: "HEARTBEAT" },
};

test("every master event type parses", () => {
  assertEveryTypeParses(MasterEvent, validEvents, MASTER_EVENT_TYPES);
});

test("SUBSCRIBED carries the full GET_STATE snapshot and the heartbeat interval", () => {
  const r = parseWire(MasterEvent, validEvents.SUBSCRIBED);
  assert.ok(r.ok);
  assert.equal(r.value.subscribed?.heartbeat_interval_seconds, 15);
  assert.equal(
    r.value.subscribed?.get_state?.get_agents?.agents?.[0]?.pid,
    "slave(1)@10.0.0.5:5051",
  );
  assert.equal(r.value.subscribed?.get_state?.get_tasks?.tasks?.[0]?.task_id.value, "t1");
});

test("TASK_UPDATED requires the latest state next to the status", () => {
  const r = parseWire(MasterEvent, {
    type: "TASK_UPDATED",
    task_updated: { framework_id, status: { task_id: { value: "t1" }, state: "TASK_RUNNING" } },
  });
  assert.deepEqual(r, { ok: false, error: "Missing required fields: task_updated.state" });
});
