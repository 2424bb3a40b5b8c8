// Marathon's lastTaskFailure survives a restart of the services framework (Marathon keeps it
// in its store): a failure recorded by one run is shown on /v2/apps/{id} by the next run on the
// same SQLite store, and is gone once the app is deleted — also for the run after that.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { SqliteAppStore } from "../../../src/frameworks/services/app-store.ts";
import { jsonCall, roomyOffer, servicesInMemory, uuidNumbered } from "./fixtures.ts";

const dir = mkdtempSync(join(tmpdir(), "tessera-failures-"));
after(() => rmSync(dir, { recursive: true, force: true }));

let nowMs = Date.parse("2024-03-01T10:00:00.000Z");
let ids = 0;

/** One run of the framework on the store in `dir`: its API, its state, a way to stop. */
async function run() {
  const store = new SqliteAppStore(dir);
  const services = servicesInMemory({
    nowMs: () => nowMs,
    newId: () => uuidNumbered(++ids),
    store,
  });
  const base = `http://127.0.0.1:${(await services.server.listen(0)).port}`;
  return {
    ...services,
    call: (method: string, path: string, body?: unknown) => jsonCall(base, method, path, body),
    stop: async () => {
      await services.server.close();
      store.close();
    },
  };
}

test("an app's last task failure is read back after the framework restarts, and deleted with it", async () => {
  const first = await run();
  assert.equal((await first.call("POST", "/v2/apps", { id: "/flaky", cmd: "exit 1" })).status, 201);
  nowMs += 60_000;
  first.state.tick(nowMs);
  const launched = first.state
    .handleOffers([roomyOffer("O1", "S1", "host-one")], nowMs)
    .flatMap((e) => (e.kind === "launch" ? e.tasks.map((t) => t.task_id.value) : []));
  const [taskId] = launched;
  assert.ok(taskId !== undefined, "a task was launched");
  first.state.handleStatus({ taskId, state: "TASK_RUNNING", agentId: "S1" }, nowMs);
  first.state.handleStatus(
    { taskId, state: "TASK_FAILED", agentId: "S1", message: "exited with status 1" },
    nowMs,
  );
  const before = (await first.call("GET", "/v2/apps/flaky")).body.app.lastTaskFailure;
  assert.equal(before.taskId, taskId);
  await first.stop();

  const second = await run();
  const after = (await second.call("GET", "/v2/apps/flaky")).body.app.lastTaskFailure;
  assert.deepEqual(after, before, "the same record after the restart");
  assert.equal((await second.call("DELETE", "/v2/apps/flaky")).status, 200);
  // The removal is a deployment: it ends once the app's instances are gone.
  for (
    let round = 0;
    round < 20 && (await second.call("GET", "/v2/deployments")).body.length > 0;
    round++
  ) {
    nowMs += 60_000;
    for (const e of [...second.effects.splice(0), ...second.state.tick(nowMs)]) {
      if (e.kind === "kill")
        second.state.handleStatus({ taskId: e.taskId, state: "TASK_KILLED" }, nowMs);
    }
  }
  assert.equal((await second.call("GET", "/v2/apps/flaky")).status, 404, "the app is removed");
  await second.stop();

  const third = await run();
  const created = await third.call("POST", "/v2/apps", { id: "/flaky", cmd: "sleep 9" });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const fresh = await third.call("GET", "/v2/apps/flaky");
  assert.equal(fresh.body.app.lastTaskFailure, undefined, "deleted with its app");
  await third.stop();
});
