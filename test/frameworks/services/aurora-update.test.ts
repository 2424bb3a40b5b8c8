import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { FakeMesos, startApp } from "./update-harness.ts";

const HEALTH = [{ protocol: "MESOS_HTTP", path: "/", portIndex: 0 }];
const PORTS = [{ port: 0 }];

/** Starts 6 instances of /a and updates them to cmd v2 with `strategy`. */
function update(strategy: Record<string, unknown>, instances = 6, agents = 10) {
  const mesos = new FakeMesos(agents);
  const v1 = startApp(mesos, { instances, healthChecks: HEALTH, portDefinitions: PORTS });
  const r = mesos.deploy({
    id: "/a",
    cmd: "v2",
    instances,
    healthChecks: HEALTH,
    portDefinitions: PORTS,
    upgradeStrategy: strategy,
  });
  return { mesos, v1, id: r.deploymentId, v2: r.version };
}

const newCount = (mesos: FakeMesos, v2: string) =>
  mesos.running().filter((i) => i.version === v2).length;

describe("Aurora update control: batches and watch periods", () => {
  test("batch_size 2 with a 5 s watch over 6 instances rolls forward batch by batch, never more than 2 instances down", () => {
    const { mesos, id, v2 } = update({
      batchSize: 2,
      watchSeconds: 5,
      waitForBatchCompletion: true,
    });
    const seen: number[] = [];
    mesos.stepUntil(
      () => mesos.core.deployments().length === 0,
      200,
      () => {
        assert.ok(mesos.running().length >= 4, "more than 2 instances down at once");
        assert.ok(mesos.instances().length <= 6, "an update never surges");
        const n = newCount(mesos, v2);
        if (seen.at(-1) !== n) seen.push(n);
      },
    );
    assert.deepEqual(seen, [2, 4, 6]);
    assert.equal(mesos.updateState(id), "ROLLED_FORWARD");
    assert.ok(mesos.eventTypes().includes("deployment_success"));
  });

  test("each batch waits out its watch period: 3 batches with a 5 s watch take at least 15 s", () => {
    const { mesos } = update({ batchSize: 2, watchSeconds: 5, waitForBatchCompletion: true });
    const steps = mesos.stepUntil(() => mesos.core.deployments().length === 0);
    assert.ok(steps >= 15, `took ${steps} s`);
  });

  test("variable batch sizes [1, 2, 3] update 1, then 2, then 3 instances", () => {
    const { mesos, v2 } = update({ batchSizes: [1, 2, 3], watchSeconds: 3 });
    const seen: number[] = [];
    mesos.stepUntil(
      () => mesos.core.deployments().length === 0,
      200,
      () => {
        const n = newCount(mesos, v2);
        if (seen.at(-1) !== n) seen.push(n);
      },
    );
    assert.deepEqual(seen, [1, 3, 6]);
  });

  test("without waitForBatchCompletion a new instance starts as soon as one of the batch is done (at most batchSize in flight)", () => {
    const { mesos, id } = update({ batchSize: 3, watchSeconds: 2 });
    mesos.stepUntil(
      () => mesos.core.deployments().length === 0,
      200,
      () => {
        const u = mesos.deployment(id)?.updates?.["/a" as never];
        if (u === undefined) return;
        const inFlight = u.slots.filter((s) =>
          ["killing", "starting", "watching"].includes(s.status),
        );
        assert.ok(inFlight.length <= 3);
      },
    );
    assert.equal(mesos.updateState(id), "ROLLED_FORWARD");
  });
});

describe("Aurora update control: failures, budgets, rollback", () => {
  test("a new version failing its health check rolls back by itself, batches in reverse, to the old version on every instance", () => {
    const { mesos, id, v2 } = update({
      batchSize: 2,
      watchSeconds: 5,
      rollbackOnFailure: true,
    });
    mesos.bad.set(v2, 1000);
    mesos.badMode = "unhealthy";
    mesos.stepUntil(() => mesos.updateState(id) === "ROLLED_BACK", 300);
    mesos.stepUntil(() => mesos.core.deployments().length === 0);
    const configs = new Set(mesos.running().map((i) => i.configVersion));
    assert.equal(configs.size, 1);
    assert.equal(mesos.running().length, 6);
    assert.equal(mesos.core.app("/a" as never)?.app.cmd, "v1");
    assert.ok(mesos.running().every((i) => i.version !== v2));
    // The forward deployment failed; the rollback under the same id succeeded.
    const types = mesos.eventTypes();
    assert.ok(types.lastIndexOf("deployment_failed") < types.lastIndexOf("deployment_success"));
  });

  test("over budget without rollbackOnFailure the update is FAILED and stops", () => {
    const { mesos, id, v2 } = update({ batchSize: 2, watchSeconds: 5 });
    mesos.bad.set(v2, 1000);
    mesos.stepUntil(() => mesos.core.deployments().length === 0, 100);
    assert.equal(mesos.updateState(id), "FAILED");
    // The first batch was tried, nothing beyond it.
    assert.ok(mesos.instances().filter((i) => i.version === v2).length <= 2);
  });

  test("maxPerInstanceFailures 1 tolerates one failure per instance; 0 does not", () => {
    const ok = update({
      batchSize: 2,
      watchSeconds: 2,
      maxPerInstanceFailures: 1,
      rollbackOnFailure: true,
    });
    ok.mesos.bad.set(ok.v2, 1);
    ok.mesos.stepUntil(() => ok.mesos.core.deployments().length === 0, 300);
    assert.equal(ok.mesos.updateState(ok.id), "ROLLED_FORWARD");
    const strict = update({ batchSize: 2, watchSeconds: 2, rollbackOnFailure: true });
    strict.mesos.bad.set(strict.v2, 1);
    strict.mesos.stepUntil(() => strict.mesos.core.deployments().length === 0, 300);
    assert.equal(strict.mesos.updateState(strict.id), "ROLLED_BACK");
  });

  test("maxTotalFailures 2 lets the update go on past two failed instances, the third rolls back", () => {
    const { mesos, id, v2 } = update({
      batchSize: 1,
      watchSeconds: 1,
      maxTotalFailures: 2,
      rollbackOnFailure: true,
    });
    mesos.bad.set(v2, 1000);
    mesos.stepUntil(() => mesos.deployment(id)?.updates?.["/a" as never]?.rollingBack === true);
    // One at a time: three instances were tried (and failed) before the rollback began.
    assert.equal(mesos.deployment(id)?.updates?.["/a" as never]?.slots.length, 3);
    mesos.stepUntil(() => mesos.core.deployments().length === 0);
    assert.equal(mesos.updateState(id), "ROLLED_BACK");
  });
});

