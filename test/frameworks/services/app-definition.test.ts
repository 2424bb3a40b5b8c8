import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  appToJson,
  isUpgrade,
  mergePartialUpdate,
} from "../../../src/frameworks/services/app-json.ts";
import { parseAppDefinition } from "../../../src/frameworks/services/app-validation.ts";
import { parseAppId } from "../../../src/frameworks/services/path-id.ts";

function parseOk(input: unknown) {
  const r = parseAppDefinition(input);
  assert.ok(r.ok, r.ok ? "" : JSON.stringify(r.failure));
  return r.app;
}

function parseFail(input: unknown) {
  const r = parseAppDefinition(input);
  assert.ok(!r.ok, "expected a validation failure");
  return r.failure;
}

const at = "2015-09-25T15:13:48.343Z";

describe("app definition", () => {
  test("the minimal app gets Marathon's defaults", () => {
    const app = parseOk({ id: "/sleep", cmd: "sleep 3600" });
    assert.equal(app.instances, 1);
    assert.equal(app.cpus, 1);
    assert.equal(app.mem, 128);
    assert.equal(app.disk, 0);
    assert.equal(app.gpus, 0);
    assert.deepEqual(app.portDefinitions, [{ port: 0, protocol: "tcp", name: "default" }]);
    assert.equal(app.backoffSeconds, 1);
    assert.equal(app.backoffFactor, 1.15);
    assert.equal(app.maxLaunchDelaySeconds, 300);
    assert.deepEqual(app.upgradeStrategy, { minimumHealthCapacity: 1, maximumOverCapacity: 1 });
    assert.deepEqual(app.unreachableStrategy, { inactiveAfterSeconds: 0, expungeAfterSeconds: 0 });
    assert.equal(app.killSelection, "YOUNGEST_FIRST");
    assert.equal(app.requirePorts, false);
    assert.equal(app.role, "*");
    assert.deepEqual(app.networks, [{ mode: "host" }]);
  });

  test("relative ids resolve against the root and output ids are absolute", () => {
    assert.equal(parseOk({ id: "myapp", cmd: "x" }).id, "/myapp");
    assert.equal(parseOk({ id: "/prod/web/../api", cmd: "x" }).id, "/prod/api");
    assert.deepEqual(parseAppId("a.b-c/d"), { ok: true, id: "/a.b-c/d" });
  });

  test("ids with upper case, underscores or a reserved last segment are refused at /id", () => {
    for (const id of ["/MyApp", "/my_app", "/foo/restart", "/foo/tasks", "/-x", ""]) {
      const failure = parseFail({ id, cmd: "x" });
      assert.equal(failure.status, 422, id);
      assert.equal(failure.body.details[0]?.path, "/id", id);
    }
  });

  test("negative instances are a 422 at /instances and a capacity above 1 at its nested path", () => {
    const failure = parseFail({
      id: "/a",
      cmd: "x",
      instances: -1,
      upgradeStrategy: { minimumHealthCapacity: 1.5 },
    });
    assert.equal(failure.status, 422);
    assert.equal(failure.body.message, "Object is not valid");
    assert.deepEqual(failure.body.details, [
      { path: "/instances", errors: ["got -1, expected 0 or more"] },
      { path: "/upgradeStrategy/minimumHealthCapacity", errors: ["is greater than 1"] },
    ]);
  });

  test("a wrong JSON type is a 400 Invalid JSON with the expected type", () => {
    const failure = parseFail({ id: 5, cmd: "x" });
    assert.equal(failure.status, 400);
    assert.deepEqual(failure.body, {
      message: "Invalid JSON",
      details: [{ path: "/id", errors: ["error.expected.jsstring"] }],
    });
  });

  test("a missing id is a 422 Object is not valid with error.path.missing at /id", () => {
    const failure = parseFail({ cmd: "x" });
    assert.equal(failure.status, 422);
    assert.deepEqual(failure.body, {
      message: "Object is not valid",
      details: [{ path: "/id", errors: ["error.path.missing"] }],
    });
  });

  test("an app without cmd, args or container is refused with Marathon's message", () => {
    const failure = parseFail({ id: "/a" });
    assert.equal(failure.status, 422);
    assert.match(
      failure.body.details[0]?.errors[0] ?? "",
      /must either contain one of 'cmd' or 'args'/,
    );
    assert.equal(parseFail({ id: "/a", cmd: "x", args: ["y"] }).status, 422);
  });

  test("a health check port index past the ports is refused at the health check's path", () => {
    const failure = parseFail({
      id: "/a",
      cmd: "x",
      portDefinitions: [],
      healthChecks: [{ protocol: "HTTP" }],
    });
    assert.equal(failure.body.details[0]?.path, "/healthChecks(0)");
  });
});

describe("app definition: legacy fields, constraints, output and partial updates", () => {
  test("legacy ports and uris become portDefinitions and fetch", () => {
    const app = parseOk({
      id: "/a",
      cmd: "x",
      ports: [0, 8080],
      uris: ["http://x/a.tgz", "http://x/b.sh"],
    });
    assert.deepEqual(app.portDefinitions, [
      { port: 0, protocol: "tcp" },
      { port: 8080, protocol: "tcp" },
    ]);
    assert.deepEqual(
      app.fetch.map((f) => [f.uri, f.extract]),
      [
        ["http://x/a.tgz", true],
        ["http://x/b.sh", false],
      ],
    );
  });

  test("legacy docker network and port mappings move to networks and container.portMappings", () => {
    const app = parseOk({
      id: "/web",
      container: {
        type: "DOCKER",
        docker: { image: "nginx", network: "BRIDGE", portMappings: [{ containerPort: 80 }] },
      },
    });
    assert.deepEqual(app.networks, [{ mode: "container/bridge" }]);
    assert.equal(app.container?.portMappings?.[0]?.containerPort, 80);
    const json = appToJson({ app, version: at, lastScalingAt: at, lastConfigChangeAt: at });
    assert.equal(json.portDefinitions, undefined);
    assert.equal("ports" in json, false);
  });

  test("numeric constraint values are accepted as strings and bad operators are refused", () => {
    assert.deepEqual(
      parseOk({ id: "/a", cmd: "x", constraints: [["rack", "GROUP_BY", 3]] }).constraints,
      [["rack", "GROUP_BY", "3"]],
    );
    const failure = parseFail({ id: "/a", cmd: "x", constraints: [["rack", "NEAR"]] });
    assert.equal(failure.body.details[0]?.path, "/constraints(0)");
  });

  test("output omits empty collections and carries the version info", () => {
    const app = parseOk({ id: "/a", cmd: "x" });
    const json = appToJson({ app, version: at, lastScalingAt: at, lastConfigChangeAt: at });
    assert.equal("env" in json, false);
    assert.equal("constraints" in json, false);
    assert.equal(json.version, at);
    assert.deepEqual(json.versionInfo, { lastScalingAt: at, lastConfigChangeAt: at });
  });

  test("a partial update keeps omitted fields; only an instance change is a scale", () => {
    const app = parseOk({ id: "/a", cmd: "x", mem: 64, labels: { a: "b" } });
    const scaled = parseOk(mergePartialUpdate(app, { instances: 5 }));
    assert.equal(scaled.mem, 64);
    assert.equal(scaled.instances, 5);
    assert.equal(isUpgrade(app, scaled), false);
    const changed = parseOk(mergePartialUpdate(app, { cmd: "y" }));
    assert.equal(isUpgrade(app, changed), true);
    assert.deepEqual(changed.labels, { a: "b" });
  });
});
