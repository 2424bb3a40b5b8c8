import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { SqliteAppStore } from "../../../src/frameworks/services/app-store.ts";
import { ServicesState } from "../../../src/frameworks/services/services-state.ts";
import { parseWire } from "../../../src/wire/json.ts";
import { Offer as OfferSchema } from "../../../src/wire/offer.ts";
import { roomyOffer, servicesInMemory, uuidNumbered } from "./fixtures.ts";

let nowMs = Date.parse("2024-01-01T00:00:00.000Z");
let ids = 0;
const { effects, state, server } = servicesInMemory({
  nowMs: () => nowMs,
  newId: () => uuidNumbered(++ids),
});
let base = "";

const offer = (n: number, host = `agent${n}`) => roomyOffer(`O${n}`, `S${n}`, host);

async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { "Content-Type": "application/json" },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body:
      text === ""
        ? undefined
        : (() => {
            try {
              return JSON.parse(text);
            } catch {
              return text;
            }
          })(),
  };
}

/** Plays Mesos: launches what is scheduled, reports launched tasks running and killed tasks killed. */
function runEverything() {
  for (let round = 0; round < 20; round++) {
    const out = [
      ...effects.splice(0),
      ...state.tick(nowMs),
      ...state.handleOffers([offer(1), offer(2), offer(3)], nowMs),
    ];
    const work = out.filter((e) => e.kind !== "decline");
    if (work.length === 0) return;
    for (const e of work) {
      if (e.kind === "launch") {
        for (const t of e.tasks)
          effects.push(
            ...state.handleStatus(
              { taskId: t.task_id.value, state: "TASK_RUNNING", agentId: e.agentId },
              nowMs,
            ),
          );
      } else if (e.kind === "kill") {
        effects.push(...state.handleStatus({ taskId: e.taskId, state: "TASK_KILLED" }, nowMs));
      }
    }
  }
}

before(async () => {
  const address = await server.listen(0);
  base = `http://127.0.0.1:${address.port}`;
});
after(async () => {
  await server.close();
});

