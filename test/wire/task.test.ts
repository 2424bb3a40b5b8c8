import assert from "node:assert/strict";
import { test } from "node:test";
import type { z } from "zod";
import { encodeWire, parseWire, parseWireText } from "../../src/wire/json.ts";
import {
  CheckInfo,
  CommandInfo,
  ContainerInfo,
  checkTaskInfoShape,
  DiscoveryInfo,
  DockerInfo,
  Environment,
  ExecutorInfo,
  HealthCheck,
  Image,
  KillPolicy,
  LinuxInfo,
  RLimitInfo,
  Secret,
  Task,
  TaskGroupInfo,
  TaskInfo,
  TTYInfo,
  Volume,
} from "../../src/wire/task.ts";
import { LAUNCH_GROUP, LAUNCH_TASK_INFO, UPDATE_STATUS } from "./mesos-examples.ts";
import { errorOf } from "./wire-asserts.ts";

const TASK_MESSAGE =
  "Task should have at least one (but not both) of CommandInfo or ExecutorInfo present";

test("the LAUNCH example's TaskInfo parses and passes the command-xor-executor check", () => {
  const r = parseWire(TaskInfo, LAUNCH_TASK_INFO);
  assert.ok(r.ok);
  assert.equal(r.value.command?.value, "sleep 1000");
  assert.equal(r.value.kill_policy?.grace_period?.nanoseconds, 5_000_000_000);
  assert.equal(checkTaskInfoShape(r.value), undefined);
});

test("the LAUNCH_GROUP example's executor and task group parse", () => {
  const executor = parseWire(ExecutorInfo, LAUNCH_GROUP.executor);
  assert.ok(executor.ok);
  assert.equal(executor.value.type, "DEFAULT");
  const group = parseWire(TaskGroupInfo, LAUNCH_GROUP.task_group);
  assert.ok(group.ok);
  assert.deepEqual(
    group.value.tasks?.map((t) => t.task_id.value),
    ["pod-1.a", "pod-1.b"],
  );
  // Shell defaults to true even where the example leaves it out.
  assert.equal(group.value.tasks?.[0]?.command?.shell, true);
});

test("command xor executor is a master check (TASK_ERROR), not a parse error", () => {
  const { command: _command, ...neither } = LAUNCH_TASK_INFO;
  const parsedNeither = parseWire(TaskInfo, neither);
  assert.ok(parsedNeither.ok);
  assert.equal(checkTaskInfoShape(parsedNeither.value), TASK_MESSAGE);
  const both = parseWire(TaskInfo, {
    ...LAUNCH_TASK_INFO,
    executor: { executor_id: { value: "e" }, command: { value: "./exec" } },
  });
  assert.ok(both.ok);
  assert.equal(checkTaskInfoShape(both.value), TASK_MESSAGE);
});

test("a TaskInfo requires name, task_id and agent_id; camelCase taskId does not count", () => {
  assert.equal(
    errorOf(parseWire(TaskInfo, { taskId: { value: "t" }, agentId: { value: "a" } })),
    "Missing required fields: name, task_id, agent_id",
  );
  assert.equal(
    errorOf(parseWire(TaskInfo, { ...LAUNCH_TASK_INFO, task_id: {} })),
    "Missing required fields: task_id.value",
  );
});

test("limits accept Infinity (as a string or a Scalar) and encodeWire prints a bare Infinity", () => {
  const json = {
    ...LAUNCH_TASK_INFO,
    limits: { cpus: "Infinity", mem: { value: "512" }, disk: { value: "Infinity" } },
  };
  const r = parseWire(TaskInfo, json);
  assert.ok(r.ok);
  assert.equal(r.value.limits?.cpus?.value, Number.POSITIVE_INFINITY);
  assert.equal(r.value.limits?.mem?.value, 512);
  // Encoded from the wire-shaped input: json.ts's `double` does not take a JS Infinity back.
  const text = encodeWire(TaskInfo, json as z.input<typeof TaskInfo>);
  assert.match(
    text,
    /"limits":\{"cpus":\{"value":Infinity\},"mem":\{"value":512\},"disk":\{"value":Infinity\}\}/,
  );
  const back = parseWire(TaskInfo, parseWireText(text));
  assert.ok(back.ok && back.value.limits?.disk?.value === Number.POSITIVE_INFINITY);
  assert.match(
    errorOf(parseWire(TaskInfo, { ...LAUNCH_TASK_INFO, limits: { cpus: "lots" } })),
    /^limits\.cpus: /,
  );
});

