import assert from "node:assert/strict";
import { test } from "node:test";
import { encodeWire, parseWire } from "../../src/wire/json.ts";
import {
  AGENT_OPERATOR_CALL_TYPES,
  AGENT_OPERATOR_RESPONSE_TYPES,
  AgentOperatorCall,
  AgentOperatorResponse,
  ProcessIO,
  validateAgentOperatorCall,
} from "../../src/wire/operator-agent.ts";
import { assertEveryTypeParses, assertSubMessageRequired, parsedOk } from "./wire-asserts.ts";

const framework_id = { value: "m-0000" };
const agent_id = { value: "m-S0" };
const parent = { value: "9d2c7a3c" };
const nested = { value: "child-1", parent };
const command = { value: "sleep 10" };
const cpus = (value: number) => ({ name: "cpus", type: "SCALAR", scalar: { value } });
const rpInfo = { type: "org.apache.mesos.rp.local.storage", name: "lvm" };
const task = {
  name: "t",
  task_id: { value: "t1" },
  framework_id,
  agent_id,
  state: "TASK_RUNNING",
};

const validCalls: Record<(typeof AGENT_OPERATOR_CALL_TYPES)[number], unknown> = {
  UNKNOWN: { type: "UNKNOWN" },
  GET_HEALTH: { type: "GET_HEALTH" },
  GET_FLAGS: { type: "GET_FLAGS" },
  GET_VERSION: { type: "GET_VERSION" },
  GET_METRICS: { type: "GET_METRICS", get_metrics: {} },
  GET_LOGGING_LEVEL: { type: "GET_LOGGING_LEVEL" },
  SET_LOGGING_LEVEL: {
    type: "SET_LOGGING_LEVEL",
    set_logging_level: { level: 2, duration: { nanoseconds: 1e9 } },
  },
  LIST_FILES: { type: "LIST_FILES", list_files: { path: "/slave/log" } },
  READ_FILE: { type: "READ_FILE", read_file: { path: "/slave/log", offset: "10" } },
  GET_STATE: { type: "GET_STATE" },
  GET_CONTAINERS: {
    type: "GET_CONTAINERS",
    get_containers: { show_nested: true, show_standalone: false },
  },
  GET_FRAMEWORKS: { type: "GET_FRAMEWORKS" },
  GET_EXECUTORS: { type: "GET_EXECUTORS" },
  GET_OPERATIONS: { type: "GET_OPERATIONS" },
  GET_TASKS: { type: "GET_TASKS" },
  GET_AGENT: { type: "GET_AGENT" },
  GET_RESOURCE_PROVIDERS: { type: "GET_RESOURCE_PROVIDERS" },
  LAUNCH_NESTED_CONTAINER: {
    type: "LAUNCH_NESTED_CONTAINER",
    launch_nested_container: { container_id: nested, command },
  },
  WAIT_NESTED_CONTAINER: {
    type: "WAIT_NESTED_CONTAINER",
    wait_nested_container: { container_id: nested },
  },
  KILL_NESTED_CONTAINER: {
    type: "KILL_NESTED_CONTAINER",
    kill_nested_container: { container_id: nested, signal: 15 },
  },
  REMOVE_NESTED_CONTAINER: {
    type: "REMOVE_NESTED_CONTAINER",
    remove_nested_container: { container_id: nested },
  },
  LAUNCH_NESTED_CONTAINER_SESSION: {
    type: "LAUNCH_NESTED_CONTAINER_SESSION",
    launch_nested_container_session: {
      container_id: nested,
      command: { value: "/bin/bash" },
      container: { type: "MESOS", tty_info: { window_size: { rows: 24, columns: 80 } } },
    },
  },
  ATTACH_CONTAINER_INPUT: {
    type: "ATTACH_CONTAINER_INPUT",
    attach_container_input: { type: "CONTAINER_ID", container_id: nested },
  },
  ATTACH_CONTAINER_OUTPUT: {
    type: "ATTACH_CONTAINER_OUTPUT",
    attach_container_output: { container_id: nested },
  },
  LAUNCH_CONTAINER: {
    type: "LAUNCH_CONTAINER",
    launch_container: {
      container_id: { value: "standalone-1" },
      command,
      resources: [cpus(0.5)],
      limits: { cpus: { value: 1 }, mem: "Infinity" },
    },
  },
  WAIT_CONTAINER: { type: "WAIT_CONTAINER", wait_container: { container_id: nested } },
  KILL_CONTAINER: { type: "KILL_CONTAINER", kill_container: { container_id: parent } },
  REMOVE_CONTAINER: { type: "REMOVE_CONTAINER", remove_container: { container_id: parent } },
  ADD_RESOURCE_PROVIDER_CONFIG: {
    type: "ADD_RESOURCE_PROVIDER_CONFIG",
    add_resource_provider_config: { info: rpInfo },
  },
  UPDATE_RESOURCE_PROVIDER_CONFIG: {
    type: "UPDATE_RESOURCE_PROVIDER_CONFIG",
    update_resource_provider_config: { info: rpInfo },
  },
  REMOVE_RESOURCE_PROVIDER_CONFIG: {
    type: "REMOVE_RESOURCE_PROVIDER_CONFIG",
    remove_resource_provider_config: rpInfo,
  },
  MARK_RESOURCE_PROVIDER_GONE: {
    type: "MARK_RESOURCE_PROVIDER_GONE",
    mark_resource_provider_gone: { resource_provider_id: { value: "rp-1" } },
  },
  PRUNE_IMAGES: {
    type: "PRUNE_IMAGES",
    prune_images: { excluded_images: [{ type: "DOCKER", docker: { name: "busybox" } }] },
  },
};

