// The services framework on a real cluster (issue #9 acceptance): a master, two agents launching
// real processes, and the framework on SQLite. The app is a small HTTP server with an HTTP
// health check run by the agent's executor.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Loose } from "../../master/http/helpers.ts";
import { isHealthy, type TaskJson } from "./fixtures.ts";
import { api, eventually, httpApp, type RealCluster, startRealCluster } from "./real-cluster.ts";

/** PUTs a version of /web whose health check never passes, with no room over capacity. */
function putUnhealthyVersion(base: string) {
  return api(
    base,
    "PUT",
    "/v2/apps/web",
    httpApp("/web", {
      label: "bad",
      unhealthy: true,
      extra: { upgradeStrategy: { minimumHealthCapacity: 0.5, maximumOverCapacity: 0 } },
    }),
  );
}

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

async function deploymentGone(deploymentId: string): Promise<true | undefined> {
  const res = await api(base, "GET", "/v2/deployments");
  return (res.body as { id: string }[]).some((d) => d.id === deploymentId) ? undefined : true;
}

async function label(task: TaskJson): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${task.ports[0]}/`);
  return ((await res.json()) as { label: string }).label;
}

describe("services on a real cluster: deploys", () => {
  it("creates an app of 3 instances of an HTTP server and all become healthy", async () => {
    const created = await api(base, "POST", "/v2/apps", httpApp("/web", { label: "v1" }));
    assert.equal(created.status, 201);
    const deploymentId = created.headers.get("Marathon-Deployment-Id") as string;
    await eventually("the create deployment to finish", () => deploymentGone(deploymentId));
    const running = await tasks("/web");
    assert.equal(running.length, 3);
    assert.ok(running.every(isHealthy), JSON.stringify(running));
    // The processes really serve: each answers on its own host port.
    for (const t of running) assert.equal(await label(t), "v1");
    const app = await api(base, "GET", "/v2/apps/web");
    assert.equal(app.body.app.tasksHealthy, 3);
    assert.equal(app.body.app.role, "services");
  });

  it("a command change rolls the app and never drops below minimumHealthCapacity healthy instances", async () => {
    const before = await tasks("/web");
    const update = httpApp("/web", {
      label: "v2",
      extra: { upgradeStrategy: { minimumHealthCapacity: 0.5, maximumOverCapacity: 0 } },
    });
    const res = await api(base, "PUT", "/v2/apps/web", update);
    assert.equal(res.status, 200);
    const deploymentId = res.body.deploymentId as string;
    const minHealthy = Math.ceil(0.5 * 3);
    const samples: number[] = [];
    await eventually("the rolling deploy to finish", async () => {
      const healthy = (await tasks("/web")).filter(isHealthy).length;
      samples.push(healthy);
      assert.ok(healthy >= minHealthy, `only ${healthy} healthy; samples ${samples.join(",")}`);
      return deploymentGone(deploymentId);
    });
    // Every sample (taken every ~100 ms) held the floor; the assertion above failed fast otherwise.
    assert.ok(samples.length > 1);
    assert.ok(Math.min(...samples) >= minHealthy);
    const after = await tasks("/web");
    assert.equal(after.length, 3);
    assert.ok(after.every(isHealthy));
    const oldIds = new Set(before.map((t) => t.id));
    assert.ok(
      after.every((t) => !oldIds.has(t.id)),
      "every instance was replaced",
    );
    for (const t of after) assert.equal(await label(t), "v2");
  });

  it("a version whose health check fails never replaces all old instances and is rolled back on DELETE /v2/deployments/{id}", async () => {
    const good = await tasks("/web");
    const res = await putUnhealthyVersion(base);
    const deploymentId = res.body.deploymentId as string;
    // The first new instance runs but never becomes healthy: the deployment waits and says why.
    const waiting = await eventually(
      "a bad instance running and the deployment waiting",
      async () => {
        const list = (await api(base, "GET", "/v2/deployments")).body as {
          id: string;
          currentActions: { waitingFor?: string }[];
        }[];
        const d = list.find((x) => x.id === deploymentId);
        const all = await tasks("/web");
        const bad = all.filter((t) => t.version === res.body.version && t.state === "TASK_RUNNING");
        return bad.length > 0 ? d?.currentActions[0]?.waitingFor : undefined;
      },
    );
    assert.match(waiting, /0 of 3 new instances healthy/);
    const during = await tasks("/web");
    const oldHealthy = during.filter((t) => good.some((g) => g.id === t.id) && isHealthy(t));
    assert.ok(oldHealthy.length >= 2, `old healthy instances kept: ${oldHealthy.length}`);

    const cancel = await api(base, "DELETE", `/v2/deployments/${deploymentId}`);
    assert.equal(cancel.status, 200);
    const rollbackId = cancel.body.deploymentId as string;
    await eventually("the rollback deployment to finish", () => deploymentGone(rollbackId));
    const restored = await tasks("/web");
    assert.equal(restored.length, 3);
    assert.ok(restored.every(isHealthy));
    for (const t of restored) assert.equal(await label(t), "v2");
  });

  it("DELETE /v2/deployments/{id}?force=true stops the deployment where it is, without rollback", async () => {
    const res = await putUnhealthyVersion(base);
    const deploymentId = res.body.deploymentId as string;
    await eventually("a bad instance launched", async () =>
      (await tasks("/web")).some((t) => t.version === res.body.version) ? true : undefined,
    );
    const cancel = await api(base, "DELETE", `/v2/deployments/${deploymentId}?force=true`);
    assert.equal(cancel.status, 202);
    assert.equal(await deploymentGone(deploymentId), true);
    assert.equal((await api(base, "GET", "/v2/deployments")).body.length, 0);
    // The app keeps the new (bad) definition: nothing was reverted.
    const app = await api(base, "GET", "/v2/apps/web");
    assert.equal(app.body.app.version, res.body.version);
    assert.match(app.body.app.cmd as string, /--unhealthy/);
    // Put the good version back for the next test (rollback by version id).
    const versions = (await api(base, "GET", "/v2/apps/web/versions")).body.versions as string[];
    const goodVersion = versions.find((v) => v < res.body.version && v !== versions[0]);
    assert.ok(goodVersion !== undefined);
    const back = await api(base, "PUT", "/v2/apps/web?force=true", {
      version: versions[2],
    });
    assert.equal(back.status, 200);
    await eventually("the good version back", () => deploymentGone(back.body.deploymentId));
  });
});

describe("services on a real cluster: automatic rollback and readiness", () => {
  it("with rollbackOnFailure a new version failing its health check within the watch period is rolled back automatically", async () => {
    const upgradeStrategy = {
      minimumHealthCapacity: 0.5,
      maximumOverCapacity: 0,
      watchSeconds: 60,
      rollbackOnFailure: true,
    };
    const ok = httpApp("/auto", { instances: 2, label: "good", extra: { upgradeStrategy } });
    const created = await api(base, "POST", "/v2/apps", ok);
    await eventually("/auto healthy", () =>
      deploymentGone(created.headers.get("Marathon-Deployment-Id") as string),
    );
    const bad = httpApp("/auto", {
      instances: 2,
      label: "bad",
      unhealthy: true,
      extra: { upgradeStrategy },
    });
    // No grace period: the first failed check reports the instance unhealthy.
    const res = await api(base, "PUT", "/v2/apps/auto", {
      ...bad,
      healthChecks: bad.healthChecks.map((c) => ({ ...c, gracePeriodSeconds: 0 })),
    });
    assert.equal(res.status, 200);
    const badVersion = res.body.version as string;
    // The automatic rollback is a new deployment back to the good definition; wait for the app
    // to carry the good command again with no deployment left.
    await eventually("the automatic rollback", async () => {
      const app = (await api(base, "GET", "/v2/apps/auto")).body.app;
      return app.version !== badVersion &&
        !(app.cmd as string).includes("--unhealthy") &&
        app.deployments.length === 0 &&
        app.tasksHealthy === 2
        ? true
        : undefined;
    });
    const after = await tasks("/auto");
    assert.equal(after.length, 2);
    for (const t of after) assert.equal(await label(t), "good");
  });

  it("a readiness check holds the deployment until the instances answer ready", async () => {
    const app = httpApp("/gated", {
      instances: 2,
      extra: {
        // Each instance answers 503 to its first 3 probes (probed every second), then 200.
        env: { NOT_READY_PROBES: "3" },
        readinessChecks: [
          {
            name: "ready",
            protocol: "HTTP",
            path: "/ready",
            portName: "http",
            intervalSeconds: 1,
            timeoutSeconds: 1,
            httpStatusCodesForReady: [200],
          },
        ],
      },
    });
    const created = await api(base, "POST", "/v2/apps", app);
    assert.equal(created.status, 201);
    const deploymentId = created.headers.get("Marathon-Deployment-Id") as string;
    // Both instances run and are healthy, yet the deployment waits: /ready answers 503.
    const notReady = await eventually("a healthy instance probed as not ready", async () => {
      const healthy = new Set((await tasks("/gated")).filter(isHealthy).map((t) => t.id));
      const d = ((await api(base, "GET", "/v2/deployments")).body as Loose[]).find(
        (x) => x.id === deploymentId,
      );
      const results = (d?.currentActions[0]?.readinessCheckResults ?? []) as Loose[];
      return results.find((r) => r.ready === false && healthy.has(r.taskId));
    });
    assert.equal(notReady.name, "ready");
    assert.equal(await deploymentGone(deploymentId), undefined, "still deploying");
    await eventually("the deployment to finish once ready", () => deploymentGone(deploymentId));
    assert.equal((await tasks("/gated")).filter(isHealthy).length, 2);
  });
});

/** Runs `tessera services deploy <file>` against this cluster's API. */
async function cliDeploy(app: object): Promise<{ code: number | null; out: string }> {
  const file = join(cluster.dir, `app-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify(app));
  const bin = new URL("../../../bin/tessera.mjs", import.meta.url).pathname;
  const child = spawn(process.execPath, [bin, "services", "deploy", file, "--url", base], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => {
    out += d.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { code, out };
}

describe("services on a real cluster: the deploy command", () => {
  it("`tessera services deploy app.json` shows progress and exits 0 once the deployment succeeds", async () => {
    const { code, out } = await cliDeploy(httpApp("/cli", { instances: 2, label: "one" }));
    assert.equal(code, 0, out);
    assert.match(out, /\[#{30}\] 2\/2 healthy\n/, "the bar ends full");
    assert.match(out, /deployment \S+ succeeded/);
    const app = await api(base, "GET", "/v2/apps/cli");
    assert.equal(app.body.app.tasksHealthy, 2);
  });

  it("`tessera services deploy` exits 1 when the deployment fails (rolled back automatically)", async () => {
    const bad = httpApp("/cli", { instances: 2, label: "two", unhealthy: true });
    const { code, out } = await cliDeploy({
      ...bad,
      healthChecks: bad.healthChecks.map((c) => ({ ...c, gracePeriodSeconds: 0 })),
      upgradeStrategy: { minimumHealthCapacity: 0.5, rollbackOnFailure: true, watchSeconds: 60 },
    });
    assert.equal(code, 1, out);
    assert.match(out, /deployment \S+ failed: .*rolling back/);
  });
});
