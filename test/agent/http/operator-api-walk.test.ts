// Every call type of the agent's operator API (reference §4.4, AGENT_OPERATOR_CALL_TYPES) on
// a real agent with a real master and a running command task: none answers 501 (the container
// calls themselves are test/agent/http/container-calls.test.ts's). Then the calls that were
// 501 before: LIST_FILES / READ_FILE over the sandbox (real and virtual paths, 404
// elsewhere), GET_OPERATIONS and GET_RESOURCE_PROVIDERS (empty), and GET/SET_LOGGING_LEVEL on
// the agent's real logger.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { pino } from "pino";
import { type RunningAgent, startAgent } from "../../../src/agent/server.ts";
import { startupLogger } from "../../../src/cli/daemon.ts";
import { encodeProtobufChecked, parseProtobuf } from "../../../src/wire/index.ts";
import {
  AGENT_OPERATOR_CALL_TYPES,
  AgentOperatorCall,
  type AgentOperatorCallType,
  AgentOperatorResponse,
} from "../../../src/wire/operator-agent.ts";
import { eventually } from "../../support/eventually.ts";
import { type Cluster, startCluster, terminal } from "../integration/cluster.ts";
import { commandTask, type Loose, TEST_RESOURCES, tempWorkDir } from "../integration/helpers.ts";

const nested = { container_id: { value: "child", parent: { value: "no-such-container" } } };
const top = { container_id: { value: "no-such-container" } };
const provider = { type: "org.apache.mesos.rp.local.storage", name: "walk" };

/** A well-formed sub-message for each call type that needs one. */
const BODIES: Partial<Record<AgentOperatorCallType, Record<string, unknown>>> = {
  GET_METRICS: { get_metrics: {} },
  SET_LOGGING_LEVEL: { set_logging_level: { level: 0, duration: { nanoseconds: 1_000_000 } } },
  LIST_FILES: { list_files: { path: "/nowhere" } },
  READ_FILE: { read_file: { path: "/nowhere", offset: 0 } },
  LAUNCH_NESTED_CONTAINER: { launch_nested_container: nested },
  WAIT_NESTED_CONTAINER: { wait_nested_container: nested },
  KILL_NESTED_CONTAINER: { kill_nested_container: nested },
  REMOVE_NESTED_CONTAINER: { remove_nested_container: nested },
  LAUNCH_NESTED_CONTAINER_SESSION: { launch_nested_container_session: nested },
  ATTACH_CONTAINER_INPUT: { attach_container_input: { type: "CONTAINER_ID", ...top } },
  ATTACH_CONTAINER_OUTPUT: { attach_container_output: top },
  LAUNCH_CONTAINER: { launch_container: top },
  WAIT_CONTAINER: { wait_container: top },
  KILL_CONTAINER: { kill_container: top },
  REMOVE_CONTAINER: { remove_container: top },
  ADD_RESOURCE_PROVIDER_CONFIG: { add_resource_provider_config: { info: provider } },
  UPDATE_RESOURCE_PROVIDER_CONFIG: { update_resource_provider_config: { info: provider } },
  REMOVE_RESOURCE_PROVIDER_CONFIG: { remove_resource_provider_config: provider },
  MARK_RESOURCE_PROVIDER_GONE: {
    mark_resource_provider_gone: { resource_provider_id: { value: "walk" } },
  },
  PRUNE_IMAGES: { prune_images: {} },
};

async function post(url: string, body: unknown) {
  const res = await fetch(`${url}/api/v1`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text, json: () => JSON.parse(text) as Loose };
}

