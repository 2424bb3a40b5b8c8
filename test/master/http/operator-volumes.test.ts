// The operator's reservations and volumes over HTTP (reference §4.2, §4.5): the v1 calls
// RESERVE_RESOURCES ... DESTROY_VOLUMES answer 202 once applied, 400 / 409 with Mesos's
// messages when refused; the v0 endpoints `/master/reserve`, `/master/unreserve`,
// `/master/create-volumes`, `/master/destroy-volumes` take the form Mesos's do; /master/slaves
// and GET_AGENTS show the reservation and the volume.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Loose, operatorCall } from "./helpers.ts";
import { masterSuite } from "./suite.ts";

const reservations = [{ type: "DYNAMIC", role: "web", principal: "ops" }];
const reservedDisk = (value: number) => ({
  name: "disk",
  type: "SCALAR",
  scalar: { value },
  reservations,
});
const volume = {
  ...reservedDisk(10),
  disk: {
    persistence: { id: "v1", principal: "ops" },
    volume: { container_path: "d", mode: "RW" },
  },
};

async function form(url: string, fields: Record<string, string>) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: res.status, body: await res.text() };
}

describe("the operator's reservations and volumes over HTTP", () => {
  const { master, agent } = masterSuite({
    agent: {
      hostname: "vol-agent",
      resources: [{ name: "disk", type: "SCALAR", scalar: { value: 100 } }],
    },
    framework: false,
  });
  const agentId = () => ({ value: agent.agentId });

  it("v1: RESERVE_RESOURCES and CREATE_VOLUMES answer 202 and show in /master/slaves; more than the agent has is 409", async () => {
    const reserve = await operatorCall(master, {
      type: "RESERVE_RESOURCES",
      reserve_resources: { agent_id: agentId(), resources: [reservedDisk(20)] },
    });
    assert.equal(reserve.status, 202, reserve.body);
    const create = await operatorCall(master, {
      type: "CREATE_VOLUMES",
      create_volumes: { agent_id: agentId(), volumes: [volume] },
    });
    assert.equal(create.status, 202, create.body);
    const slaves = (await (await fetch(`${master.url}/master/slaves`)).json()) as Loose;
    const slave = slaves.slaves[0];
    assert.deepEqual(slave.reserved_resources.web, { disk: 20, cpus: 0, mem: 0, gpus: 0 });
    const full = slave.reserved_resources_full.web as Loose[];
    assert.deepEqual(
      full.map((r) => `${r.scalar.value}${r.disk ? `[${r.disk.persistence.id}]` : ""}`).sort(),
      ["10", "10[v1]"],
    );
    assert.equal(slave.unreserved_resources_full[0].scalar.value, 80);
    const agents = await operatorCall(master, { type: "GET_AGENTS" });
    const total = (agents.json as Loose).get_agents.agents[0].total_resources as Loose[];
    assert.ok(total.some((r) => r.disk?.persistence?.id === "v1"));

    const tooMuch = await operatorCall(master, {
      type: "RESERVE_RESOURCES",
      reserve_resources: { agent_id: agentId(), resources: [reservedDisk(500)] },
    });
    assert.equal(tooMuch.status, 409);
    assert.match(tooMuch.body, /^Failed to apply RESERVE operation: .* does not contain /);
    const unknown = await operatorCall(master, {
      type: "UNRESERVE_RESOURCES",
      unreserve_resources: { agent_id: { value: "nope" }, resources: [reservedDisk(1)] },
    });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body, "No agent found with specified ID");
  });

  it("v0: destroy-volumes and unreserve take slaveId plus a JSON array, and refuse as Mesos does", async () => {
    const slaveId = agent.agentId;
    const destroy = await form(`${master.url}/master/destroy-volumes`, {
      slaveId,
      volumes: JSON.stringify([volume]),
    });
    assert.equal(destroy.status, 202, destroy.body);
    const again = await form(`${master.url}/master/destroy-volumes`, {
      slaveId,
      volumes: JSON.stringify([volume]),
    });
    assert.deepEqual(again, {
      status: 400,
      body: "Invalid DESTROY operation: Persistent volumes not found",
    });
    const unreserve = await form(`${master.url}/master/unreserve`, {
      slaveId,
      resources: JSON.stringify([reservedDisk(20)]),
    });
    assert.equal(unreserve.status, 202, unreserve.body);
    assert.deepEqual(await form(`${master.url}/master/reserve`, { slaveId }), {
      status: 400,
      body: "Missing 'resources' query parameter in the request body",
    });
    const bad = await form(`${master.url}/master/reserve`, { slaveId, resources: "[{" });
    assert.equal(bad.status, 400);
    assert.match(bad.body, /^Error in parsing 'resources' query parameter in the request body: /);
    const slaves = (await (await fetch(`${master.url}/master/slaves`)).json()) as Loose;
    assert.deepEqual(slaves.slaves[0].reserved_resources, {});
    // The agent was told each step; its last checkpoint is empty.
    const checkpoints = agent.events.filter((e) => e.type === "CHECKPOINT_RESOURCES");
    assert.equal(checkpoints.length, 4);
    assert.deepEqual((checkpoints.at(-1) as Loose).checkpoint_resources.resources ?? [], []);
  });

  it("GET_OPERATIONS answers with the operations the master tracks (none from the operator)", async () => {
    const res = await operatorCall(master, { type: "GET_OPERATIONS" });
    assert.equal(res.status, 200);
    assert.deepEqual((res.json as Loose).get_operations, {});
  });
});