describe("services REST API", () => {
  test("POST /v2/apps answers 201 with Location, a deployment id and the AppInfo", async () => {
    const res = await call("POST", "/v2/apps", {
      id: "/prod/web",
      cmd: "python3 -m http.server $PORT0",
      instances: 2,
      cpus: 0.1,
      mem: 32,
    });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get("location"), "/v2/apps/prod/web");
    assert.ok(res.headers.get("marathon-deployment-id"));
    assert.equal(res.body.id, "/prod/web");
    assert.equal(res.body.tasksRunning, 0);
    assert.deepEqual(res.body.deployments, [{ id: res.headers.get("marathon-deployment-id") }]);
    assert.equal((await call("GET", "/v2/deployments")).body.length, 1);
  });

  test("creating an existing id is a 409, and a bad definition a 422 that changes nothing", async () => {
    const dup = await call("POST", "/v2/apps", { id: "/prod/web", cmd: "x" });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.message, "An app with id [/prod/web] already exists.");
    const bad = await call("POST", "/v2/apps", { id: "/bad", cmd: "x", instances: -2 });
    assert.equal(bad.status, 422);
    assert.deepEqual(bad.body.details, [
      { path: "/instances", errors: ["got -2, expected 0 or more"] },
    ]);
    assert.equal((await call("GET", "/v2/apps/bad")).status, 404);
    const unparsable = await call("POST", "/v2/apps", "{nope");
    assert.equal(unparsable.status, 400);
  });

  test("the queue says why instances are not launched", async () => {
    const small = parseWire(OfferSchema, {
      id: { value: "small" },
      framework_id: { value: "fw" },
      agent_id: { value: "S9" },
      hostname: "tiny",
      resources: [
        { name: "cpus", type: "SCALAR", scalar: { value: 1 } },
        { name: "mem", type: "SCALAR", scalar: { value: 8 } },
      ],
    });
    assert.ok(small.ok);
    state.handleOffers([small.value], nowMs);
    const res = await call("GET", "/v2/queue?embed=lastUnusedOffers");
    assert.equal(res.status, 200);
    const item = res.body.queue[0];
    assert.equal(item.count, 2);
    assert.equal(item.delay.overdue, true);
    const memory = item.processedOffersSummary.rejectSummaryLastOffers.find(
      (r: { reason: string }) => r.reason === "InsufficientMemory",
    );
    assert.deepEqual(memory, { reason: "InsufficientMemory", declined: 1, processed: 1 });
    assert.deepEqual(item.lastUnusedOffers[0].reason, ["InsufficientMemory"]);
    const deployments = await call("GET", "/v2/deployments");
    assert.match(deployments.body[0].currentActions[0].waitingFor, /InsufficientMemory/);
  });

  test("once tasks run the deployment finishes and tasks show with Marathon's ids", async () => {
    runEverything();
    assert.equal((await call("GET", "/v2/deployments")).body.length, 0);
    const app = await call("GET", "/v2/apps/prod/web");
    assert.equal(app.status, 200);
    assert.equal(app.body.app.tasksRunning, 2);
    assert.equal(app.body.app.tasks.length, 2);
    assert.match(app.body.app.tasks[0].id, /^prod_web\.instance-[0-9a-f-]+\._app\.1$/);
    const tasks = await call("GET", "/v2/apps/prod/web/tasks");
    assert.equal(tasks.body.tasks.length, 2);
    const all = await call("GET", "/v2/tasks?status=running");
    assert.equal(all.body.tasks.length, 2);
  });

  test("a PUT during a deployment is locked (409 with the deployments) unless forced", async () => {
    const first = await call("PUT", "/v2/apps/prod/web", { cmd: "sleep 100" });
    assert.equal(first.status, 200);
    const locked = await call("PUT", "/v2/apps/prod/web", { cmd: "sleep 200" });
    assert.equal(locked.status, 409);
    assert.deepEqual(locked.body.deployments, [{ id: first.body.deploymentId }]);
    const forced = await call("PUT", "/v2/apps/prod/web?force=true", { cmd: "sleep 300" });
    assert.equal(forced.status, 200);
    runEverything();
    runEverything();
    assert.equal((await call("GET", "/v2/apps/prod/web")).body.app.cmd, "sleep 300");
  });

  test("versions are listed and one can be read and rolled back to", async () => {
    const versions = await call("GET", "/v2/apps/prod/web/versions");
    assert.ok(versions.body.versions.length >= 3);
    const oldest = versions.body.versions[versions.body.versions.length - 1];
    const old = await call("GET", `/v2/apps/prod/web/versions/${oldest}`);
    assert.equal(old.body.cmd, "python3 -m http.server $PORT0");
    const rollback = await call("PUT", "/v2/apps/prod/web", { version: oldest });
    assert.equal(rollback.status, 200);
    runEverything();
    runEverything();
    assert.equal(
      (await call("GET", "/v2/apps/prod/web")).body.app.cmd,
      "python3 -m http.server $PORT0",
    );
    assert.equal(
      (await call("PUT", "/v2/apps/prod/web", { version: "1999-01-01T00:00:00.000Z" })).status,
      404,
    );
  });
});

