// A seeded simulation of the real master core and allocator on src/sim: four simulated agents
// and one framework on a virtual clock. Agent calls are delayed at random (so reordered) and
// sometimes duplicated; agents crash (keeping their checkpoint) and restart, and get
// partitioned from the master. After every master step the core's invariants are checked
// (src/sim checkStep); every 30 s of virtual time an implicit reconciliation must answer every
// task the master holds for the framework; at the end, with faults over, every status update
// an agent took over must have been delivered to the framework and acknowledged.
// A failure prints the seed: `SIM_SEED=<seed> node scripts/run-tests.mjs master-sim` replays it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { SchedulerCall } from "../../../src/master/core/wire-types.ts";
import { defaultSimConfig, type SimConfig, Simulation, streamOf } from "../../../src/sim/index.ts";
import { undeliveredUpdates } from "../../../src/sim/invariants.ts";
import type { WorkloadSpec } from "../../../src/sim/workload.ts";
import { simFramework } from "../../sim/sim-frameworks.ts";

/** Virtual time with faults, then without, so that every retried update gets through. */
const FAULTY_MS = 30 * 60_000;
const CALM_MS = 15 * 60_000;
const RECONCILE_EVERY_MS = 30_000;

/** Small tasks arriving in jobs over the faulty half hour, a fifth of them failing. */
const TASKS: WorkloadSpec = {
  type: "batch",
  jobs: 40,
  startMs: 1000,
  intervalMs: 40_000,
  tasksPerJob: [1, 3],
  task: { cpus: 0.5, memMb: 64 },
  duration: { uniformMs: [5_000, 125_000] },
  failureRate: 0.2,
};

function masterSimConfig(seed: number): SimConfig {
  const partitionAware = streamOf(seed, "master-sim").nextFloat() < 0.5;
  return defaultSimConfig({
    name: `master-sim-${seed}`,
    seed,
    untilMs: FAULTY_MS,
    calmMs: CALM_MS,
    killAllAtEnd: true,
    agents: [{ count: 4, cpus: 4, memMb: 1024, attributes: {} }],
    frameworks: [simFramework("sim", [TASKS], { partitionAware })],
    // Reordered (latency spread) and duplicated agent calls; nothing lost but by partitions.
    network: { minLatencyMs: 1, maxLatencyMs: 200, dropRate: 0, duplicateRate: 0.1 },
    faults: {
      rates: { agent_crash: 14, agent_partition: 14, framework_disconnect: 6 },
      fromMs: 0,
      durationMs: [5_000, 200_000],
      schedule: [],
    },
  });
}

/** Every task the master holds for a connected framework is answered by an empty RECONCILE. */
function checkImplicitReconciliation(sim: Simulation): void {
  if (!sim.master.up) return;
  const core = sim.master.core;
  for (const framework of core.snapshot(sim.clock.nowMs).frameworks) {
    if (framework.streamId === undefined) continue;
    const expected = [...framework.tasks.values()].map((t) => t.taskId).sort();
    const call = {
      type: "RECONCILE",
      framework_id: { value: framework.id },
      reconcile: { tasks: [] },
    } as SchedulerCall;
    const answered = core
      .handle(
        {
          kind: "scheduler_call",
          requestId: sim.master.nextRequestId(),
          streamId: framework.streamId,
          call,
        },
        sim.clock.nowMs,
      )
      .flatMap((o) =>
        o.kind === "framework_event" && o.event.type === "UPDATE"
          ? [o.event.update?.status.task_id.value ?? ""]
          : [],
      )
      .sort();
    assert.deepEqual(
      answered,
      expected,
      `seed ${sim.config.seed}: implicit reconciliation at ${sim.clock.nowMs} ms`,
    );
  }
}

describe("master core simulation", () => {
  const fixed = process.env.SIM_SEED;
  const seeds = fixed === undefined ? Array.from({ length: 8 }, (_, i) => i + 1) : [Number(fixed)];
  for (const seed of seeds) {
    it(`seed ${seed}: invariants hold under duplicated, reordered agent messages, crashes and partitions, and every update is delivered and acknowledged`, () => {
      const sim = new Simulation(masterSimConfig(seed));
      for (let t = RECONCILE_EVERY_MS; t < FAULTY_MS + CALM_MS; t += RECONCILE_EVERY_MS) {
        sim.clock.at(t, () => checkImplicitReconciliation(sim));
      }
      // run() checks the invariants after every master step and the end state (src/sim).
      const report = sim.run();
      for (const agent of sim.agents) {
        assert.ok(agent.up, `seed ${seed}: agent ${agent.name} is up after the calm`);
        assert.equal(
          agent.core.statusUpdates.streamCount,
          0,
          `seed ${seed}: agent ${agent.name} still retries updates`,
        );
      }
      assert.deepEqual(undeliveredUpdates(sim), [], `seed ${seed}: updates never delivered`);
      assert.ok(report.tasks.launched > 0, `seed ${seed}: the simulation launched tasks`);
      assert.ok(
        (report.faults.agent_crash ?? 0) + (report.faults.agent_partition ?? 0) > 0,
        `seed ${seed}: faults were injected`,
      );
    });
  }
});
