import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, test } from "node:test";
import { parseAppDefinition } from "../../../src/frameworks/services/app-validation.ts";
import type { Instance } from "../../../src/frameworks/services/instance.ts";
import type { AppId } from "../../../src/frameworks/services/path-id.ts";
import { dueProbes, probe, readinessUrl } from "../../../src/frameworks/services/readiness.ts";

function app(extra: object = {}) {
  const parsed = parseAppDefinition({
    id: "/web",
    cmd: "serve",
    portDefinitions: [
      { port: 0, name: "admin" },
      { port: 0, name: "http-api" },
    ],
    readinessChecks: [{ path: "/ready", intervalSeconds: 5, httpStatusCodesForReady: [204] }],
    ...extra,
  });
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.failure));
  return parsed.app;
}

function instance(over: Partial<Instance> = {}): Instance {
  return {
    instanceId: "web.instance-1",
    appId: "/web" as AppId,
    version: "v",
    configVersion: "v",
    incarnation: 1,
    goal: "Running",
    state: "TASK_RUNNING",
    agentId: "S1",
    agent: { hostname: "node-1", ip: "127.0.0.1", attributes: [] },
    hostPorts: [31000, 31001],
    healthy: undefined,
    ready: false,
    stagedAtMs: 0,
    startedAtMs: 0,
    createdAtMs: 0,
    ...over,
  };
}

describe("readiness checks", () => {
  test("the probe URL uses the host port of the port named by portName and the agent's IP", () => {
    const a = app();
    const check = a.readinessChecks[0];
    assert.ok(check !== undefined);
    assert.equal(readinessUrl(a, check, instance()), "http://127.0.0.1:31001/ready");
  });

  test("a readiness check naming an unknown port is refused with its field path", () => {
    const parsed = parseAppDefinition({
      id: "/web",
      cmd: "serve",
      portDefinitions: [{ port: 0, name: "admin" }],
      readinessChecks: [{ portName: "nope" }],
    });
    assert.ok(!parsed.ok);
    assert.equal(parsed.failure.status, 422);
    assert.deepEqual(
      parsed.failure.body.details.map((d) => d.path),
      ["/readinessChecks(0)/portName"],
    );
  });

  test("probes are due for running, not-ready instances (healthy first when health-checked), spaced by the interval", () => {
    const a = app();
    const apps = new Map([["/web", a]]);
    assert.equal(dueProbes(apps, [instance()], new Map(), 0).length, 1);
    assert.equal(dueProbes(apps, [instance({ ready: true })], new Map(), 0).length, 0);
    assert.equal(dueProbes(apps, [instance({ state: "TASK_STAGING" })], new Map(), 0).length, 0);
    const last = new Map([["web.instance-1._app.1", 0]]);
    assert.equal(dueProbes(apps, [instance()], last, 4_999).length, 0);
    assert.equal(dueProbes(apps, [instance()], last, 5_000).length, 1);
    const checked = app({
      healthChecks: [{ protocol: "MESOS_TCP", portIndex: 0 }],
    });
    const checkedApps = new Map([["/web", checked]]);
    assert.equal(dueProbes(checkedApps, [instance()], new Map(), 0).length, 0);
    assert.equal(dueProbes(checkedApps, [instance({ healthy: true })], new Map(), 0).length, 1);
  });

  test("a probe is ready only for a status in httpStatusCodesForReady; errors are not ready", async () => {
    let status = 200;
    const server = createServer((_req, res) => {
      res.statusCode = status;
      res.end();
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const port = (server.address() as AddressInfo).port;
    try {
      const a = app();
      const check = a.readinessChecks[0];
      assert.ok(check !== undefined);
      const target = {
        instanceId: "web.instance-1",
        incarnation: 1,
        taskId: "web.instance-1._app.1",
        check,
        url: `http://127.0.0.1:${port}/ready`,
      };
      assert.equal((await probe(target)).ready, false, "200 is not in [204]");
      status = 204;
      const ready = await probe(target);
      assert.equal(ready.ready, true);
      assert.equal(ready.name, "readinessCheck");
      assert.equal(ready.taskId, "web.instance-1._app.1");
      server.close();
      await once(server, "close");
      assert.equal((await probe(target)).ready, false, "connection refused");
    } finally {
      server.close();
    }
  });
});
