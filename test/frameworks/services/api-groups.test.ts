import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { ServicesEffect } from "../../../src/frameworks/services/services-state.ts";
import { jsonCall, roomyOffer, servicesInMemory, uuidNumbered } from "./fixtures.ts";

let nowMs = Date.parse("2024-01-01T00:00:00.000Z");
let ids = 0;
const { effects, state, server } = servicesInMemory({
  nowMs: () => nowMs,
  newId: () => uuidNumbered(++ids),
});
let base = "";

const call = (method: string, path: string, body?: unknown) => jsonCall(base, method, path, body);

/** One round of Mesos: offers in; launched tasks reported running, killed ones killed. */
function round(): string[] {
  nowMs += 1000;
  const out: ServicesEffect[] = [
    ...effects.splice(0),
    ...state.tick(nowMs),
    ...state.handleOffers([roomyOffer(`O${nowMs}`, "S1", "agent1")], nowMs),
  ];
  const launched: string[] = [];
  for (const e of out) {
    if (e.kind === "launch") {
      for (const t of e.tasks) {
        launched.push(t.task_id.value);
        effects.push(
          ...state.handleStatus(
            { taskId: t.task_id.value, state: "TASK_RUNNING", agentId: e.agentId },
            nowMs,
          ),
        );
      }
    } else if (e.kind === "kill") {
      effects.push(...state.handleStatus({ taskId: e.taskId, state: "TASK_KILLED" }, nowMs));
    }
  }
  return launched;
}

function settle(): void {
  for (let k = 0; k < 20 && state.deployments().length > 0; k++) round();
  assert.equal(state.deployments().length, 0, "every deployment finished");
}

before(async () => {
  const address = await server.listen(0);
  base = `http://127.0.0.1:${address.port}`;
});
after(async () => {
  await server.close();
});

const app = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  cmd: "sleep 1000",
  cpus: 0.1,
  mem: 16,
  ...extra,
});