function parseCall(json: unknown): AgentOperatorCall {
  return parsedOk(AgentOperatorCall, json);
}

test("every agent operator call type parses and validates", () => {
  assertEveryTypeParses(AgentOperatorCall, validCalls, AGENT_OPERATOR_CALL_TYPES, {
    validate: validateAgentOperatorCall,
  });
});

test("agent calls that need a sub-message are rejected without it", () => {
  const optional = new Set(["GET_CONTAINERS", "PRUNE_IMAGES"]);
  assertSubMessageRequired(
    AgentOperatorCall,
    validCalls,
    AGENT_OPERATOR_CALL_TYPES,
    validateAgentOperatorCall,
    optional,
  );
});

test("a missing or unknown agent call type is reported as absent", () => {
  assert.equal(validateAgentOperatorCall(parseCall({})), "Expecting 'type' to be present");
  assert.equal(
    validateAgentOperatorCall(parseCall({ type: "SUBSCRIBE" })),
    "Expecting 'type' to be present",
  );
});

test("nested container calls need the parent container id", () => {
  const call = parseCall({
    type: "LAUNCH_NESTED_CONTAINER",
    launch_nested_container: { container_id: { value: "orphan" }, command },
  });
  assert.equal(
    validateAgentOperatorCall(call),
    "Expecting 'launch_nested_container.container_id.parent' to be present",
  );
  // The *_CONTAINER calls accept standalone (parentless) containers.
  assert.equal(validateAgentOperatorCall(parseCall(validCalls.KILL_CONTAINER)), undefined);
});

test("container ids along the parent chain must be valid path components", () => {
  const call = parseCall({
    type: "WAIT_CONTAINER",
    wait_container: { container_id: { value: "child", parent: { value: "a/b" } } },
  });
  assert.equal(
    validateAgentOperatorCall(call),
    "'wait_container.container_id' is invalid: ID 'a/b' contains invalid characters '/' or '\\'",
  );
});

test("ProcessIO records carry data or control messages", () => {
  for (const record of [
    { type: "DATA", data: { type: "STDOUT", data: "aGk=" } },
    {
      type: "CONTROL",
      control: { type: "HEARTBEAT", heartbeat: { interval: { nanoseconds: 1 } } },
    },
    {
      type: "CONTROL",
      control: { type: "TTY_INFO", tty_info: { window_size: { rows: 1, columns: 2 } } },
    },
  ]) {
    const r = parseWire(ProcessIO, record);
    assert.ok(r.ok, r.ok ? "" : r.error);
    assert.equal(r.value.type, record.type);
  }
});

// --- responses -------------------------------------------------------------------------------

const termination = {
  exit_status: 9,
  state: "TASK_FAILED",
  reason: "REASON_CONTAINER_LIMITATION_MEMORY",
  limitation: { resources: [{ name: "mem", type: "SCALAR", scalar: { value: 64 } }] },
  message: "Memory limit exceeded",
};