describe("every agent operator call type answers (reference §4.4)", () => {
  let cluster: Cluster;
  let agentId: Loose;
  let sandbox: string;

  before(async () => {
    cluster = await startCluster("opwalk", { isolation: "posix/cpu,posix/mem" });
    // Running, so that its `runs/latest` stays attached.
    agentId = await cluster.launch([
      commandTask("writer", "printf 'sandbox bytes' > out.txt && sleep 1000"),
    ]);
    await cluster.framework.state("writer", "TASK_RUNNING");
    sandbox = await eventually("the task's file in its sandbox", () => {
      const dir = cluster.sandbox("writer");
      return dir !== undefined && existsSync(join(dir, "out.txt")) ? dir : undefined;
    });
  });
  after(async () => {
    const ended = cluster.framework.updates.some(
      (u) => u.taskId === "writer" && u.state !== "TASK_RUNNING" && u.state !== "TASK_STARTING",
    );
    if (!ended) await cluster.framework.kill(agentId, "writer");
    await terminal(cluster.framework, "writer");
    await cluster.stop();
  });

  const call = (body: unknown) => post(cluster.agent.url, body);

  it("no call answers 501: every call type but UNKNOWN is carried out or refused as Mesos refuses it", async () => {
    const answered501: string[] = [];
    for (const type of AGENT_OPERATOR_CALL_TYPES) {
      if (type === "UNKNOWN") continue;
      const res = await call({ type, ...BODIES[type] });
      assert.doesNotMatch(res.body, /^Failed to validate/, `${type}'s sample body is valid`);
      if (res.status === 501) answered501.push(type);
    }
    assert.deepEqual(answered501, []);
    const unknown = await call({ type: "UNKNOWN" });
    assert.equal(unknown.status, 501);
  });

  it("every call type is answered alike in application/x-protobuf (request and answer)", async () => {
    for (const type of AGENT_OPERATOR_CALL_TYPES) {
      if (type === "UNKNOWN") continue;
      const body = { type, ...BODIES[type] };
      const json = await call(body);
      const res = await fetch(`${cluster.agent.url}/api/v1`, {
        method: "POST",
        headers: { "content-type": "application/x-protobuf", accept: "application/x-protobuf" },
        body: encodeProtobufChecked(AgentOperatorCall, body as AgentOperatorCall),
      });
      assert.equal(res.status, json.status, `${type}: ${await res.clone().text()}`);
      if (res.status === 200 && json.body !== "" && res.headers.get("content-type") !== null) {
        assert.equal(res.headers.get("content-type"), "application/x-protobuf", type);
        const parsed = parseProtobuf(
          AgentOperatorResponse,
          new Uint8Array(await res.arrayBuffer()),
        );
        assert.ok(parsed.ok, type);
        assert.equal(parsed.value.type, json.json().type, type);
      }
    }
  });

  it("LIST_FILES lists a sandbox by its real path and by runs/latest; unknown paths are 404", async () => {
    const real = await call({ type: "LIST_FILES", list_files: { path: sandbox } });
    assert.equal(real.status, 200, real.body);
    const out = real.json().list_files.file_infos.find((f: Loose) => f.path.endsWith("/out.txt"));
    assert.equal(out.path, join(sandbox, "out.txt"));
    assert.equal(out.size, "sandbox bytes".length);
    const virtual = `/frameworks/${cluster.framework.id}/executors/writer/runs/latest`;
    const latest = await call({ type: "LIST_FILES", list_files: { path: virtual } });
    assert.equal(latest.status, 200, latest.body);
    assert.ok(
      latest.json().list_files.file_infos.some((f: Loose) => f.path === `${virtual}/out.txt`),
    );
    for (const path of ["/etc", "/slave/log", `/frameworks/${cluster.framework.id}/nope`]) {
      const res = await call({ type: "LIST_FILES", list_files: { path } });
      assert.equal(res.status, 404, path);
    }
  });

  it("READ_FILE reads a sandbox file from offset with its size; a directory is 400, an unknown file 404", async () => {
    const read = await call({
      type: "READ_FILE",
      read_file: { path: join(sandbox, "out.txt"), offset: 8, length: 3 },
    });
    assert.equal(read.status, 200, read.body);
    const body = read.json().read_file;
    assert.equal(body.size, "sandbox bytes".length);
    assert.equal(Buffer.from(body.data, "base64").toString(), "byt");
    const dir = await call({ type: "READ_FILE", read_file: { path: sandbox, offset: 0 } });
    assert.equal(dir.status, 400);
    assert.equal(dir.body, "Cannot read a directory");
    const missing = await call({
      type: "READ_FILE",
      read_file: { path: join(sandbox, "nope"), offset: 0 },
    });
    assert.equal(missing.status, 404);
  });

  it("the new answers (LIST_FILES, READ_FILE, GET_LOGGING_LEVEL) also come as application/x-protobuf", async () => {
    const pb = async (body: Record<string, unknown>) => {
      const res = await fetch(`${cluster.agent.url}/api/v1`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/x-protobuf" },
        body: JSON.stringify(body),
      });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), "application/x-protobuf");
      const parsed = parseProtobuf(AgentOperatorResponse, new Uint8Array(await res.arrayBuffer()));
      assert.ok(parsed.ok, parsed.ok ? "" : parsed.error);
      return parsed.value;
    };
    const listed = await pb({ type: "LIST_FILES", list_files: { path: sandbox } });
    assert.ok((listed.list_files?.file_infos ?? []).some((f) => f.path.endsWith("/out.txt")));
    const read = await pb({
      type: "READ_FILE",
      read_file: { path: join(sandbox, "out.txt"), offset: 0 },
    });
    assert.equal(read.read_file?.size, "sandbox bytes".length);
    assert.equal(Buffer.from(read.read_file?.data ?? "", "base64").toString(), "sandbox bytes");
    assert.equal((await pb({ type: "GET_LOGGING_LEVEL" })).get_logging_level?.level, 0);
  });

  it("WAIT_CONTAINER answers once an executor's container ends, with its wait status; unknown is 404, nested too", async () => {
    const unknown = await call({ type: "WAIT_CONTAINER", wait_container: top });
    assert.equal(unknown.status, 404);
    const child = await call({ type: "WAIT_CONTAINER", wait_container: nested });
    assert.equal(child.status, 404);
    assert.equal(child.body, "Container no-such-container.child cannot be found");
    const containers = (await call({ type: "GET_CONTAINERS" })).json();
    const container = containers.get_containers.containers.find(
      (c: Loose) => c.executor_id.value === "writer",
    );
    assert.ok(container !== undefined, "GET_CONTAINERS lists the task's container");
    const waiting = call({
      type: "WAIT_CONTAINER",
      wait_container: { container_id: container.container_id },
    });
    const killed = await call({
      type: "KILL_CONTAINER",
      kill_container: { container_id: container.container_id },
    });
    assert.equal(killed.status, 200, killed.body);
    const ended = await waiting;
    assert.equal(ended.status, 200, ended.body);
    assert.equal(ended.json().type, "WAIT_CONTAINER");
    assert.equal(typeof ended.json().wait_container.exit_status, "number");
    await terminal(cluster.framework, "writer");
    const again = await call({
      type: "WAIT_CONTAINER",
      wait_container: { container_id: container.container_id },
    });
    assert.equal(again.status, 200, "an ended container is still answered at once");
  });

  it("GET_OPERATIONS and GET_RESOURCE_PROVIDERS answer empty lists", async () => {
    const ops = await call({ type: "GET_OPERATIONS" });
    assert.equal(ops.status, 200);
    assert.equal(ops.json().type, "GET_OPERATIONS");
    assert.deepEqual(ops.json().get_operations.operations ?? [], []);
    const rps = await call({ type: "GET_RESOURCE_PROVIDERS" });
    assert.equal(rps.status, 200);
    assert.equal(rps.json().type, "GET_RESOURCE_PROVIDERS");
    assert.deepEqual(rps.json().get_resource_providers.resource_providers ?? [], []);
  });
});

