// Invariant failures name the seed and the step that replay them; the pieces the checks read
// (simulated task plans, resource use) say what they should.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SimInvariantError } from "../../src/sim/invariants.ts";
import { defaultSimConfig } from "../../src/sim/sim-config.ts";
import { parseSimTaskCommand, simTaskCommand } from "../../src/sim/sim-containerizer.ts";
import { Simulation } from "../../src/sim/simulation.ts";
import { burstAt1s, simFramework } from "./sim-frameworks.ts";

function burst(name: string, cpus: number, memMb: number) {
  return simFramework(name, [burstAt1s(200, cpus, memMb, { fixedMs: 30_000 })]);
}

describe("simulation invariants", () => {
  it("a broken invariant stops the run with the seed and the step", () => {
    // A DRF bound of 0 cannot hold with indivisible tasks of different shapes.
    const sim = new Simulation(
      defaultSimConfig({
        seed: 12,
        untilMs: 60_000,
        calmMs: 0,
        killAllAtEnd: false,
        agents: [{ count: 2, cpus: 4, memMb: 8192, attributes: {} }],
        frameworks: [burst("a", 1, 1024), burst("b", 0.5, 3000)],
        drf: { bound: 0, fromMs: 20_000 },
      }),
    );
    assert.throws(
      () => sim.run(),
      (error: unknown) =>
        error instanceof SimInvariantError &&
        error.seed === 12 &&
        error.step > 0 &&
        error.atMs >= 20_000 &&
        /^simulation invariant broken: seed 12, step \d+, at \d+ ms: weighted dominant shares/.test(
          error.message,
        ),
    );
  });

  it("a run that keeps its invariants reports what it measured", () => {
    const report = new Simulation(
      defaultSimConfig({
        seed: 3,
        untilMs: 120_000,
        calmMs: 120_000,
        killAllAtEnd: true,
        agents: [{ count: 2, cpus: 4, memMb: 8192, attributes: {} }],
        frameworks: [burst("a", 1, 1024)],
      }),
    ).run();
    // 200 tasks of 30 s on 8 cpus: 8 at a time, so not all of them in 2 minutes.
    assert.ok(report.tasks.finished >= 8 * 3, `finished ${report.tasks.finished}`);
    assert.ok(report.utilization.meanCpu > 0.8, `utilization ${report.utilization.meanCpu}`);
    assert.equal(report.tasks.lost, 0);
    assert.ok(report.offers.made > 0);
  });

  it("a simulated task command carries its duration and exit code", () => {
    assert.equal(simTaskCommand({ durationMs: 1500, exitCode: 1 }), "sim-task 1500 1");
    assert.deepEqual(parseSimTaskCommand("sim-task 1500 1"), { durationMs: 1500, exitCode: 1 });
    assert.deepEqual(
      parseSimTaskCommand(simTaskCommand({ durationMs: Number.POSITIVE_INFINITY, exitCode: 0 })),
      {
        durationMs: Number.POSITIVE_INFINITY,
        exitCode: 0,
      },
    );
  });
});
