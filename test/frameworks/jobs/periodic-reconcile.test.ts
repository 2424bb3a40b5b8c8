// The jobs framework reconciles its launched, unfinished attempts periodically, not only after
// a (re)subscription (nemesis seed 5230: two tasks reported TASK_UNREACHABLE whose agent came
// back without them were never heard of again while the subscription lasted).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MemoryJobStore } from "../../../src/frameworks/jobs/job-store.ts";
import {
  JOBS_RECONCILE_INTERVAL_MS,
  JobsAdapter,
} from "../../../src/frameworks/jobs/jobs-adapter.ts";
import { JobsState } from "../../../src/frameworks/jobs/jobs-state.ts";
import { scheduleModule } from "../../../src/frameworks/jobs/schedule/index.ts";
import type { AdapterClient } from "../../../src/frameworks/services/mesos-adapter.ts";

/** A state with one attempt launched on a1 and never heard of since. */
class OneLaunched extends JobsState {
  override activeTasks() {
    return [{ taskId: "ct:1000:0:nightly", agentId: "a1" }];
  }
}

describe("the jobs framework's periodic reconciliation", () => {
  it("reconciles every unfinished attempt each interval, the interval starting over at each subscription", () => {
    let now = 0;
    const state = new OneLaunched({
      store: new MemoryJobStore(),
      schedules: scheduleModule,
      role: "jobs",
    });
    const adapter = new JobsAdapter(state, () => now, "jobs");
    const reconciled: number[] = [];
    const noop = () => undefined;
    adapter.client = {
      accept: noop,
      decline: noop,
      kill: noop,
      revive: noop,
      reconcile: (tasks) => {
        assert.deepEqual(tasks, [{ taskId: "ct:1000:0:nightly", agentId: "a1" }]);
        reconciled.push(now);
      },
    } satisfies AdapterClient;
    adapter.onSubscribed("fw-1"); // the client's own round after subscribing
    for (now = 0; now <= 3 * JOBS_RECONCILE_INTERVAL_MS; now += 1_000) adapter.tick();
    assert.deepEqual(
      reconciled,
      [1, 2, 3].map((n) => n * JOBS_RECONCILE_INTERVAL_MS),
    );
  });
});
