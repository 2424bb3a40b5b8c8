// Aurora's tiers on a real cluster (issue #19 acceptance): with both agents full of preemptible
// instances, a production (preferred) app preempts some of them after the preemption delay and
// runs in the slot held for it; the preempted instances run again once room returns; a
// production app over its role's quota is refused with the reason.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { TaskJson } from "./fixtures.ts";
import { api, eventually, type RealCluster, startRealCluster } from "./real-cluster.ts";

let cluster: RealCluster;
let base: string;

before(async () => {
  cluster = await startRealCluster();
  base = (await cluster.startServices({ preemptionDelayMs: 1000, slotHoldMs: 60_000 })).url;
  // The framework's role gets a quota of 2 cpus for production apps.
  const res = await fetch(`${cluster.master.url}/api/v1`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      type: "UPDATE_QUOTA",
      update_quota: {
        force: true,
        quota_configs: [
          {
            role: "services",
            guarantees: { cpus: { value: 2 }, mem: { value: 512 } },
            limits: { cpus: { value: 8 }, mem: { value: 8192 } },
          },
        ],
      },
    }),
  });
  assert.equal(res.status, 200, await res.text());
});
after(async () => {
  await cluster.close();
});

const sleeper = (id: string, fields: Record<string, unknown>) => ({
  id,
  cmd: "sleep 600",
  cpus: 1,
  mem: 32,
  portDefinitions: [],
  ...fields,
});

async function running(id: string): Promise<TaskJson[]> {
  const res = await api(base, "GET", `/v2/apps${id}/tasks`);
  assert.equal(res.status, 200);
  return (res.body.tasks as TaskJson[]).filter((t) => t.state === "TASK_RUNNING");
}

describe("services on a real cluster: tiers", () => {
  it("a preferred app preempts preemptible ones on a full cluster, and they are rescheduled when room returns", async () => {
    // 8 cpus in the cluster: 8 preemptible instances of 1 cpu fill it.
    assert.equal(
      (await api(base, "POST", "/v2/apps", sleeper("/filler", { instances: 8 }))).status,
      201,
    );
    await eventually("8 filler instances running", async () =>
      (await running("/filler")).length === 8 ? true : undefined,
    );
    const prod = await api(
      base,
      "POST",
      "/v2/apps",
      sleeper("/prod", { production: true, cpus: 2 }),
    );
    assert.equal(prod.status, 201, JSON.stringify(prod.body));
    await eventually("the production app running in a preempted slot", async () =>
      (await running("/prod")).length === 1 ? true : undefined,
    );
    assert.equal((await running("/filler")).length, 6);
    const queue = await api(base, "GET", "/v2/queue");
    const filler = (queue.body.queue as { app: { id: string }; count: number }[]).find(
      (q) => q.app.id === "/filler",
    );
    assert.equal(filler?.count, 2, "the preempted instances wait for room");

    assert.equal((await api(base, "DELETE", "/v2/apps/prod")).status, 200);
    await eventually("the preempted instances running again", async () =>
      (await running("/filler")).length === 8 ? true : undefined,
    );
  });

  it("a production app over its role's quota is refused with the reason", async () => {
    const res = await api(
      base,
      "POST",
      "/v2/apps",
      sleeper("/big", { production: true, instances: 3 }),
    );
    assert.equal(res.status, 422);
    assert.match(
      res.body.message as string,
      /Insufficient quota for role 'services'.*cpus 3.*quota is cpus 2/,
    );
    assert.equal((await api(base, "GET", "/v2/apps/big")).status, 404);
  });
});