describe("Aurora update control: pause, resume, abort, rollback, autopause, pulse", () => {
  test("pause stops new batches, resume goes on; abort stops the update where it is", () => {
    const { mesos, id, v2 } = update({
      batchSize: 2,
      watchSeconds: 3,
      waitForBatchCompletion: true,
    });
    mesos.stepUntil(() => newCount(mesos, v2) === 2);
    assert.deepEqual(mesos.command(id, "pause"), { ok: true, value: undefined });
    assert.equal(mesos.updateState(id), "ROLL_FORWARD_PAUSED");
    for (let k = 0; k < 30; k++) mesos.step();
    assert.equal(newCount(mesos, v2), 2);
    assert.equal(mesos.command(id, "resume").ok, true);
    mesos.stepUntil(() => newCount(mesos, v2) === 4);
    mesos.cancel(id, true);
    assert.equal(mesos.updateState(id), "ABORTED");
    for (let k = 0; k < 30; k++) mesos.step();
    assert.equal(newCount(mesos, v2), 4);
    assert.equal(mesos.running().length, 6);
  });

  test("resume of a running update and pause of a finished one are refused", () => {
    const { mesos, id } = update({ batchSize: 6 });
    assert.equal(mesos.command(id, "resume").ok, false);
    mesos.stepUntil(() => mesos.core.deployments().length === 0);
    assert.equal(mesos.command(id, "pause").ok, false);
  });

  test("rollback on request undoes the started batches, the last one first, under the same id", () => {
    const { mesos, id, v2 } = update({
      batchSize: 2,
      watchSeconds: 2,
      waitForBatchCompletion: true,
    });
    mesos.stepUntil(() => newCount(mesos, v2) === 4);
    const updatedFirst = mesos
      .running()
      .filter((i) => i.version === v2)
      .sort((a, b) => a.createdAtMs - b.createdAtMs);
    assert.equal(mesos.command(id, "rollback").ok, true);
    const back = mesos.deployment(id)?.updates?.["/a" as never];
    assert.equal(back?.state, "ROLLING_BACK");
    const order = back?.slots.map((s) => s.replaces) ?? [];
    assert.deepEqual(
      new Set(order.slice(0, 2)),
      new Set(updatedFirst.slice(2).map((i) => i.instanceId)),
    );
    mesos.stepUntil(() => mesos.core.deployments().length === 0);
    assert.equal(mesos.updateState(id), "ROLLED_BACK");
    assert.ok(mesos.running().every((i) => i.version !== v2));
    assert.equal(mesos.running().length, 6);
  });

  test("autopauseAfterBatch pauses before each next batch until resumed", () => {
    const { mesos, id, v2 } = update({ batchSize: 3, watchSeconds: 1, autopauseAfterBatch: true });
    mesos.stepUntil(() => mesos.updateState(id) === "ROLL_FORWARD_PAUSED");
    assert.equal(newCount(mesos, v2), 3);
    for (let k = 0; k < 10; k++) mesos.step();
    assert.equal(newCount(mesos, v2), 3);
    mesos.command(id, "resume");
    mesos.stepUntil(() => mesos.core.deployments().length === 0);
    assert.equal(mesos.updateState(id), "ROLLED_FORWARD");
  });

  test("a pulsed update waits in ROLL_FORWARD_AWAITING_PULSE until pulsed, and again once the pulse is older than the interval", () => {
    const { mesos, id, v2 } = update({ batchSize: 1, watchSeconds: 1, pulseIntervalSeconds: 5 });
    mesos.step();
    assert.equal(mesos.updateState(id), "ROLL_FORWARD_AWAITING_PULSE");
    assert.equal(newCount(mesos, v2), 0);
    mesos.command(id, "pulse");
    mesos.stepUntil(() => mesos.updateState(id) === "ROLL_FORWARD_AWAITING_PULSE", 20);
    const partial = newCount(mesos, v2);
    assert.ok(partial > 0 && partial < 6, `updated ${partial}`);
    for (let k = 0; k < 10; k++) mesos.step();
    assert.ok(newCount(mesos, v2) <= partial + 1);
  });

  test("an SLA-aware update takes an instance down only while 95% of the app stays up for the SLA duration", () => {
    const mesos = new FakeMesos(10);
    const sla = { percentage: 95, durationSeconds: 30 };
    startApp(mesos, { instances: 20, slaPolicy: sla });
    for (let k = 0; k < 30; k++) mesos.step();
    const startMs = mesos.nowMs;
    const r = mesos.deploy({
      id: "/a",
      cmd: "v2",
      instances: 20,
      slaPolicy: sla,
      upgradeStrategy: { batchSize: 5, slaAware: true },
    });
    mesos.stepUntil(
      () => mesos.core.deployments().length === 0,
      2000,
      () => {
        const u = mesos.deployment(r.deploymentId)?.updates?.["/a" as never];
        const inFlight = u?.slots.filter((x) =>
          ["killing", "starting", "watching"].includes(x.status),
        );
        assert.ok((inFlight?.length ?? 0) <= 1, `${inFlight?.length} instances down at once`);
      },
    );
    assert.equal(mesos.updateState(r.deploymentId), "ROLLED_FORWARD");
    // One instance per SLA duration: each new one must be up 30 s before the next goes.
    assert.ok(mesos.nowMs - startMs >= 19 * 30_000, `took ${(mesos.nowMs - startMs) / 1000} s`);
  });
});

