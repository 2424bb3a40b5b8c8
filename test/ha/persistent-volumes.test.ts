// Reservations and volumes across a ZooKeeper failover (issue 14): real ZooKeeper, masters as
// child processes, a real agent. The operator reserves disk and creates a volume on the
// leader; the leader is killed with SIGKILL; the next leader learns both from the agent as it
// re-registers (Mesos's registry does not hold them, nor does ours), shows them in
// /master/slaves and can destroy the volume, whose directory the agent then deletes.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, test } from "node:test";
import { eventually } from "../support/eventually.ts";
import { zooKeeperSkip } from "../support/zookeeper.ts";
import { getJson, HA_WAIT, HaCluster } from "./cluster.ts";

const skip = zooKeeperSkip();
let cluster: HaCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

const reservations = [{ type: "DYNAMIC", role: "web", principal: "ops" }];
const reservedDisk = { name: "disk", type: "SCALAR", scalar: { value: 100 }, reservations };
const volume = {
  ...reservedDisk,
  disk: {
    persistence: { id: "ha-vol", principal: "ops" },
    volume: { container_path: "d", mode: "RW" },
  },
};

async function call(url: string, body: unknown): Promise<{ status: number; text: string }> {
  const res = await fetch(`${url}/api/v1`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

type Slave = {
  id: string;
  active?: boolean;
  reserved_resources_full?: Record<string, { disk?: { persistence?: { id: string } } }[]>;
};

async function volumeShown(url: string): Promise<boolean> {
  const { status, json } = await getJson(`${url}/master/slaves`);
  if (status !== 200) return false;
  const slaves = (json as { slaves?: Slave[] }).slaves ?? [];
  return slaves.some(
    (s) =>
      s.active === true &&
      (s.reserved_resources_full?.web ?? []).some((r) => r.disk?.persistence?.id === "ha-vol"),
  );
}

describe("reservations and volumes across a master failover", skip, () => {
  test("the next leader learns them from the agent and can destroy the volume", async () => {
    cluster = await HaCluster.start({ masters: 2, agents: 1 });
    const first = await cluster.leader();
    const agentId = await eventually(
      "the agent registered",
      async () => (await cluster?.activeAgents(first.url))?.[0],
      HA_WAIT,
    );
    const reserve = await call(first.url, {
      type: "RESERVE_RESOURCES",
      reserve_resources: { agent_id: { value: agentId }, resources: [reservedDisk] },
    });
    assert.equal(reserve.status, 202, reserve.text);
    const create = await call(first.url, {
      type: "CREATE_VOLUMES",
      create_volumes: { agent_id: { value: agentId }, volumes: [volume] },
    });
    assert.equal(create.status, 202, create.text);
    const workDir = cluster.agents[0]?.flags.workDir ?? "";
    const dir = join(workDir, "volumes", "roles", "web", "ha-vol");
    await eventually(
      "the volume's directory",
      async () => (existsSync(dir) ? true : undefined),
      HA_WAIT,
    );

    first.kill("SIGKILL");
    const next = await cluster.leader(first.port);
    await eventually(
      "the next leader shows the volume",
      async () => ((await volumeShown(next.url)) ? true : undefined),
      HA_WAIT,
    );
    const destroy = await call(next.url, {
      type: "DESTROY_VOLUMES",
      destroy_volumes: { agent_id: { value: agentId }, volumes: [volume] },
    });
    assert.equal(destroy.status, 202, destroy.text);
    await eventually(
      "the volume's directory removed",
      async () => (existsSync(dir) ? undefined : true),
      HA_WAIT,
    );
    const again = await call(next.url, {
      type: "DESTROY_VOLUMES",
      destroy_volumes: { agent_id: { value: agentId }, volumes: [volume] },
    });
    assert.deepEqual(again, {
      status: 400,
      text: "Invalid DESTROY operation: Persistent volumes not found",
    });
  });
});
