// Aurora's update control and SLA-aware maintenance on a real cluster (issue #19 acceptance): a
// master, two agents launching the fixture HTTP server with an HTTP health check, the services
// framework on SQLite. Updates are watched through GET /v2/deployments/{id} (updateState and
// per-instance progress); maintenance is scheduled through the master's operator API.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Loose } from "../../master/http/helpers.ts";
import type { TaskJson } from "./fixtures.ts";
import {
  AGENT_HOSTNAMES,
  api,
  eventually,
  httpApp,
  type RealCluster,
  startRealCluster,
} from "./real-cluster.ts";

let cluster: RealCluster;
let base: string;

before(async () => {
  cluster = await startRealCluster();
  base = (await cluster.startServices()).url;
});
after(async () => {
  await cluster.close();
});

async function tasks(id: string): Promise<TaskJson[]> {
  const res = await api(base, "GET", `/v2/apps${id}/tasks`);
  assert.equal(res.status, 200);
  return res.body.tasks as TaskJson[];
}

async function label(task: TaskJson): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${task.ports[0]}/`);
  return ((await res.json()) as { label: string }).label;
}

async function deployment(id: string): Promise<Loose> {
  const res = await api(base, "GET", `/v2/deployments/${id}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

async function noDeployments(): Promise<true | undefined> {
  const res = await api(base, "GET", "/v2/deployments");
  return (res.body as unknown[]).length === 0 ? true : undefined;
}

/** Creates `id` with `instances` healthy instances labelled `label`. */
async function create(id: string, instances: number, extra: object = {}): Promise<void> {
  const created = await api(
    base,
    "POST",
    "/v2/apps",
    httpApp(id, { instances, label: "v1", extra }),
  );
  assert.equal(created.status, 201, JSON.stringify(created.body));
  await eventually(`${id} deployed`, noDeployments);
}

