// Workloads and fault schedules expand deterministically from their seeded streams.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { randomFaults } from "../../src/sim/faults.ts";
import { streamOf } from "../../src/sim/prng.ts";
import { expandWorkload } from "../../src/sim/workload.ts";

describe("workloads", () => {
  it("expands a batch workload into jobs of tasks within the given bounds", () => {
    const arrivals = expandWorkload(
      {
        type: "batch",
        jobs: 50,
        startMs: 1000,
        intervalMs: 10_000,
        tasksPerJob: [2, 5],
        task: { cpus: 1, memMb: 256 },
        duration: { uniformMs: [100, 200] },
        failureRate: 0.5,
      },
      streamOf(1, "w"),
      "fw",
    );
    assert.equal(arrivals.length, 50);
    assert.equal(arrivals[0]?.atMs, 1000);
    assert.deepEqual(
      arrivals.map((a) => a.atMs),
      [...arrivals.map((a) => a.atMs)].sort((a, b) => a - b),
    );
    const tasks = arrivals.flatMap((a) => a.tasks);
    assert.ok(arrivals.every((a) => a.tasks.length >= 2 && a.tasks.length <= 5));
    assert.ok(tasks.every((t) => t.durationMs >= 100 && t.durationMs <= 200));
    const failing = tasks.filter((t) => t.exitCode !== 0).length;
    assert.ok(failing > 0 && failing < tasks.length, "some tasks fail, some succeed");
    assert.equal(new Set(arrivals.map((a) => a.jobId)).size, 50);
  });

  it("gives service instances no end", () => {
    const [arrival] = expandWorkload(
      { type: "service", instances: 3, startMs: 0, task: { cpus: 1, memMb: 1 } },
      streamOf(1, "s"),
      "svc",
    );
    assert.equal(arrival?.service, true);
    assert.deepEqual(
      arrival?.tasks.map((t) => t.durationMs),
      [Infinity, Infinity, Infinity],
    );
  });

  it("draws the same fault schedule from the same seed, ordered by time", () => {
    const plan = {
      rates: { agent_crash: 20, master_failover: 5, framework_failover: 5 },
      fromMs: 0,
      untilMs: 3_600_000,
      agents: 4,
      frameworks: 2,
      durationMs: [1000, 5000] as const,
    };
    const a = randomFaults(plan, streamOf(9, "faults"));
    const b = randomFaults(plan, streamOf(9, "faults"));
    assert.deepEqual(a, b);
    assert.ok(a.length > 10);
    assert.deepEqual(
      a.map((f) => f.atMs),
      [...a.map((f) => f.atMs)].sort((x, y) => x - y),
    );
    assert.ok(a.every((f) => f.durationMs >= 1000 && f.durationMs <= 5000));
    assert.notDeepEqual(randomFaults(plan, streamOf(10, "faults")), a);
  });
});