test("CommandInfo emits shell true and URI extract true by default", () => {
  assert.equal(
    encodeWire(CommandInfo, { value: "echo hi", uris: [{ value: "http://x/a.tgz" }] }),
    '{"uris":[{"value":"http://x/a.tgz","extract":true}],"shell":true,"value":"echo hi"}',
  );
  const exec = parseWire(CommandInfo, {
    shell: "false",
    value: "/bin/echo",
    arguments: ["echo", "hi"],
  });
  assert.ok(exec.ok && exec.value.shell === false);
  assert.equal(
    errorOf(parseWire(CommandInfo, { uris: [{}] })),
    "Missing required fields: uris[0].value",
  );
});

test("environment variables default to type VALUE; secrets carry a reference or a value", () => {
  assert.equal(
    encodeWire(Environment, { variables: [{ name: "A", value: "1" }] }),
    '{"variables":[{"name":"A","type":"VALUE","value":"1"}]}',
  );
  const r = parseWire(Environment, {
    variables: [
      { name: "B", type: "SECRET", secret: { type: "REFERENCE", reference: { name: "db/pass" } } },
      { name: "C", type: "MYSTERY", value: "x" },
    ],
  });
  assert.ok(r.ok);
  assert.equal(r.value.variables?.[0]?.secret?.reference?.name, "db/pass");
  // An unknown name in an optional enum leaves it unset, which reads as the default.
  assert.equal(r.value.variables?.[1]?.type, "VALUE");
  assert.ok(parseWire(Secret, { type: "VALUE", value: { data: "c2VjcmV0" } }).ok);
  assert.equal(
    errorOf(parseWire(Environment, { variables: [{ value: "x" }] })),
    "Missing required fields: variables[0].name",
  );
});

test("HealthCheck emits Mesos's default delays and thresholds", () => {
  assert.equal(
    encodeWire(HealthCheck, { type: "HTTP", http: { port: 8080, path: "/health" } }),
    '{"type":"HTTP","http":{"protocol":"IPv4","port":8080,"path":"/health"},' +
      '"delay_seconds":15,"interval_seconds":10,"timeout_seconds":20,' +
      '"consecutive_failures":3,"grace_period_seconds":10}',
  );
  assert.equal(
    errorOf(parseWire(HealthCheck, { type: "TCP", tcp: {} })),
    "Missing required fields: tcp.port",
  );
  assert.ok(parseWire(HealthCheck, { type: "COMMAND", command: { value: "true" } }).ok);
});

test("CheckInfo has its own defaults and a nested command", () => {
  const r = parseWire(CheckInfo, { type: "COMMAND", command: { command: { value: "true" } } });
  assert.ok(r.ok);
  assert.equal(r.value.delay_seconds, 15);
  assert.equal(r.value.timeout_seconds, 20);
  assert.equal(
    errorOf(parseWire(CheckInfo, { command: {} })),
    "Missing required fields: command.command",
  );
});