describe("/v2/groups", () => {
  test("POST creates a nested group; apps start in dependency order, a dependency running first", async () => {
    const res = await call("POST", "/v2/groups", {
      id: "shop",
      apps: [app("web", { dependencies: ["/shop/back/api"] })],
      groups: [{ id: "back", apps: [app("api", { dependencies: ["db"] }), app("db")] }],
    });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get("location"), "/v2/groups/shop");
    assert.ok(res.body.deploymentId);
    assert.equal(res.headers.get("marathon-deployment-id"), res.body.deploymentId);
    assert.match(res.body.version, /^\d{4}-\d\d-\d\dT/);
    const [plan] = (await call("GET", "/v2/deployments")).body;
    const scaleSteps = plan.steps
      .map((s: { actions: { action: string; app: string }[] }) => s.actions)
      .filter((a: { action: string }[]) => a[0]?.action === "ScaleApplication")
      .map((a: { app: string }[]) => a.map((x) => x.app));
    assert.deepEqual(scaleSteps, [["/shop/back/db"], ["/shop/back/api"], ["/shop/web"]]);
    // Mesos launches only what is scheduled: each layer once the one before runs.
    const order = [round(), round(), round()].map((l) => l.map((t) => t.split(".instance")[0]));
    assert.deepEqual(order, [["shop_back_db"], ["shop_back_api"], ["shop_web"]]);
    settle();
    const again = await call("POST", "/v2/groups", { id: "/shop" });
    assert.equal(again.status, 409);
    assert.equal(
      again.body.message,
      "Group /shop is already created. Use PUT to change this group.",
    );
  });

  test("GET shows the tree with Marathon's embeds; unknown groups are 404", async () => {
    const shop = (await call("GET", "/v2/groups/shop")).body;
    assert.equal(shop.id, "/shop");
    assert.deepEqual(
      shop.apps.map((a: { id: string }) => a.id),
      ["/shop/web"],
    );
    assert.deepEqual(shop.groups[0].id, "/shop/back");
    assert.deepEqual(
      shop.groups[0].apps.map((a: { id: string }) => a.id),
      ["/shop/back/api", "/shop/back/db"],
    );
    assert.deepEqual(shop.pods, []);
    assert.equal(shop.apps[0].tasksRunning, undefined, "no counts without embed");
    const root = (await call("GET", "/v2/groups?embed=group.groups")).body;
    assert.equal(root.id, "/");
    assert.deepEqual(root.apps, []);
    assert.equal(root.groups[0].id, "/shop");
    const counted = (await call("GET", "/v2/groups/shop?embed=group.apps&embed=group.apps.counts"))
      .body;
    assert.equal(counted.apps[0].tasksRunning, 1);
    const missing = await call("GET", "/v2/groups/nope");
    assert.equal(missing.status, 404);
    assert.equal(missing.body.message, "Group '/nope' does not exist");
  });

  test("PUT scaleBy multiplies every instance count below the group", async () => {
    const res = await call("PUT", "/v2/groups/shop/back", { scaleBy: 2 });
    assert.equal(res.status, 200);
    assert.ok(res.body.deploymentId);
    settle();
    assert.equal(state.app("/shop/back/api" as never)?.app.instances, 2);
    assert.equal(state.app("/shop/back/db" as never)?.app.instances, 2);
    assert.equal(state.app("/shop/web" as never)?.app.instances, 1);
    assert.equal(state.instancesOf("/shop/back/db" as never).length, 2);
  });

  test("versions are listed, one can be read and the group rolled back to it", async () => {
    const versions = (await call("GET", "/v2/groups/shop/back/versions")).body;
    assert.ok(Array.isArray(versions));
    assert.equal(versions.length, 2);
    const first = versions[1];
    const then = (await call("GET", `/v2/groups/shop/back/versions/${first}`)).body;
    assert.equal(then.apps.find((a: { id: string }) => a.id === "/shop/back/db").instances, 1);
    const back = await call("PUT", "/v2/groups/shop/back", { version: first });
    assert.equal(back.status, 200);
    settle();
    assert.equal(state.app("/shop/back/db" as never)?.app.instances, 1);
  });

  test("PUT with apps replaces the group's apps; dryRun only shows the steps", async () => {
    const dry = await call("PUT", "/v2/groups/shop/back?dryRun=true", {
      apps: [app("db", { instances: 3 })],
    });
    assert.equal(dry.status, 200);
    assert.deepEqual(dry.body.steps, [
      { actions: [{ action: "StopApplication", app: "/shop/back/api" }] },
      // A group body holds whole definitions: db's is replaced (its port 0 is new), a restart.
      { actions: [{ action: "RestartApplication", app: "/shop/back/db" }] },
    ]);
    assert.ok(state.app("/shop/back/api" as never), "dryRun changed nothing");
    const res = await call("PUT", "/v2/groups/shop/back", { apps: [app("db", { instances: 3 })] });
    assert.equal(res.status, 200);
    settle();
    assert.equal(state.app("/shop/back/api" as never), undefined);
    assert.equal(state.app("/shop/back/db" as never)?.app.instances, 3);
  });

  test("a group's dependencies order its apps after the group it depends on", async () => {
    const res = await call("POST", "/v2/groups", {
      id: "/tiers",
      groups: [
        { id: "web", dependencies: ["/tiers/db"], apps: [app("front")] },
        { id: "db", apps: [app("pg")] },
      ],
    });
    assert.equal(res.status, 201);
    const plan = (await call("GET", "/v2/deployments")).body.find(
      (d: { id: string }) => d.id === res.body.deploymentId,
    );
    const scale = plan.steps
      .map((s: { actions: { action: string; app: string }[] }) => s.actions)
      .filter((a: { action: string }[]) => a[0]?.action === "ScaleApplication")
      .map((a: { app: string }[]) => a.map((x) => x.app));
    assert.deepEqual(scale, [["/tiers/db/pg"], ["/tiers/web/front"]]);
    settle();
    assert.equal((await call("DELETE", "/v2/groups/tiers")).status, 200);
    settle();
  });

  test("a bad app in a group is a 422 at its path; DELETE removes every app below", async () => {
    const bad = await call("POST", "/v2/groups", {
      id: "/bad",
      apps: [{ id: "x", cmd: "x", instances: -1 }, { cmd: "y" }],
    });
    assert.equal(bad.status, 422);
    assert.equal(bad.body.message, "Object is not valid");
    assert.deepEqual(bad.body.details, [
      { path: "/apps(0)/instances", errors: ["got -1, expected 0 or more"] },
    ]);
    const noId = await call("POST", "/v2/groups", { id: "/bad", apps: [{ cmd: "y" }] });
    assert.deepEqual(noId.body.details, [{ path: "/apps(0)/id", errors: ["error.path.missing"] }]);
    const del = await call("DELETE", "/v2/groups/shop");
    assert.equal(del.status, 200);
    assert.ok(del.body.deploymentId);
    settle();
    assert.deepEqual(
      state.apps().map((v) => v.app.id),
      [],
    );
    assert.equal((await call("GET", "/v2/groups/shop")).status, 404);
  });
});