const validResponses: Record<(typeof AGENT_OPERATOR_RESPONSE_TYPES)[number], unknown> = {
  UNKNOWN: { type: "UNKNOWN" },
  GET_HEALTH: { type: "GET_HEALTH", get_health: { healthy: true } },
  GET_FLAGS: { type: "GET_FLAGS", get_flags: { flags: [{ name: "port", value: "5051" }] } },
  GET_VERSION: { type: "GET_VERSION", get_version: { version_info: { version: "1.11.0" } } },
  GET_METRICS: {
    type: "GET_METRICS",
    get_metrics: { metrics: [{ name: "slave/registered", value: 1 }] },
  },
  GET_LOGGING_LEVEL: { type: "GET_LOGGING_LEVEL", get_logging_level: { level: 1 } },
  LIST_FILES: { type: "LIST_FILES", list_files: { file_infos: [{ path: "/slave/log" }] } },
  READ_FILE: { type: "READ_FILE", read_file: { size: 0, data: "" } },
  GET_STATE: {
    type: "GET_STATE",
    get_state: {
      get_tasks: { launched_tasks: [task], queued_tasks: [task] },
      get_executors: { executors: [{ executor_info: { executor_id: { value: "e" } } }] },
      get_frameworks: { frameworks: [{ framework_info: { user: "u", name: "n" } }] },
    },
  },
  GET_CONTAINERS: {
    type: "GET_CONTAINERS",
    get_containers: {
      containers: [
        {
          framework_id,
          executor_id: { value: "e" },
          executor_name: "Command Executor",
          container_id: parent,
          container_status: { container_id: parent, executor_pid: 42 },
          resource_statistics: { timestamp: 1724431234.5, cpus_limit: 1.1, mem_rss_bytes: 1024 },
        },
      ],
    },
  },
  GET_FRAMEWORKS: {
    type: "GET_FRAMEWORKS",
    get_frameworks: {
      frameworks: [{ framework_info: { user: "u", name: "n" } }],
      completed_frameworks: [{ framework_info: { user: "u", name: "old" } }],
    },
  },
  GET_EXECUTORS: {
    type: "GET_EXECUTORS",
    get_executors: { completed_executors: [{ executor_info: { executor_id: { value: "e" } } }] },
  },
  GET_OPERATIONS: { type: "GET_OPERATIONS", get_operations: {} },
  GET_TASKS: {
    type: "GET_TASKS",
    get_tasks: { pending_tasks: [task], terminated_tasks: [task], completed_tasks: [task] },
  },
  GET_AGENT: {
    type: "GET_AGENT",
    get_agent: {
      agent_info: { hostname: "agent1", id: agent_id },
      drain_config: { mark_gone: true },
      estimated_drain_start_time: { nanoseconds: 1 },
    },
  },
  GET_RESOURCE_PROVIDERS: {
    type: "GET_RESOURCE_PROVIDERS",
    get_resource_providers: {
      resource_providers: [{ resource_provider_info: rpInfo, total_resources: [cpus(1)] }],
    },
  },
  WAIT_NESTED_CONTAINER: { type: "WAIT_NESTED_CONTAINER", wait_nested_container: termination },
  WAIT_CONTAINER: { type: "WAIT_CONTAINER", wait_container: { exit_status: 0 } },
};

test("every agent operator response type parses and encodes stably", () => {
  assertEveryTypeParses(AgentOperatorResponse, validResponses, AGENT_OPERATOR_RESPONSE_TYPES, {
    roundTrip: true,
  });
});

test("GET_AGENT emits the agent's declared defaults (port 5051, mark_gone)", () => {
  const printed = JSON.parse(
    encodeWire(AgentOperatorResponse, {
      type: "GET_AGENT",
      get_agent: { agent_info: { hostname: "agent1" }, drain_config: {} },
    }),
  );
  assert.equal(printed.get_agent.agent_info.port, 5051);
  assert.equal(printed.get_agent.drain_config.mark_gone, false);
});

test("WAIT_CONTAINER reports how the container ended", () => {
  const r = parseWire(AgentOperatorResponse, validResponses.WAIT_NESTED_CONTAINER);
  assert.ok(r.ok);
  assert.equal(r.value.wait_nested_container?.reason, "REASON_CONTAINER_LIMITATION_MEMORY");
  assert.equal(r.value.wait_nested_container?.limitation?.resources?.[0]?.name, "mem");
});
