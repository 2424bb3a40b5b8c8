import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Reconciliation } from "../../src/sdk/reconcile.ts";

describe("the reconciliation schedule", () => {
  test("starting a round sends every known task explicitly at once", () => {
    const r = new Reconciliation();
    const steps = r.start([{ taskId: "a", agentId: "S0" }, { taskId: "b" }], 0);
    assert.deepEqual(steps, [
      { kind: "explicit", tasks: [{ taskId: "a", agentId: "S0" }, { taskId: "b" }] },
    ]);
  });

  test("unanswered tasks are resent with doubling delays truncated at the maximum", () => {
    const r = new Reconciliation({ initialDelayMs: 1_000, maxDelayMs: 4_000 });
    r.start([{ taskId: "a" }], 0);
    const sentAt: number[] = [];
    for (let now = 0; now <= 20_000; now += 500) {
      if (r.due(now).length > 0) sentAt.push(now);
    }
    assert.deepEqual(sentAt, [1_000, 3_000, 7_000, 11_000, 15_000, 19_000]);
  });

  test("a task that got an update is not resent, and a round with all answered stops", () => {
    const r = new Reconciliation({ initialDelayMs: 1_000 });
    r.start([{ taskId: "a" }, { taskId: "b" }], 0);
    r.onUpdate("a");
    assert.deepEqual(r.due(1_000), [{ kind: "explicit", tasks: [{ taskId: "b" }] }]);
    r.onUpdate("b");
    assert.equal(r.nextWakeMs, undefined);
    assert.deepEqual(r.due(100_000), []);
  });

  test("no known task means no explicit call; implicit reconciliation runs every interval", () => {
    const r = new Reconciliation({ implicitIntervalMs: 900_000 });
    assert.deepEqual(r.start([], 0), []);
    assert.equal(r.nextWakeMs, 900_000);
    assert.deepEqual(r.due(899_999), []);
    assert.deepEqual(r.due(900_000), [{ kind: "implicit" }]);
    assert.equal(r.nextWakeMs, 1_800_000);
  });

  test("pausing stops the schedule until the next round", () => {
    const r = new Reconciliation({ implicitIntervalMs: 10 });
    r.start([{ taskId: "a" }], 0);
    r.pause();
    assert.equal(r.nextWakeMs, undefined);
    assert.deepEqual(r.due(1e9), []);
    assert.equal(r.start([{ taskId: "a" }], 5).length, 1);
    assert.deepEqual(r.unanswered, [{ taskId: "a" }]);
  });
});
