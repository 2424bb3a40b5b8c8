import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { parseWire } from "../../../src/wire/json.ts";
import { Offer as OfferSchema } from "../../../src/wire/offer.ts";
import { jsonCall, servicesInMemory, uuidNumbered } from "./fixtures.ts";

const nowMs = Date.parse("2024-01-01T00:00:00.000Z");
let ids = 0;
const { effects, state, server } = servicesInMemory({
  nowMs: () => nowMs,
  newId: () => uuidNumbered(++ids),
});
let base = "";

const call = (method: string, path: string, body?: unknown) => jsonCall(base, method, path, body);

function offer() {
  const parsed = parseWire(OfferSchema, {
    id: { value: "O1" },
    framework_id: { value: "fw" },
    agent_id: { value: "S1" },
    hostname: "agent1",
    resources: [
      { name: "cpus", type: "SCALAR", scalar: { value: 8 } },
      { name: "mem", type: "SCALAR", scalar: { value: 8192 } },
      { name: "disk", type: "SCALAR", scalar: { value: 8192 } },
      { name: "ports", type: "RANGES", ranges: { range: [{ begin: 31000, end: 31100 }] } },
    ],
  });
  assert.ok(parsed.ok);
  return parsed.value;
}

before(async () => {
  base = `http://127.0.0.1:${(await server.listen(0)).port}`;
});
after(async () => {
  await server.close();
});

const pod = {
  id: "/web/duo",
  containers: [
    {
      name: "front",
      resources: { cpus: 0.2, mem: 64 },
      exec: { command: { shell: "serve" } },
      endpoints: [{ name: "http" }],
      healthCheck: { http: { endpoint: "http", path: "/health" }, gracePeriodSeconds: 5 },
    },
    { name: "side", resources: { cpus: 0.1, mem: 32 }, exec: { command: { shell: "tail" } } },
  ],
};

describe("/v2/pods", () => {
  test("a missing id or containers is Marathon's 422; a good pod is 201 with the pod JSON", async () => {
    const bad = await call("POST", "/v2/pods", { containers: [] });
    assert.equal(bad.status, 422);
    assert.deepEqual(bad.body, {
      message: "Object is not valid",
      details: [
        { path: "/id", errors: ["error.path.missing"] },
        { path: "/containers", errors: ["error.minLength"] },
      ],
    });
    const created = await call("POST", "/v2/pods", pod);
    assert.equal(created.status, 201);
    assert.equal(created.headers.get("location"), "/v2/pods/web/duo");
    assert.ok(created.headers.get("marathon-deployment-id"));
    assert.equal(created.body.id, "/web/duo");
    assert.deepEqual(created.body.scaling, { kind: "fixed", instances: 1 });
    assert.equal(created.body.containers[1].name, "side");
    assert.equal((await call("POST", "/v2/pods", pod)).status, 409);
    assert.deepEqual((await call("GET", "/v2/apps")).body.apps, []);
    assert.equal((await call("GET", "/v2/pods")).body.length, 1);
    const [deployment] = (await call("GET", "/v2/deployments")).body;
    assert.deepEqual(deployment.affectedPods, ["/web/duo"]);
    assert.deepEqual(deployment.affectedApps, []);
  });

  test("an instance launches as one task group on the DEFAULT executor", async () => {
    effects.splice(0);
    const out = state.handleOffers([offer()], nowMs);
    const launch = out.find((e) => e.kind === "launch");
    assert.ok(launch?.kind === "launch");
    assert.deepEqual(launch.tasks, []);
    const [group] = launch.groups ?? [];
    assert.equal(group?.executor.type, "DEFAULT");
    const names = group?.tasks.map((t) => t.task_id.value.split(".").at(-1));
    assert.deepEqual(names, ["front", "side"]);
    const front = group?.tasks[0];
    const port = Number(front?.health_check?.http?.port);
    assert.ok(port >= 31000);
    const env = front?.command?.environment?.variables ?? [];
    assert.ok(env.some((v) => v.name === "ENDPOINT_HTTP" && v.value === String(port)));
    const status = (await call("GET", "/v2/pods/web/duo::status")).body;
    assert.equal(status.id, "/web/duo");
    assert.equal(status.status, "DEPLOYING");
    assert.equal(status.instances[0].status, "STAGING");
    assert.deepEqual(
      status.instances[0].containers.map((c: { name: string }) => c.name),
      ["front", "side"],
    );
  });

  test("versions are listed and readable; a PUT replaces the pod, DELETE answers 202", async () => {
    const versions = (await call("GET", "/v2/pods/web/duo::versions")).body;
    assert.equal(versions.length, 1);
    const v = (await call("GET", `/v2/pods/web/duo::versions/${versions[0]}`)).body;
    assert.equal(v.id, "/web/duo");
    const put = await call("PUT", "/v2/pods/web/duo?force=true", {
      ...pod,
      scaling: { kind: "fixed", instances: 2 },
    });
    assert.equal(put.status, 200);
    assert.equal(put.body.scaling.instances, 2);
    const del = await call("DELETE", "/v2/pods/web/duo");
    assert.equal(del.status, 202);
    assert.ok(del.headers.get("marathon-deployment-id"));
    assert.equal((await call("GET", "/v2/pods/nope")).status, 404);
  });
});