describe("the agent's GET/SET_LOGGING_LEVEL on its real logger", () => {
  const logger = pino({ level: "warn" }, { write: () => {} });
  let agent: RunningAgent;
  let work: { dir: string; remove: () => Promise<void> };

  before(async () => {
    work = await tempWorkDir();
    agent = await startAgent({
      flags: {
        work_dir: work.dir,
        port: "0",
        ip: "127.0.0.1",
        hostname: "localhost",
        resources: TEST_RESOURCES,
        isolation: "posix/cpu,posix/mem",
      },
      logger,
    });
  });
  after(async () => {
    await agent.close();
    await work.remove();
  });

  const level = async () =>
    (await post(agent.url, { type: "GET_LOGGING_LEVEL" })).json().get_logging_level.level;

  it("SET_LOGGING_LEVEL raises the level for its duration, then it goes back to the start level", async () => {
    assert.equal(await level(), 0);
    const set = await post(agent.url, {
      type: "SET_LOGGING_LEVEL",
      set_logging_level: { level: 2, duration: { nanoseconds: 300_000_000 } },
    });
    assert.equal(set.status, 200);
    assert.equal(set.body, "");
    assert.equal(await level(), 2);
    assert.equal(logger.level, "trace");
    await eventually("the level to go back after the duration", async () => (await level()) === 0);
    assert.equal(logger.level, "warn");
  });
});

describe("an agent started with --log_dir serves its log as /slave/log", () => {
  let agent: RunningAgent;
  let work: { dir: string; remove: () => Promise<void> };

  before(async () => {
    work = await tempWorkDir();
    const logDir = join(work.dir, "log");
    // The logger `tessera agent --log_dir` runs with: its lines go to the file too.
    const fileLogger = startupLogger("agent", { withoutEffect: [], level: "info", logDir });
    agent = await startAgent({
      flags: {
        work_dir: work.dir,
        port: "0",
        ip: "127.0.0.1",
        hostname: "localhost",
        resources: TEST_RESOURCES,
        isolation: "posix/cpu,posix/mem",
        log_dir: logDir,
      },
      ...(fileLogger === undefined ? {} : { logger: fileLogger }),
    });
  });
  after(async () => {
    await agent.close();
    await work.remove();
  });

  it("LIST_FILES and READ_FILE of /slave/log give the log file the agent writes", async () => {
    const listed = await post(agent.url, {
      type: "LIST_FILES",
      list_files: { path: "/slave/log" },
    });
    assert.equal(listed.status, 200, listed.body);
    const [info] = listed.json().list_files.file_infos;
    assert.equal(info.path, "/slave/log");
    assert.ok(info.size > 0, "the agent has logged");
    const read = await post(agent.url, {
      type: "READ_FILE",
      read_file: { path: "/slave/log", offset: 0, length: 10 },
    });
    assert.equal(read.status, 200, read.body);
    assert.equal(Buffer.from(read.json().read_file.data, "base64").length, 10);
  });
});