test("ContainerInfo: type required, Docker image required, defaults emitted", () => {
  assert.equal(errorOf(parseWire(ContainerInfo, {})), "Missing required fields: type");
  assert.equal(
    errorOf(parseWire(ContainerInfo, { type: "RKT" })),
    "type: Failed to find enum for 'RKT'",
  );
  assert.equal(
    errorOf(parseWire(ContainerInfo, { type: "DOCKER", docker: {} })),
    "Missing required fields: docker.image",
  );
  assert.equal(
    encodeWire(DockerInfo, { image: "nginx" }),
    '{"image":"nginx","network":"HOST","privileged":false}',
  );
  assert.equal(encodeWire(LinuxInfo, {}), '{"share_cgroups":true}');
  assert.equal(
    encodeWire(Image, { type: "DOCKER", docker: { name: "alpine" } }),
    '{"type":"DOCKER","docker":{"name":"alpine"},"cached":true}',
  );
  const r = parseWire(ContainerInfo, {
    type: "MESOS",
    mesos: { image: { type: "DOCKER", docker: { name: "alpine" } } },
    volumes: [
      {
        mode: "RW",
        container_path: "/data",
        source: { type: "SANDBOX_PATH", sandbox_path: { type: "PARENT", path: "shared" } },
      },
    ],
    network_infos: [{ name: "cni-net", ip_addresses: [{}] }],
    linux_info: { share_cgroups: false, ipc_mode: "PRIVATE", shm_size: "64" },
    rlimit_info: { rlimits: [{ type: "RLMT_NOFILE", hard: 4096, soft: "1024" }] },
    tty_info: { window_size: { rows: 24, columns: 80 } },
  });
  assert.ok(r.ok, r.ok ? "" : r.error);
  assert.equal(r.value.linux_info?.share_cgroups, false);
  assert.equal(r.value.network_infos?.[0]?.ip_addresses?.[0]?.protocol, "IPv4");
});

test("volumes need a mode and a container path; unknown rlimit types are dropped", () => {
  assert.equal(errorOf(parseWire(Volume, {})), "Missing required fields: mode, container_path");
  const rl = parseWire(RLimitInfo, { rlimits: [{ type: "RLMT_BOGUS", soft: 1 }] });
  assert.ok(rl.ok && rl.value.rlimits?.[0]?.type === undefined);
  assert.equal(
    errorOf(parseWire(TTYInfo, { window_size: { rows: 1 } })),
    "Missing required fields: window_size.columns",
  );
});

test("DiscoveryInfo requires a known visibility; ports carry their own", () => {
  const r = parseWire(DiscoveryInfo, {
    visibility: "CLUSTER",
    name: "web",
    ports: { ports: [{ number: 8080, name: "http", protocol: "tcp", visibility: "EXTERNAL" }] },
  });
  assert.ok(r.ok);
  assert.equal(errorOf(parseWire(DiscoveryInfo, {})), "Missing required fields: visibility");
  assert.equal(
    errorOf(parseWire(DiscoveryInfo, { visibility: "GALAXY" })),
    "visibility: Failed to find enum for 'GALAXY'",
  );
});

test("ExecutorInfo requires an executor_id; an unknown type is dropped", () => {
  assert.equal(
    errorOf(parseWire(ExecutorInfo, { type: "CUSTOM" })),
    "Missing required fields: executor_id",
  );
  const r = parseWire(ExecutorInfo, {
    type: "QUANTUM",
    executor_id: { value: "e" },
    command: { value: "./exec" },
    shutdown_grace_period: { nanoseconds: 5e9 },
  });
  assert.ok(r.ok && r.value.type === undefined);
  assert.ok(parseWire(KillPolicy, { grace_period: { nanoseconds: "3000000000" } }).ok);
});

test("a Task record carries its status history and latest states", () => {
  const r = parseWire(Task, {
    name: "sleeper",
    task_id: { value: "sleeper-1" },
    framework_id: { value: "5b8c...-0000" },
    agent_id: { value: "5b8c...-S0" },
    state: "TASK_RUNNING",
    resources: LAUNCH_TASK_INFO.resources,
    statuses: [UPDATE_STATUS],
    status_update_state: "TASK_RUNNING",
    status_update_uuid: "hTaLQ0b5Q1OZuab7QclTKQ==",
    user: "alice",
  });
  assert.ok(r.ok);
  assert.equal(r.value.statuses?.[0]?.state, "TASK_RUNNING");
  assert.equal(
    errorOf(parseWire(Task, { name: "t", task_id: { value: "t" } })),
    "Missing required fields: framework_id, agent_id, state",
  );
});