describe("Aurora update control: an instance range (canary)", () => {
  test("instanceRange [0, 1] updates only the two oldest instances; the others keep the old config", () => {
    const mesos = new FakeMesos(10);
    startApp(mesos, { instances: 6 });
    const oldest = mesos
      .running()
      // Oldest first, ties by id: the update's order.
      .sort((a, b) => a.createdAtMs - b.createdAtMs || (a.instanceId < b.instanceId ? -1 : 1))
      .slice(0, 2)
      .map((i) => i.instanceId);
    const r = mesos.deploy({
      id: "/a",
      cmd: "v2",
      instances: 6,
      upgradeStrategy: { batchSize: 1, watchSeconds: 2, instanceRange: [0, 1] },
    });
    const { deploymentId: id, version: v2 } = r;
    mesos.stepUntil(() => mesos.core.deployments().length === 0);
    assert.equal(mesos.updateState(id), "ROLLED_FORWARD");
    assert.equal(mesos.running().length, 6);
    assert.equal(newCount(mesos, v2), 2);
    const slots = mesos.deployment(id)?.updates?.["/a" as never]?.slots ?? [];
    assert.deepEqual(
      slots.map((s) => s.replaces),
      oldest,
    );
  });

  test("a range whose first position is after its last is refused", () => {
    const mesos = new FakeMesos(2);
    assert.throws(() =>
      mesos.deploy({
        id: "/a",
        cmd: "x",
        upgradeStrategy: { batchSize: 1, instanceRange: [3, 1] },
      }),
    );
  });
});

describe("Aurora update control: properties", () => {
  test("no batch ever has more instances in flight than its size, and a rollback restores the old version on every instance", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 0, max: 3 }),
        (instances, sizes, wait, failing, watchSeconds) => {
          const strategy = {
            batchSizes: sizes,
            waitForBatchCompletion: wait,
            watchSeconds,
            rollbackOnFailure: true,
          };
          const { mesos, id, v2 } = update(strategy, instances);
          if (failing) mesos.bad.set(v2, 1000);
          mesos.stepUntil(
            () => mesos.core.deployments().length === 0,
            500,
            () => {
              const u = mesos.deployment(id)?.updates?.["/a" as never];
              if (u === undefined) return;
              for (let b = 0; b < u.batchStarts.length; b++) {
                const from = u.batchStarts[b] as number;
                const to = u.batchStarts[b + 1] ?? u.slots.length;
                const size = u.rollingBack
                  ? to - from
                  : (sizes[Math.min(b, sizes.length - 1)] as number);
                const inFlight = u.slots
                  .slice(from, to)
                  .filter((s) => ["killing", "starting", "watching"].includes(s.status)).length;
                assert.ok(inFlight <= size, `batch ${b} has ${inFlight} in flight, size ${size}`);
              }
              assert.ok(mesos.instances().length <= instances, "surge");
            },
          );
          const want = failing ? "ROLLED_BACK" : "ROLLED_FORWARD";
          assert.equal(mesos.updateState(id), want);
          assert.equal(mesos.running().length, instances);
          if (failing) assert.ok(mesos.running().every((i) => i.version !== v2));
          else assert.ok(mesos.running().every((i) => i.version === v2));
        },
      ),
      { numRuns: 40 },
    );
  });
});
