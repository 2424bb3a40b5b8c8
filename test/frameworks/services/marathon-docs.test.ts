// Drives the services API only with plain HTTP requests shaped as in Marathon's public REST
// documentation (bodies written here from the documented shapes): create, list, show, scale,
// versions, restart, tasks, kill, deployments, queue, info, leader, ping, metrics, delete — and
// the documented error answers. Mesos is played in-process (offers and updates) behind it.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Loose } from "../../master/http/helpers.ts";
import { roomyOffer, servicesInMemory, uuidNumbered } from "./fixtures.ts";
import { api } from "./real-cluster.ts";

let ids = 0;
const nowMs = Date.parse("2024-06-01T00:00:00.000Z");
const { effects, state, server } = servicesInMemory({
  nowMs: () => nowMs,
  newId: () => uuidNumbered(++ids),
  role: "services",
});
let base = "";

const offer = (n: number) => roomyOffer(`D${n}-${++ids}`, `S${n}`, `node-${n}`);

/** Plays Mesos: scheduled tasks launch, run and pass their checks; killed ones end KILLED. */
function playMesos(): void {
  for (let round = 0; round < 20; round++) {
    const out = [
      ...effects.splice(0),
      ...state.tick(nowMs),
      ...state.handleOffers([offer(1), offer(2), offer(3)], nowMs),
    ].filter((e) => e.kind !== "decline");
    if (out.length === 0) return;
    for (const e of out) {
      if (e.kind === "launch")
        for (const t of e.tasks)
          effects.push(
            ...state.handleStatus(
              { taskId: t.task_id.value, state: "TASK_RUNNING", agentId: e.agentId, healthy: true },
              nowMs,
            ),
          );
      else if (e.kind === "kill")
        effects.push(...state.handleStatus({ taskId: e.taskId, state: "TASK_KILLED" }, nowMs));
    }
  }
}

const http = (method: string, path: string, body?: string) => api(base, method, path, body);

before(async () => {
  base = `http://127.0.0.1:${(await server.listen(0)).port}`;
});
after(async () => {
  await server.close();
});

describe("Marathon's documented REST requests", () => {
  test("POST /v2/apps with the documented app answers 201, Location and Marathon-Deployment-Id", async () => {
    const res = await http(
      "POST",
      "/v2/apps",
      `{
        "id": "/product/service/my-app",
        "cmd": "env && sleep 300",
        "cpus": 0.25,
        "mem": 64.0,
        "instances": 3,
        "constraints": [["hostname", "UNIQUE"]],
        "portDefinitions": [{ "port": 0, "name": "http" }],
        "healthChecks": [
          { "protocol": "MESOS_HTTP", "portIndex": 0, "path": "/", "gracePeriodSeconds": 5,
            "intervalSeconds": 20, "maxConsecutiveFailures": 3 }
        ],
        "upgradeStrategy": { "minimumHealthCapacity": 0.5, "maximumOverCapacity": 0.2 },
        "labels": { "owner": "team-a" }
      }`,
    );
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.headers.get("location"), "/v2/apps/product/service/my-app");
    assert.ok(res.headers.get("marathon-deployment-id"));
    assert.equal(res.body.id, "/product/service/my-app");
    assert.equal(res.body.instances, 3);
    assert.equal(res.body.role, "services");
    assert.deepEqual(res.body.versionInfo.lastConfigChangeAt, res.body.version);
    assert.equal(res.body.deployments.length, 1);
  });

  test("GET /v2/deployments shows the running deployment with its steps", async () => {
    const res = await http("GET", "/v2/deployments");
    assert.equal(res.status, 200);
    const [d] = res.body as Loose[];
    assert.deepEqual(d.affectedApps, ["/product/service/my-app"]);
    assert.equal(d.totalSteps, d.steps.length);
    assert.equal(d.currentActions[0].app, "/product/service/my-app");
  });

  test("GET /v2/apps?embed=apps.tasks and GET /v2/apps/{id} list the running tasks", async () => {
    playMesos();
    const list = await http("GET", "/v2/apps?embed=apps.tasks");
    assert.equal(list.status, 200);
    const [app] = list.body.apps as Loose[];
    assert.equal(app.tasks.length, 3);
    assert.equal(app.tasksRunning, 3);
    const one = await http("GET", "/v2/apps/product/service/my-app");
    assert.equal(one.status, 200);
    assert.equal(one.body.app.tasks.length, 3);
    const hosts = new Set((one.body.app.tasks as Loose[]).map((t) => t.host));
    assert.equal(hosts.size, 3, "UNIQUE hostname spread the instances");
    const task = one.body.app.tasks[0];
    assert.match(task.id, /^product_service_my-app\.instance-[0-9a-f-]+\._app\.1$/);
    for (const field of ["appId", "host", "ports", "slaveId", "stagedAt", "startedAt", "version"])
      assert.ok(field in task, field);
  });

  test("GET /v2/apps filters by cmd, id and label selector", async () => {
    const byCmd = await http("GET", "/v2/apps?cmd=sleep");
    assert.equal(byCmd.body.apps.length, 1);
    const byId = await http("GET", "/v2/apps?id=nothing-like-it");
    assert.equal(byId.body.apps.length, 0);
    const byLabel = await http("GET", "/v2/apps?label=owner==team-a");
    assert.equal(byLabel.body.apps.length, 1);
  });

  test("PUT /v2/apps/{id} with {instances} scales; GET .../versions lists both versions", async () => {
    const res = await http("PUT", "/v2/apps/product/service/my-app", '{"instances": 2}');
    assert.equal(res.status, 200);
    assert.ok(res.body.deploymentId && res.body.version);
    playMesos();
    const tasks = await http("GET", "/v2/apps/product/service/my-app/tasks");
    assert.equal(tasks.body.tasks.length, 2);
    const versions = await http("GET", "/v2/apps/product/service/my-app/versions");
    assert.equal(versions.body.versions.length, 2);
    const old = await http(
      "GET",
      `/v2/apps/product/service/my-app/versions/${versions.body.versions[1]}`,
    );
    assert.equal(old.status, 200);
    assert.equal(old.body.instances, 3);
  });

  test("POST /v2/apps/{id}/restart starts a rolling restart deployment", async () => {
    const res = await http("POST", "/v2/apps/product/service/my-app/restart", "{}");
    assert.equal(res.status, 200);
    assert.ok(res.headers.get("marathon-deployment-id"));
    playMesos();
    assert.equal((await http("GET", "/v2/deployments")).body.length, 0);
  });
});