describe("services REST API: restart, kill, cancel, status and events", () => {
  test("restart, kill with and without scale, and delete", async () => {
    nowMs += 1000;
    const restart = await call("POST", "/v2/apps/prod/web/restart");
    assert.equal(restart.status, 200);
    runEverything();
    runEverything();
    const tasks = (await call("GET", "/v2/apps/prod/web/tasks")).body.tasks;
    const killed = await call("POST", "/v2/tasks/delete", { ids: [tasks[0].id] });
    assert.equal(killed.status, 200);
    assert.equal(killed.body.tasks.length, 1);
    assert.equal((await call("POST", "/v2/tasks/delete", { ids: ["nonsense"] })).status, 400);
    runEverything();
    const scaled = await call(
      "DELETE",
      `/v2/apps/prod/web/tasks/${(await call("GET", "/v2/apps/prod/web/tasks")).body.tasks[0].id}?scale=true`,
    );
    assert.ok(scaled.body.deploymentId);
    runEverything();
    assert.equal((await call("GET", "/v2/apps/prod/web")).body.app.instances, 1);
    const deleted = await call("DELETE", "/v2/apps/prod/web");
    assert.equal(deleted.status, 200);
    assert.equal((await call("GET", "/v2/apps/prod/web")).status, 404);
  });

  test("cancelling a deployment reverts it; with force it just stops", async () => {
    const created = await call("POST", "/v2/apps", { id: "/stuck", cmd: "x", mem: 999999 });
    const id = created.headers.get("marathon-deployment-id");
    const cancel = await call("DELETE", `/v2/deployments/${id}`);
    assert.equal(cancel.status, 200);
    assert.equal((await call("GET", "/v2/apps/stuck")).status, 404);
    assert.equal((await call("DELETE", "/v2/deployments/nope")).status, 404);
    const again = await call("POST", "/v2/apps", { id: "/stuck2", cmd: "x", mem: 999999 });
    const forced = await call(
      "DELETE",
      `/v2/deployments/${again.headers.get("marathon-deployment-id")}?force=true`,
    );
    assert.equal(forced.status, 202);
  });

  test("info, leader, ping and metrics answer in Marathon's shapes", async () => {
    assert.equal((await call("GET", "/ping")).body, "pong");
    const info = (await call("GET", "/v2/info")).body;
    assert.equal(info.name, "marathon");
    assert.ok(info.leader);
    assert.ok((await call("GET", "/v2/leader")).body.leader);
    assert.ok((await call("GET", "/metrics")).body.gauges);
    assert.equal((await call("GET", "/v2/nothing")).status, 404);
  });

  test("the event stream sends Marathon's event names as SSE", async () => {
    const controller = new AbortController();
    const res = await fetch(
      `${base}/v2/events?event_type=api_post_event&event_type=deployment_info`,
      {
        headers: { Accept: "text/event-stream" },
        signal: controller.signal,
      },
    );
    assert.equal(res.headers.get("content-type"), "text/event-stream");
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await call("POST", "/v2/apps", { id: "/evented", cmd: "x" });
    let text = "";
    while (!text.includes("event: deployment_info")) {
      const chunk = await reader.read();
      if (chunk.done) break;
      text += new TextDecoder().decode(chunk.value);
    }
    controller.abort();
    assert.match(text, /event: api_post_event\ndata: \{.*"appDefinition"/);
    assert.doesNotMatch(text, /event_stream_attached/);
  });
});

describe("compatibility with Marathon's documented requests", () => {
  test("the docs' examples are accepted as plain HTTP bodies", async () => {
    const examples = [
      '{"id":"/sleep","cmd":"sleep 3600"}',
      '{"id":"basic-0","cmd":"while [ true ] ; do echo \'Hello Marathon\' ; sleep 5 ; done","cpus":0.1,"mem":10.0,"instances":1}',
      '{"id":"/product/service/my-app","cmd":"env && sleep 300","cpus":0.25,"mem":64,"instances":3,"constraints":[["hostname","UNIQUE"]],"ports":[0],"healthChecks":[{"protocol":"HTTP","portIndex":0,"path":"/","gracePeriodSeconds":5,"intervalSeconds":20,"maxConsecutiveFailures":3}],"upgradeStrategy":{"minimumHealthCapacity":0.5,"maximumOverCapacity":0.2}}',
      '{"id":"/nginx","container":{"type":"DOCKER","docker":{"image":"nginx:1.7.7","network":"BRIDGE","portMappings":[{"containerPort":80,"hostPort":0,"protocol":"tcp"}]}},"instances":1,"cpus":0.1,"mem":64}',
      '{"id":"rack-spread","cmd":"sleep 1000","instances":6,"constraints":[["rack_id","GROUP_BY","3"],["rack_id","MAX_PER",2]]}',
    ];
    for (const body of examples) {
      const res = await call("POST", "/v2/apps", body);
      assert.equal(res.status, 201, `${body}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.ports, undefined);
    }
    runEverything();
    const scale = await call("PUT", "/v2/apps/sleep", '{"instances":2}');
    assert.equal(scale.status, 200);
    assert.ok(scale.body.deploymentId);
    assert.ok(scale.body.version);
    const list = await call("GET", "/v2/apps?label=&cmd=sleep");
    assert.ok(list.body.apps.some((a: { id: string }) => a.id === "/sleep"));
  });
});

describe("app store", () => {
  test("the SQLite store keeps apps, the last 50 versions, deployments and the framework id across reopen", () => {
    const dir = mkdtempSync(join(tmpdir(), "tessera-services-"));
    try {
      const store = new SqliteAppStore(dir);
      const s = new ServicesState({ store, newId: () => String(++ids) });
      let t = Date.parse("2024-01-01T00:00:00.000Z");
      s.deploy({ upsert: [{ ...state.app("/sleep" as never)!.app, id: "/kept" }] }, true, t);
      for (let k = 0; k < 60; k++) {
        t += 1000;
        s.deploy({ upsert: [{ ...s.app("/kept" as never)!.app, instances: k }] }, true, t);
      }
      s.setFrameworkId("fw-1");
      store.close();
      const reopened = new SqliteAppStore(dir);
      assert.equal(reopened.frameworkId(), "fw-1");
      assert.equal(reopened.apps()[0]?.app.instances, 59);
      assert.equal(reopened.versions("/kept" as never).length, 50);
      assert.ok(reopened.deployments().length >= 1);
      reopened.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
