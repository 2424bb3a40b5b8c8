// The services page's check of an app definition before it is sent (src/ui/app-check.ts),
// run under Node: each mistake the services API would refuse gets one line naming the field,
// and a definition the API takes passes.
import assert from "node:assert/strict";
import { test } from "node:test";
import { appProblem, definitionOf } from "../../src/ui/app-check.ts";

test("a definition the services API takes passes; each mistake names its field", () => {
  assert.equal(appProblem({ id: "/web/api", cmd: "sleep 9", cpus: 0.1, instances: 2 }), undefined);
  assert.equal(appProblem({ id: "db", args: ["postgres"] }), undefined);
  assert.equal(appProblem({ id: "/box", container: { type: "DOCKER" } }), undefined);
  const cases: [unknown, RegExp][] = [
    [[{ id: "/a" }], /JSON object/],
    [{ cmd: "x" }, /`id`/],
    [{ id: "/", cmd: "x" }, /`id`/],
    [{ id: "/Web", cmd: "x" }, /lowercase/],
    [{ id: "/a", cmd: "x", instances: -1 }, /`instances`/],
    [{ id: "/a", cmd: "x", instances: 1.5 }, /`instances`/],
    [{ id: "/a", cmd: "x", mem: "64" }, /`mem`/],
    [{ id: "/a", cmd: 3 }, /`cmd`/],
    [{ id: "/a", args: "x" }, /`args`/],
    [{ id: "/a", cmd: "x", args: ["y"] }, /not both/],
    [{ id: "/a" }, /`cmd`, `args` or a `container`/],
  ];
  for (const [app, message] of cases)
    assert.match(appProblem(app) ?? "", message, JSON.stringify(app));
});

test("editing an app starts from its definition without the fields the API adds", () => {
  const listed = {
    id: "/a",
    cmd: "x",
    instances: 1,
    version: "2024-01-01T00:00:00.000Z",
    tasksRunning: 1,
    deployments: [],
    lastTaskFailure: { taskId: "t" },
  };
  assert.deepEqual(definitionOf(listed), { id: "/a", cmd: "x", instances: 1 });
});
