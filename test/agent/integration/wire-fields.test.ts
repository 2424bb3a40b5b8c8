// Beyond the offer (offer-fields.test.ts): every other message the master and the agent emit
// carries the fields Mesos sets and clients dereference — the scheduler's SUBSCRIBED and UPDATE
// events (a task's IP from `container_status.network_infos[0].ip_addresses[0].ip_address`, as
// Marathon reads it), the operator API's GET_* answers and its event stream, the master's and
// the agent's /state, and the agent's own GET_* answers. A real master and agent, one running
// command task.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MESOS_COMPATIBLE_VERSION } from "../../../src/base/mesos-version.ts";
import { subscribe } from "../../../src/http/client.ts";
import { clusterForSuite } from "./cluster.ts";
import { commandTask, type Loose } from "./helpers.ts";

const UUID_BASE64 = /^[A-Za-z0-9+/]{22}==$/;

describe("every message carries the fields Mesos sets", () => {
  const cluster = clusterForSuite("wire-fields", { attributes: "rack:r1" });
  let ready: Promise<{ agentId: string; containerId: string }> | undefined;

  const post = async (url: string, body: unknown): Promise<Loose> => {
    const res = await fetch(`${url}/api/v1`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify(body),
    });
    assert.equal(res.status, 200);
    return res.json();
  };

  /** The suite's task, running (started once). */
  const running = () => {
    ready ??= (async () => {
      // Through the cluster, which kills it when the suite stops.
      const agentId: Loose = await cluster.launch([commandTask("wired", "sleep 1000")]);
      const update = await cluster.framework.state("wired", "TASK_RUNNING");
      return {
        agentId: agentId.value as string,
        containerId: update.status.container_status.container_id.value as string,
      };
    })();
    return ready;
  };

  const checkContainerStatus = (status: Loose, containerId: string) => {
    assert.equal(status.container_status.container_id.value, containerId);
    const [network] = status.container_status.network_infos;
    assert.equal(network.ip_addresses[0].ip_address, "127.0.0.1");
    assert.equal(network.ip_addresses[0].protocol, "IPv4");
  };

  it("UPDATE: ids, source, timestamp, uuid, and the container's id and IP", async () => {
    const { agentId, containerId } = await running();
    const update = await cluster.framework.state("wired", "TASK_RUNNING");
    const status = update.status;
    assert.equal(status.task_id.value, "wired");
    assert.equal(status.agent_id.value, agentId);
    assert.equal(status.executor_id.value, "wired");
    assert.equal(status.source, "SOURCE_EXECUTOR");
    assert.equal(typeof status.timestamp, "number");
    assert.match(status.uuid, UUID_BASE64);
    checkContainerStatus(status, containerId);
  });

  it("SUBSCRIBED: framework id, heartbeat interval and a complete master_info", async () => {
    const sub = await subscribe(
      `${cluster.master.url}/api/v1/scheduler`,
      JSON.stringify({
        type: "SUBSCRIBE",
        subscribe: { framework_info: { user: "root", name: "wire-fields-probe" } },
      }),
    );
    assert.ok(sub.ok);
    let subscribed: Loose;
    for await (const event of sub.events) {
      subscribed = (event as Loose).subscribed;
      break;
    }
    sub.close();
    assert.ok(subscribed.framework_id.value.length > 0);
    assert.equal(subscribed.heartbeat_interval_seconds, 15);
    const info = subscribed.master_info;
    const port = Number(new URL(cluster.master.url).port);
    assert.equal(info.address.ip, "127.0.0.1");
    assert.equal(info.address.port, port);
    assert.equal(info.port, port);
    assert.equal(info.pid, `master@127.0.0.1:${port}`);
    assert.equal(typeof info.hostname, "string");
    assert.equal(info.version, MESOS_COMPATIBLE_VERSION);
  });

  it("the master's GET_AGENTS, GET_FRAMEWORKS, GET_TASKS and GET_MASTER", async () => {
    const { agentId, containerId } = await running();
    const agentPort = Number(new URL(cluster.agent.url).port);
    const [agent] = (await post(cluster.master.url, { type: "GET_AGENTS" })).get_agents.agents;
    assert.equal(agent.agent_info.id.value, agentId);
    assert.equal(agent.agent_info.port, agentPort);
    assert.equal(agent.agent_info.hostname, "localhost");
    assert.equal(agent.pid, `slave(1)@127.0.0.1:${agentPort}`);
    assert.equal(agent.version, MESOS_COMPATIBLE_VERSION);
    assert.equal(agent.active, true);
    assert.equal(typeof agent.registered_time.nanoseconds, "number");
    assert.ok(agent.capabilities.some((c: Loose) => c.type === "MULTI_ROLE"));
    assert.ok(agent.total_resources.length > 0);

    const frameworks = (await post(cluster.master.url, { type: "GET_FRAMEWORKS" })).get_frameworks
      .frameworks;
    const framework = frameworks.find(
      (f: Loose) => f.framework_info.id.value === cluster.framework.id,
    );
    assert.equal(framework.active, true);
    assert.equal(framework.connected, true);
    assert.equal(typeof framework.registered_time.nanoseconds, "number");
    assert.ok(framework.allocated_resources.length > 0);

    const tasks = (await post(cluster.master.url, { type: "GET_TASKS" })).get_tasks.tasks;
    const task = tasks.find((t: Loose) => t.task_id.value === "wired");
    assert.equal(task.state, "TASK_RUNNING");
    assert.equal(task.status_update_state, "TASK_RUNNING");
    assert.match(task.status_update_uuid, UUID_BASE64);
    assert.equal(task.user, "root");
    checkContainerStatus(task.statuses.at(-1), containerId);

    const master = (await post(cluster.master.url, { type: "GET_MASTER" })).get_master;
    assert.equal(master.master_info.address.ip, "127.0.0.1");
    assert.equal(typeof master.start_time, "number");
    assert.equal(typeof master.elected_time, "number");
  });

  it("the operator event stream: SUBSCRIBED holds the whole state, TASK_UPDATED the container status", async () => {
    const { containerId } = await running();
    const sub = await subscribe(
      `${cluster.master.url}/api/v1`,
      JSON.stringify({ type: "SUBSCRIBE" }),
    );
    assert.ok(sub.ok);
    let first: Loose;
    for await (const event of sub.events) {
      first = event;
      break;
    }
    sub.close();
    assert.equal(first.type, "SUBSCRIBED");
    const state = first.subscribed.get_state;
    assert.equal(state.get_agents.agents[0].version, MESOS_COMPATIBLE_VERSION);
    const task = state.get_tasks.tasks.find((t: Loose) => t.task_id.value === "wired");
    checkContainerStatus(task.statuses.at(-1), containerId);
    assert.equal(first.subscribed.heartbeat_interval_seconds, 15);
  });

  it("/master/state and /slave(1)/state: pids, ports, versions and task statuses", async () => {
    const { agentId, containerId } = await running();
    const agentPort = Number(new URL(cluster.agent.url).port);
    const master = (await (await fetch(`${cluster.master.url}/master/state`)).json()) as Loose;
    const [slave] = master.slaves;
    assert.equal(slave.pid, `slave(1)@127.0.0.1:${agentPort}`);
    assert.equal(slave.port, agentPort);
    assert.equal(slave.version, MESOS_COMPATIBLE_VERSION);
    assert.equal(typeof slave.registered_time, "number");
    assert.equal(master.leader_info.pid, master.pid);
    const framework = master.frameworks.find((f: Loose) => f.id === cluster.framework.id);
    const task = framework.tasks.find((t: Loose) => t.id === "wired");
    assert.equal(task.slave_id, agentId);
    assert.equal(task.statuses.at(-1).container_status.container_id.value, containerId);

    const agent = (await (await fetch(`${cluster.agent.url}/slave(1)/state`)).json()) as Loose;
    assert.equal(agent.id, agentId);
    assert.equal(agent.pid, `slave(1)@127.0.0.1:${agentPort}`);
    assert.equal(agent.version, MESOS_COMPATIBLE_VERSION);
    const executor = agent.frameworks[0].executors.find((e: Loose) => e.id === "wired");
    assert.equal(executor.container, containerId);
    const agentTask = executor.tasks.find((t: Loose) => t.id === "wired");
    // The agent keeps each state's status, as Mesos's agent does.
    assert.deepEqual(
      agentTask.statuses.map((s: Loose) => s.state),
      ["TASK_STARTING", "TASK_RUNNING"],
    );
  });

  it("the agent's GET_TASKS and GET_AGENT", async () => {
    const { agentId, containerId } = await running();
    const tasks = (await post(cluster.agent.url, { type: "GET_TASKS" })).get_tasks;
    const task = tasks.launched_tasks.find((t: Loose) => t.task_id.value === "wired");
    assert.equal(task.agent_id.value, agentId);
    assert.equal(task.status_update_state, "TASK_RUNNING");
    assert.match(task.status_update_uuid, UUID_BASE64);
    checkContainerStatus(task.statuses.at(-1), containerId);
    const info = (await post(cluster.agent.url, { type: "GET_AGENT" })).get_agent.agent_info;
    assert.equal(info.id.value, agentId);
    assert.equal(info.port, Number(new URL(cluster.agent.url).port));
    assert.equal(info.hostname, "localhost");
  });
});