describe("Marathon's documented REST requests: kills, queue, rollback, status and errors", () => {
  test("DELETE /v2/apps/{id}/tasks/{taskId}?scale=true kills one task and scales down", async () => {
    const tasks = (await http("GET", "/v2/apps/product/service/my-app/tasks")).body.tasks;
    const res = await http(
      "DELETE",
      `/v2/apps/product/service/my-app/tasks/${tasks[0].id}?scale=true`,
    );
    assert.equal(res.status, 200);
    assert.ok(res.body.deploymentId);
    playMesos();
    const app = await http("GET", "/v2/apps/product/service/my-app");
    assert.equal(app.body.app.instances, 1);
  });

  test("POST /v2/tasks/delete kills tasks by id (replaced without scale)", async () => {
    const [task] = (await http("GET", "/v2/tasks")).body.tasks as Loose[];
    const res = await http("POST", "/v2/tasks/delete", JSON.stringify({ ids: [task.id] }));
    assert.equal(res.status, 200);
    assert.equal(res.body.tasks[0].id, task.id);
    playMesos();
    const after = (await http("GET", "/v2/tasks?status=running")).body.tasks as Loose[];
    assert.equal(after.length, 1);
    assert.notEqual(after[0].id, task.id);
  });

  test("GET /v2/queue lists apps waiting for offers with a delay and offer summary", async () => {
    const res = await http(
      "POST",
      "/v2/apps",
      '{"id": "/huge", "cmd": "sleep 1", "cpus": 64, "mem": 16, "instances": 1}',
    );
    assert.equal(res.status, 201);
    playMesos();
    const queue = await http("GET", "/v2/queue");
    assert.equal(queue.status, 200);
    const item = (queue.body.queue as Loose[]).find((q) => q.app.id === "/huge");
    assert.equal(item.count, 1);
    assert.ok("delay" in item && "processedOffersSummary" in item);
    const reasons = (item.processedOffersSummary.rejectSummaryLastOffers as Loose[])
      .filter((r) => r.declined > 0)
      .map((r) => r.reason);
    assert.ok(reasons.includes("InsufficientCpus"), JSON.stringify(reasons));
  });

  test("DELETE /v2/deployments/{id} rolls back; the app is gone again", async () => {
    const [d] = (await http("GET", "/v2/deployments")).body as Loose[];
    const res = await http("DELETE", `/v2/deployments/${d.id}`);
    assert.equal(res.status, 200);
    assert.ok(res.body.deploymentId);
    playMesos();
    assert.equal((await http("GET", "/v2/apps/huge")).status, 404);
  });

  test("GET /v2/info, /v2/leader, /ping and /metrics answer", async () => {
    const info = await http("GET", "/v2/info");
    assert.equal(info.status, 200);
    assert.equal(info.body.marathon_config.mesos_role, "services");
    assert.ok("version" in info.body && "leader" in info.body);
    const leader = await http("GET", "/v2/leader");
    assert.match(leader.body.leader, /^127\.0\.0\.1:\d+$/);
    const ping = await http("GET", "/ping");
    assert.equal(ping.status, 200);
    assert.equal(ping.body, "pong");
    const metrics = await http("GET", "/metrics");
    assert.ok("gauges" in metrics.body);
  });

  test("documented errors: 404 unknown app and deployment, 409 locked, 422 with field paths", async () => {
    assert.equal((await http("GET", "/v2/apps/no/such/app")).status, 404);
    const missing = await http("DELETE", "/v2/deployments/no-such-deployment");
    assert.equal(missing.status, 404);
    assert.ok(missing.body.message);

    const bad = await http(
      "POST",
      "/v2/apps",
      '{"id": "/bad", "cmd": "sleep 1", "cpus": -1, "instances": -3}',
    );
    assert.equal(bad.status, 422);
    const paths = (bad.body.details as Loose[]).map((d) => d.path);
    assert.ok(paths.includes("/cpus") && paths.includes("/instances"), JSON.stringify(paths));
    assert.equal((await http("GET", "/v2/apps/bad")).status, 404, "nothing was created");

    // A change while another deployment of the app runs is locked unless forced.
    await http("PUT", "/v2/apps/product/service/my-app", '{"instances": 3}');
    const locked = await http("PUT", "/v2/apps/product/service/my-app", '{"instances": 4}');
    assert.equal(locked.status, 409);
    assert.ok(Array.isArray(locked.body.deployments));
    const forced = await http(
      "PUT",
      "/v2/apps/product/service/my-app?force=true",
      '{"instances": 4}',
    );
    assert.equal(forced.status, 200);
  });

  test("DELETE /v2/apps/{id} removes the app with a deployment", async () => {
    const res = await http("DELETE", "/v2/apps/product/service/my-app");
    assert.equal(res.status, 200);
    assert.ok(res.body.deploymentId);
    playMesos();
    assert.equal((await http("GET", "/v2/apps")).body.apps.length, 0);
    assert.equal((await http("GET", "/v2/tasks")).body.tasks.length, 0);
  });
});