/** PUTs a new version of `id` under `upgradeStrategy`; returns the deployment id. */
async function updateTo(
  id: string,
  instances: number,
  newLabel: string,
  upgradeStrategy: object,
  unhealthy = false,
): Promise<string> {
  const app = httpApp(id, { instances, label: newLabel, unhealthy, extra: { upgradeStrategy } });
  const res = await api(base, "PUT", `/v2/apps${id}`, {
    ...app,
    // No grace period: a bad version's first failed check reports it unhealthy.
    healthChecks: app.healthChecks.map((c) => ({ ...c, gracePeriodSeconds: unhealthy ? 0 : 30 })),
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.deploymentId as string;
}

type Slot = { batch: number; status: string };
const inFlight = (d: Loose) =>
  (d.updates?.["/roll"]?.instances ?? d.updates?.["/pause"]?.instances ?? []).filter((s: Slot) =>
    ["KILLING", "STARTING", "WATCHING"].includes(s.status),
  ) as Slot[];

describe("services on a real cluster: Aurora update control", () => {
  it("batchSize 2 and watchSeconds 5 over 6 instances roll forward batch by batch", async () => {
    await create("/roll", 6);
    const startMs = Date.now();
    const id = await updateTo("/roll", 6, "v2", {
      batchSize: 2,
      watchSeconds: 5,
      waitForBatchCompletion: true,
    });
    const batchesSeen = new Set<number>();
    await eventually(
      "the update to roll forward",
      async () => {
        const d = await deployment(id);
        const flying = inFlight(d);
        assert.ok(flying.length <= 2, `more than a batch in flight: ${JSON.stringify(flying)}`);
        assert.ok(new Set(flying.map((s) => s.batch)).size <= 1, "two batches at once");
        for (const s of flying) batchesSeen.add(s.batch);
        return d.updateState === "ROLLED_FORWARD" ? true : undefined;
      },
      200,
    );
    assert.deepEqual([...batchesSeen].sort(), [1, 2, 3]);
    assert.ok(Date.now() - startMs >= 15_000, "three watch periods of 5 s");
    const after = await tasks("/roll");
    assert.equal(after.length, 6);
    for (const t of after) assert.equal(await label(t), "v2");
  });

  it("a new version failing its health check rolls back by itself to the old one on every instance", async () => {
    const id = await updateTo(
      "/roll",
      6,
      "bad",
      { batchSize: 2, watchSeconds: 5, rollbackOnFailure: true },
      true,
    );
    await eventually("the automatic rollback", async () =>
      (await deployment(id)).updateState === "ROLLED_BACK" ? true : undefined,
    );
    await eventually("6 healthy instances", async () => {
      const app = (await api(base, "GET", "/v2/apps/roll")).body.app;
      return app.tasksHealthy === 6 && app.tasksRunning === 6 ? true : undefined;
    });
    const after = await tasks("/roll");
    for (const t of after) assert.equal(await label(t), "v2");
    assert.ok(!((await api(base, "GET", "/v2/apps/roll")).body.app.cmd as string).includes("bad"));
  });

  it("pause, resume and abort work mid-update", async () => {
    await create("/pause", 6);
    const id = await updateTo("/pause", 6, "v2", {
      batchSize: 2,
      watchSeconds: 3,
      waitForBatchCompletion: true,
    });
    const started = (d: Loose) =>
      (d.updates["/pause"].instances as Slot[]).filter((s) => s.status !== "PENDING").length;
    await eventually("the first batch done", async () => {
      const d = await deployment(id);
      return d.updates?.["/pause"]?.currentBatch >= 2 ? true : undefined;
    });
    const paused = await api(base, "POST", `/v2/deployments/${id}/pause`);
    assert.equal(paused.status, 200, JSON.stringify(paused.body));
    assert.equal(paused.body.updateState, "ROLL_FORWARD_PAUSED");
    const atPause = started(await deployment(id));
    await new Promise((r) => setTimeout(r, 5000));
    const stillPaused = await deployment(id);
    assert.equal(stillPaused.updateState, "ROLL_FORWARD_PAUSED");
    assert.equal(started(stillPaused), atPause, "no instance started while paused");
    assert.equal((await api(base, "POST", `/v2/deployments/${id}/pause`)).status, 200);
    assert.equal((await api(base, "POST", `/v2/deployments/${id}/resume`)).status, 200);
    await eventually("the update to go on", async () =>
      started(await deployment(id)) > atPause ? true : undefined,
    );
    const aborted = await api(base, "DELETE", `/v2/deployments/${id}?force=true`);
    assert.equal(aborted.status, 202);
    assert.equal((await deployment(id)).updateState, "ABORTED");
    assert.equal((await api(base, "POST", `/v2/deployments/${id}/resume`)).status, 404);
    await eventually("6 healthy instances", async () => {
      const app = (await api(base, "GET", "/v2/apps/pause")).body.app;
      return app.tasksHealthy === 6 ? true : undefined;
    });
  });
});

describe("services on a real cluster: SLA-aware maintenance", () => {
  it("an agent scheduled for maintenance is drained while the app keeps half its instances up", async () => {
    await create("/drain", 4, { slaPolicy: { percentage: 50, durationSeconds: 2 } });
    // The agent holding most of the app is the one taken down.
    const placed = await tasks("/drain");
    const count = (h: string) => placed.filter((t) => t.host === h).length;
    const drained = count(AGENT_HOSTNAMES[0]) >= count(AGENT_HOSTNAMES[1]) ? 0 : 1;
    const host = AGENT_HOSTNAMES[drained] as string;
    assert.ok(count(host) >= 2);
    await new Promise((r) => setTimeout(r, 2000)); // the instances are up for the SLA's 2 s
    const master = cluster.master.url;
    const schedule = {
      windows: [
        {
          machine_ids: [{ hostname: host, ip: "127.0.0.1" }],
          unavailability: { start: { nanoseconds: 1_900_000_000_000_000_000 } },
        },
      ],
    };
    const res = await fetch(`${master}/api/v1`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        type: "UPDATE_MAINTENANCE_SCHEDULE",
        update_maintenance_schedule: { schedule },
      }),
    });
    assert.equal(res.status, 200, await res.text());
    let fewestHealthy = 4;
    await eventually(
      "the agent drained",
      async () => {
        const list = await tasks("/drain");
        const healthy = list.filter(
          (t) => t.state === "TASK_RUNNING" && t.healthCheckResults.some((r) => r.alive),
        ).length;
        fewestHealthy = Math.min(fewestHealthy, healthy);
        const onDrained = list.filter((t) => t.host === host).length;
        return onDrained === 0 && healthy === 4 ? true : undefined;
      },
      100,
    );
    assert.ok(fewestHealthy >= 2, `only ${fewestHealthy} healthy during the drain`);
  });
});
