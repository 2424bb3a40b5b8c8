// The revocable tier on a real cluster with oversubscription (issue #19): agents lend revocable
// cpus (`--resource_estimator fixed`), the services framework subscribes with
// REVOCABLE_RESOURCES, a revocable-tier app runs on revocable resources only, and an app of
// another tier never takes them.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { TaskJson } from "./fixtures.ts";
import { api, eventually, type RealCluster, startRealCluster } from "./real-cluster.ts";

let cluster: RealCluster;
let base: string;

before(async () => {
  cluster = await startRealCluster({
    resource_estimator: "fixed",
    oversubscribed_resources: "cpus:2;mem:256",
    oversubscribed_resources_interval: "200ms",
  });
  base = (await cluster.startServices()).url;
});
after(async () => {
  await cluster.close();
});

interface V1Task {
  task_id: { value: string };
  state: string;
  resources: { name: string; revocable?: object }[];
}

/** The master's view of the task (GET_TASKS): its resources say whether they are revocable. */
async function masterTask(taskId: string): Promise<V1Task | undefined> {
  const res = await fetch(`${cluster.master.url}/api/v1`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ type: "GET_TASKS" }),
  });
  const body = (await res.json()) as { get_tasks: { tasks?: V1Task[] } };
  return body.get_tasks.tasks?.find((t) => t.task_id.value === taskId);
}

const sleeper = (id: string, fields: Record<string, unknown>) => ({
  id,
  cmd: "sleep 600",
  mem: 32,
  portDefinitions: [],
  ...fields,
});

async function running(id: string): Promise<TaskJson[]> {
  const res = await api(base, "GET", `/v2/apps${id}/tasks`);
  return (res.body.tasks as TaskJson[]).filter((t) => t.state === "TASK_RUNNING");
}

describe("services on a real cluster: the revocable tier", () => {
  it("runs revocable-tier instances on revocable resources", async () => {
    const rev = sleeper("/rev", { tier: "revocable", instances: 2, cpus: 1 });
    assert.equal((await api(base, "POST", "/v2/apps", rev)).status, 201);
    const tasks = await eventually("2 revocable instances running", async () => {
      const r = await running("/rev");
      return r.length === 2 ? r : undefined;
    });
    for (const t of tasks) {
      const task = await masterTask(t.id);
      assert.ok(task !== undefined, `the master knows ${t.id}`);
      const cpus = task.resources.filter((r) => r.name === "cpus");
      assert.ok(
        cpus.length > 0 && cpus.every((r) => r.revocable !== undefined),
        JSON.stringify(task.resources),
      );
    }
  });

  it("never places an app of another tier on revocable resources", async () => {
    // 8 regular cpus in the cluster: the ninth instance could only run on revocable ones.
    const std = sleeper("/std", { instances: 9, cpus: 1 });
    assert.equal((await api(base, "POST", "/v2/apps", std)).status, 201);
    const tasks = await eventually("8 regular instances running", async () => {
      const r = await running("/std");
      return r.length === 8 ? r : undefined;
    });
    for (const t of tasks) {
      const task = await masterTask(t.id);
      assert.ok(
        task?.resources.every((r) => r.revocable === undefined),
        JSON.stringify(task?.resources),
      );
    }
    const queue = await api(base, "GET", "/v2/queue");
    const item = (queue.body.queue as { app: { id: string }; count: number }[]).find(
      (q) => q.app.id === "/std",
    );
    assert.equal(item?.count, 1, "the ninth waits");
  });
});
