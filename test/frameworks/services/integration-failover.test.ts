// The services framework on a real cluster, failures (issue #9 acceptance): the framework
// restarts on the same store and fails over onto its running tasks; an agent stops and its
// instances are replaced on the other agent.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Loose } from "../../master/http/helpers.ts";
import { isHealthy, type TaskJson } from "./fixtures.ts";
import {
  AGENT_HOSTNAMES,
  api,
  eventually,
  httpApp,
  type RealCluster,
  startRealCluster,
} from "./real-cluster.ts";

describe("services on a real cluster: failover and agent loss", () => {
  let cluster: RealCluster;
  let base: string;

  before(async () => {
    cluster = await startRealCluster();
    base = (await cluster.startServices()).url;
    const created = await api(base, "POST", "/v2/apps", httpApp("/web", { label: "v1" }));
    assert.equal(created.status, 201);
    await eventually("3 healthy instances", async () => {
      const tasks = await webTasks();
      return tasks.length === 3 && tasks.every(isHealthy) ? true : undefined;
    });
  });
  after(async () => {
    await cluster.close();
  });

  async function webTasks(): Promise<TaskJson[]> {
    return (await api(base, "GET", "/v2/apps/web/tasks")).body.tasks as TaskJson[];
  }

  async function masterFrameworks(): Promise<Loose[]> {
    const state = await (await fetch(`${cluster.master.url}/master/state`)).json();
    return (state as Loose).frameworks as Loose[];
  }

  it("a restarted framework re-subscribes with its framework id and keeps the same instances, none duplicated", async () => {
    const before = (await webTasks()).map((t) => t.id).sort();
    const frameworkId = (await api(base, "GET", "/v2/info")).body.frameworkId as string;
    assert.ok(frameworkId.length > 0);
    const [registered] = await masterFrameworks();
    await cluster.services?.close();
    cluster.services = undefined;

    const restartedAtS = Date.now() / 1000;
    base = (await cluster.startServices()).url;
    // Failover: the master sees the same framework id subscribe again (a later registration).
    const framework = await eventually("the framework to fail over", async () => {
      const frameworks = await masterFrameworks();
      const f = frameworks.find((x) => x.id === frameworkId);
      return f?.active === true && f.reregistered_time >= restartedAtS ? f : undefined;
    });
    assert.equal((await masterFrameworks()).length, 1, "no second framework registered");
    assert.equal(framework.registered_time, registered.registered_time);
    assert.equal((await api(base, "GET", "/v2/info")).body.frameworkId, frameworkId);

    // Reconciliation answered for every stored task; the same three run, healthy.
    const tasks = await eventually("3 healthy instances after the restart", async () => {
      const list = await webTasks();
      return list.length === 3 && list.every(isHealthy) ? list : undefined;
    });
    assert.deepEqual(tasks.map((t) => t.id).sort(), before);
    // The same processes still serve: each answers with the task id it was launched as.
    for (const t of tasks) {
      const served = (await (await fetch(`http://127.0.0.1:${t.ports[0]}/`)).json()) as Loose;
      assert.equal(served.taskId, t.id);
    }
    assert.equal((await api(base, "GET", "/v2/queue")).body.queue.length, 0);
    // The master runs exactly those three tasks for the framework.
    const [f] = await masterFrameworks();
    assert.deepEqual((f.tasks as Loose[]).map((t) => t.id).sort(), before);
  });

  it("instances on an agent that stops answering are replaced on the other agent", async () => {
    const tasks = await webTasks();
    const byHost = new Map<string, number>();
    for (const t of tasks) byHost.set(t.host, (byHost.get(t.host) ?? 0) + 1);
    // Stop (SIGSTOP) the agent that runs the most instances (at least one).
    const [victimHost] = [...byHost].sort((a, b) => b[1] - a[1])[0] as [string, number];
    const victim = AGENT_HOSTNAMES.indexOf(victimHost as (typeof AGENT_HOSTNAMES)[number]);
    assert.ok(victim >= 0);
    const survivorHost = AGENT_HOSTNAMES[1 - victim];
    const lost = new Set(tasks.filter((t) => t.host === victimHost).map((t) => t.id));
    cluster.freezeAgent(victim);

    const replaced = await eventually("instances replaced on the surviving agent", async () => {
      const list = await webTasks();
      return list.length === 3 && list.every((t) => t.host === survivorHost && isHealthy(t))
        ? list
        : undefined;
    });
    assert.ok(replaced.every((t) => !lost.has(t.id)));
    // The replacements really serve on the surviving agent.
    for (const t of replaced) {
      const res = await fetch(`http://127.0.0.1:${t.ports[0]}/health`);
      assert.equal(res.status, 200);
    }
  });
});
