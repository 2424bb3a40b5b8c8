// Conformance: the master's v1 operator API (reference §4.1-§4.3) and the legacy JSON
// endpoints scrapers rely on (§4.5, §10.2 item 11).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { subscribe } from "../../../src/http/client.ts";
import type { RunningMaster } from "../../../src/master/server.ts";
import { MasterResponse } from "../../../src/wire/operator-master.ts";
import { parseProtobuf } from "../../../src/wire/protobuf.ts";
import { assertMetrics } from "../../support/metrics.ts";
import { launchCall, scalar } from "../scheduler-calls.ts";
import {
  EventReader,
  getJson,
  type Loose,
  operatorCall,
  startTestMaster,
  subscribeScheduler,
  type TestScheduler,
  WIRE_MEDIA_TYPE,
  webFramework,
} from "./helpers.ts";
import { TestAgent } from "./test-agent.ts";

describe("operator API and legacy endpoints", () => {
  let master: RunningMaster;
  let agent: TestAgent;
  let scheduler: TestScheduler;
  let operatorEvents: EventReader;
  let closeOperator: () => void;

  before(async () => {
    master = await startTestMaster({ roles: "web,batch", cluster: "test-cluster" });
    const sub = await subscribe(`${master.url}/api/v1`, JSON.stringify({ type: "SUBSCRIBE" }));
    assert.ok(sub.ok);
    operatorEvents = new EventReader(sub.events);
    closeOperator = () => sub.close();
    agent = await TestAgent.start(master.url, { hostname: "agent-op" });
    scheduler = await subscribeScheduler(master, webFramework("carol", "ops"));
    const offer = ((await scheduler.events.next("OFFERS")).offers as Loose).offers[0];
    const task: Loose = {
      name: "web-1",
      task_id: { value: "web-1" },
      agent_id: offer.agent_id,
      resources: [
        scalar("cpus", 1, "web"),
        {
          name: "ports",
          type: "RANGES",
          ranges: { range: [{ begin: 31000, end: 31001 }] },
          allocation_info: { role: "web" },
        },
      ],
      command: { value: "sleep 100" },
    };
    const res = await scheduler.call(launchCall([offer.id], [task]));
    assert.equal(res.status, 202, res.body);
    await agent.waitFor("RUN_TASK");
    await agent.sendUpdate(scheduler.frameworkId, "web-1", "TASK_RUNNING", {
      container_status: {
        network_infos: [{ ip_addresses: [{ protocol: "IPv4", ip_address: "10.0.0.7" }] }],
      },
    });
    await scheduler.events.next("UPDATE");
  });

  after(async () => {
    closeOperator();
    scheduler.close();
    agent.close();
    await master.close();
  });

  it("the operator SUBSCRIBE stream starts with SUBSCRIBED (full state) and a HEARTBEAT", async () => {
    const first = await operatorEvents.nextAny();
    assert.equal(first?.type, "SUBSCRIBED");
    assert.equal((first as Loose).subscribed.heartbeat_interval_seconds, 15);
    assert.ok((first as Loose).subscribed.get_state !== undefined);
    assert.deepEqual(await operatorEvents.nextAny(), { type: "HEARTBEAT" });
  });

  it("the operator stream reports AGENT_ADDED, FRAMEWORK_ADDED, TASK_ADDED and TASK_UPDATED", async () => {
    const added = await operatorEvents.next("AGENT_ADDED");
    assert.equal((added as Loose).agent_added.agent.agent_info.id.value, agent.agentId);
    const fw = await operatorEvents.next("FRAMEWORK_ADDED");
    assert.equal((fw as Loose).framework_added.framework.framework_info.name, "ops");
    const task = await operatorEvents.next("TASK_ADDED");
    assert.equal((task as Loose).task_added.task.state, "TASK_STAGING");
    const updated = await operatorEvents.next("TASK_UPDATED");
    assert.equal((updated as Loose).task_updated.state, "TASK_RUNNING");
    assert.equal((updated as Loose).task_updated.framework_id.value, scheduler.frameworkId);
  });

  it("GET_HEALTH, GET_VERSION, GET_FLAGS and GET_MASTER answer with their bodies", async () => {
    const health = await operatorCall(master, { type: "GET_HEALTH" });
    assert.deepEqual(health.json, { type: "GET_HEALTH", get_health: { healthy: true } });
    const version = (await operatorCall(master, { type: "GET_VERSION" })).json as Loose;
    assert.equal(version.get_version.version_info.version, "1.11.0");
    const flags = (await operatorCall(master, { type: "GET_FLAGS" })).json as Loose;
    const byName = Object.fromEntries(
      flags.get_flags.flags.map((f: Loose) => [f.name, f.value] as const),
    );
    assert.equal(byName.allocation_interval, "1secs");
    assert.equal(byName.roles, "web,batch");
    const m = (await operatorCall(master, { type: "GET_MASTER" })).json as Loose;
    assert.equal(m.get_master.master_info.id, master.masterInfo.id);
    assert.equal(typeof m.get_master.start_time, "number");
  });

  it("GET_METRICS lists Mesos metric keys", async () => {
    const res = (await operatorCall(master, { type: "GET_METRICS", get_metrics: {} }))
      .json as Loose;
    const names = res.get_metrics.metrics.map((m: Loose) => m.name);
    for (const key of ["master/elected", "master/uptime_secs", "master/tasks_running"]) {
      assert.ok(names.includes(key), key);
    }
  });

  it("GET_STATE, GET_AGENTS, GET_FRAMEWORKS, GET_TASKS and GET_EXECUTORS describe the cluster", async () => {
    const state = (await operatorCall(master, { type: "GET_STATE" })).json as Loose;
    const s = state.get_state;
    assert.equal(s.get_agents.agents[0].agent_info.id.value, agent.agentId);
    assert.equal(s.get_frameworks.frameworks[0].framework_info.id.value, scheduler.frameworkId);
    assert.equal(s.get_tasks.tasks[0].task_id.value, "web-1");
    assert.equal(s.get_tasks.tasks[0].state, "TASK_RUNNING");
    // ENDPOINT format: role and reservations both present.
    const cpus = s.get_agents.agents[0].total_resources.find((r: Loose) => r.name === "cpus");
    assert.equal(cpus.role, "*");
    for (const type of ["GET_AGENTS", "GET_FRAMEWORKS", "GET_TASKS", "GET_EXECUTORS"]) {
      const res = await operatorCall(master, { type });
      assert.equal(res.status, 200, type);
      assert.equal((res.json as Loose).type, type);
    }
  });

  it("GET_ROLES lists whitelisted roles and the frameworks in them", async () => {
    const roles = ((await operatorCall(master, { type: "GET_ROLES" })).json as Loose).get_roles
      .roles;
    const web = roles.find((r: Loose) => r.name === "web");
    assert.deepEqual(web.frameworks, [{ value: scheduler.frameworkId }]);
    assert.ok(roles.some((r: Loose) => r.name === "batch"));
  });

  it("UPDATE_WEIGHTS is durable and GET_WEIGHTS reports it", async () => {
    const res = await operatorCall(master, {
      type: "UPDATE_WEIGHTS",
      update_weights: { weight_infos: [{ role: "web", weight: 2.5 }] },
    });
    assert.equal(res.status, 200, res.body);
    assert.equal(res.body, "");
    const weights = (await operatorCall(master, { type: "GET_WEIGHTS" })).json as Loose;
    assert.deepEqual(weights.get_weights.weight_infos, [{ role: "web", weight: 2.5 }]);
  });

  it("UPDATE_QUOTA is durable and GET_QUOTA reports it; nested roles are refused", async () => {
    const res = await operatorCall(master, {
      type: "UPDATE_QUOTA",
      update_quota: {
        quota_configs: [{ role: "batch", guarantees: { cpus: { value: 1 } }, limits: {} }],
      },
    });
    assert.equal(res.status, 200, res.body);
    const quota = (await operatorCall(master, { type: "GET_QUOTA" })).json as Loose;
    assert.equal(quota.get_quota.status.configs[0].role, "batch");
    assert.equal(quota.get_quota.status.configs[0].guarantees.cpus.value, 1);
    const nested = await operatorCall(master, {
      type: "UPDATE_QUOTA",
      update_quota: { quota_configs: [{ role: "a/b", guarantees: {} }] },
    });
    assert.equal(nested.status, 400);
    assert.match(nested.body, /not supported yet/);
  });

  it("DEACTIVATE_AGENT and REACTIVATE_AGENT answer 200; unknown agents 400", async () => {
    const off = await operatorCall(master, {
      type: "DEACTIVATE_AGENT",
      deactivate_agent: { agent_id: { value: agent.agentId } },
    });
    assert.equal(off.status, 200, off.body);
    const on = await operatorCall(master, {
      type: "REACTIVATE_AGENT",
      reactivate_agent: { agent_id: { value: agent.agentId } },
    });
    assert.equal(on.status, 200, on.body);
    const unknown = await operatorCall(master, {
      type: "DRAIN_AGENT",
      drain_agent: { agent_id: { value: "nope" } },
    });
    assert.equal(unknown.status, 400);
  });

  it("operator calls are validated: missing sub-message 400, UNKNOWN 501, an unknown type named; a protobuf-only Accept gets protobuf", async () => {
    const missing = await operatorCall(master, { type: "TEARDOWN" });
    assert.equal(missing.status, 400);
    assert.equal(
      missing.body,
      "Failed to validate master::Call: Expecting 'teardown' to be present",
    );
    const unknown = await operatorCall(master, { type: "UNKNOWN" });
    assert.equal(unknown.status, 501);
    // Only JSON can carry a type name the API does not know (protobuf carries numbers).
    if (WIRE_MEDIA_TYPE === "application/json") {
      const nope = await operatorCall(master, { type: "NOPE" });
      assert.equal(nope.status, 400);
      assert.equal(
        nope.body,
        "Failed to validate master::Call: Expecting 'type' to be present ('NOPE' is not a call type of this API)",
      );
    }
    const res = await fetch(`${master.url}/api/v1`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/x-protobuf" },
      body: JSON.stringify({ type: "GET_HEALTH" }),
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/x-protobuf");
    const health = parseProtobuf(MasterResponse, new Uint8Array(await res.arrayBuffer()));
    assert.deepEqual(health.ok && health.value.get_health, { healthy: true });
  });

  it("MARK_AGENT_GONE of an unknown agent is 404; TEARDOWN of an unknown framework is 400", async () => {
    const gone = await operatorCall(master, {
      type: "MARK_AGENT_GONE",
      mark_agent_gone: { agent_id: { value: "nope" } },
    });
    assert.equal(gone.status, 404);
    const teardown = await operatorCall(master, {
      type: "TEARDOWN",
      teardown: { framework_id: { value: "nope" } },
    });
    assert.equal(teardown.status, 400);
  });

  it("/master/state uses Mesos's legacy field names", async () => {
    for (const path of ["/master/state", "/state"]) {
      const { status, json } = await getJson(`${master.url}${path}`);
      assert.equal(status, 200);
      assert.equal(json.id, master.masterInfo.id);
      assert.equal(json.cluster, "test-cluster");
      assert.equal(json.activated_slaves, 1);
      const slave = json.slaves[0];
      assert.equal(slave.id, agent.agentId);
      assert.equal(slave.resources.ports, "[31000-32000]");
      assert.equal(slave.resources.cpus, 4);
      assert.equal(slave.resources.gpus, 0);
      const fw = json.frameworks[0];
      assert.deepEqual(fw.roles, ["web"]);
      assert.equal(fw.role, undefined);
      const task = fw.tasks[0];
      assert.equal(task.slave_id, agent.agentId);
      assert.equal(task.executor_id, "");
      assert.equal(task.resources.ports, "[31000-31001]");
      assert.equal(task.state, "TASK_RUNNING");
      assert.equal(
        task.statuses[0].container_status.network_infos[0].ip_addresses[0].ip_address,
        "10.0.0.7",
      );
    }
  });

  it("/master/state-summary, /master/frameworks, /master/slaves and /master/roles answer", async () => {
    const summary = (await getJson(`${master.url}/master/state-summary`)).json;
    assert.equal(summary.slaves[0].TASK_RUNNING, 1);
    assert.deepEqual(summary.frameworks[0].slave_ids, [agent.agentId]);
    const frameworks = (await getJson(`${master.url}/master/frameworks`)).json;
    assert.equal(frameworks.frameworks.length, 1);
    assert.deepEqual(frameworks.unregistered_frameworks, []);
    const slaves = (await getJson(`${master.url}/master/slaves?slave_id=nope`)).json;
    assert.deepEqual(slaves.slaves, []);
    const roles = (await getJson(`${master.url}/master/roles`)).json;
    assert.ok(roles.roles.some((r: Loose) => r.name === "web"));
  });

  it("/master/tasks pages with offset and limit, and checks its parameters", async () => {
    const all = (await getJson(`${master.url}/master/tasks`)).json;
    assert.equal(all.tasks.length, 1);
    const none = (await getJson(`${master.url}/master/tasks?offset=1`)).json;
    assert.deepEqual(none.tasks, []);
    const bad = await fetch(`${master.url}/master/tasks?order=sideways`);
    assert.equal(bad.status, 400);
  });

  it("/master/state supports ?jsonp=", async () => {
    const res = await fetch(`${master.url}/master/state?jsonp=cb`);
    assert.match(await res.text(), /^cb\(\{.*\}\);$/s);
  });

  it("/master/redirect answers 307 to the leader's bare base URL", async () => {
    const res = await fetch(`${master.url}/master/redirect`, { redirect: "manual" });
    assert.equal(res.status, 307);
    assert.equal(res.headers.get("location"), `//localhost:${master.port}`);
  });

  it("/health, /version, /metrics/snapshot and /metrics answer", async () => {
    assert.equal((await fetch(`${master.url}/health`)).status, 200);
    assert.equal((await getJson(`${master.url}/version`)).json.version, "1.11.0");
    const snapshot = (await getJson(`${master.url}/metrics/snapshot`)).json;
    assertMetrics(snapshot, {
      "master/elected": 1,
      "master/tasks_running": 1,
      "master/cpus_total": 4,
      "master/operator_event_stream_subscribers": 1,
    });
    const prometheus = await (await fetch(`${master.url}/metrics`)).text();
    assert.match(prometheus, /^master_elected 1$/m);
  });
});
