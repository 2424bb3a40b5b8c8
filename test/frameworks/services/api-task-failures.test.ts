// Marathon's lastTaskFailure on the services API (reference §1.7): an app's task that ends
// without the framework asking shows as the app's last failure on /v2/apps/{id} (always) and on
// /v2/apps with embed=apps.lastTaskFailure; kills the framework sent (a restart) do not; the
// record goes with the app.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { ServicesEffect } from "../../../src/frameworks/services/services-state.ts";
import { jsonCall, roomyOffer, servicesInMemory, uuidNumbered } from "./fixtures.ts";

let nowMs = Date.parse("2024-03-01T10:00:00.000Z");
let ids = 0;
const { effects, state, server } = servicesInMemory({
  nowMs: () => nowMs,
  newId: () => uuidNumbered(++ids),
});
let base = "";
const call = (method: string, path: string, body?: unknown) => jsonCall(base, method, path, body);

before(async () => {
  base = `http://127.0.0.1:${(await server.listen(0)).port}`;
});
after(async () => {
  await server.close();
});

/** A minute later (past any launch delay), launches what waits on an offer of agent S1. */
function launchAll(): string[] {
  nowMs += 60_000;
  const out: ServicesEffect[] = [
    ...effects.splice(0),
    ...state.tick(nowMs),
    ...state.handleOffers([roomyOffer("O1", "S1", "host-one")], nowMs),
  ];
  return out.flatMap((e) => (e.kind === "launch" ? e.tasks.map((t) => t.task_id.value) : []));
}

function status(taskId: string, taskState: string, message?: string): ServicesEffect[] {
  return state.handleStatus(
    {
      taskId,
      state: taskState as "TASK_RUNNING",
      agentId: "S1",
      ...(message === undefined ? {} : { message }),
    },
    nowMs,
  );
}

test("a task that fails by itself is the app's lastTaskFailure, with Marathon's fields", async () => {
  const created = await call("POST", "/v2/apps", { id: "/flaky", cmd: "exit 1", cpus: 0.1 });
  assert.equal(created.status, 201);
  const [taskId] = launchAll();
  assert.ok(taskId !== undefined, "a task was launched");
  status(taskId, "TASK_RUNNING");
  const before = await call("GET", "/v2/apps/flaky");
  assert.equal(before.body.app.lastTaskFailure, undefined, "no failure yet");

  status(taskId, "TASK_FAILED", "Command exited with status 1");
  const got = await call("GET", "/v2/apps/flaky");
  assert.deepEqual(got.body.app.lastTaskFailure, {
    appId: "/flaky",
    host: "host-one",
    message: "Command exited with status 1",
    state: "TASK_FAILED",
    taskId,
    timestamp: new Date(nowMs).toISOString(),
    version: got.body.app.version,
    slaveId: "S1",
  });
  const plain = await call("GET", "/v2/apps");
  assert.equal(plain.body.apps[0].lastTaskFailure, undefined, "only embedded on request");
  const embedded = await call("GET", "/v2/apps?embed=apps.lastTaskFailure");
  assert.equal(embedded.body.apps[0].lastTaskFailure.taskId, taskId);
  const group = await call("GET", "/v2/groups?embed=group.apps&embed=group.apps.lastTaskFailure");
  assert.equal(group.body.apps[0].lastTaskFailure.taskId, taskId);
});

/** Plays Mesos until quiet: what is launched runs, what is killed ends TASK_KILLED. */
function play(): void {
  for (let round = 0; round < 20; round++) {
    nowMs += 60_000;
    const out = [
      ...effects.splice(0),
      ...state.tick(nowMs),
      ...state.handleOffers([roomyOffer(`O${round}`, "S1", "host-one")], nowMs),
    ];
    const work = out.filter((e) => e.kind === "launch" || e.kind === "kill");
    if (work.length === 0) return;
    for (const e of work) {
      if (e.kind === "launch")
        for (const t of e.tasks) effects.push(...status(t.task_id.value, "TASK_RUNNING"));
      else if (e.kind === "kill") effects.push(...status(e.taskId, "TASK_KILLED"));
    }
  }
}

const runningTasks = () =>
  state
    .instancesOf("/flaky" as never)
    .filter((i) => i.state === "TASK_RUNNING")
    .map((i) => `${i.instanceId}._app.${i.incarnation}`);

test("a kill the framework sent (a restart) is no failure; a kill nobody asked for is", async () => {
  play();
  const first = (await call("GET", "/v2/apps/flaky")).body.app.lastTaskFailure.taskId;
  const [relaunched] = runningTasks();
  assert.ok(relaunched !== undefined && relaunched !== first, "the failed instance relaunched");

  const restart = await call("POST", "/v2/apps/flaky/restart");
  assert.equal(restart.status, 200);
  play();
  const [replacement] = runningTasks();
  assert.ok(replacement !== undefined && replacement !== relaunched, "restarted");
  assert.equal((await call("GET", "/v2/apps/flaky")).body.app.lastTaskFailure.taskId, first);

  // The executor killed the task after failed health checks: no kill of the framework's.
  status(replacement, "TASK_KILLED", "health check failed 3 times");
  const last = (await call("GET", "/v2/apps/flaky")).body.app.lastTaskFailure;
  assert.equal(last.taskId, replacement);
  assert.equal(last.state, "TASK_KILLED");
  assert.equal(last.message, "health check failed 3 times");
});

test("the last failure goes with its app: a new app of the same id has none", async () => {
  const removed = await call("DELETE", "/v2/apps/flaky");
  assert.equal(removed.status, 200);
  play();
  assert.equal((await call("GET", "/v2/apps/flaky")).status, 404);
  assert.equal((await call("POST", "/v2/apps", { id: "/flaky", cmd: "sleep 9" })).status, 201);
  assert.equal((await call("GET", "/v2/apps/flaky")).body.app.lastTaskFailure, undefined);
});
