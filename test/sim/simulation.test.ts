// The simulator end to end: a few hundred seeds of random faults (agent crashes with and
// without checkpoint, partitions, master failovers, framework disconnects and failovers, lost,
// duplicated and reordered messages) on small clusters, every invariant checked after every
// master step and at the end; and a seed replays byte for byte.
// A failure names the seed: `SIM_SEED=<seed> node scripts/run-tests.mjs test/sim/simulation`
// replays that one.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { faultSuiteConfig, runSeeds } from "../../src/sim/fault-suite.ts";
import { Simulation } from "../../src/sim/simulation.ts";

const SEEDS = 300;

describe("simulation under random faults", () => {
  const fixed = process.env.SIM_SEED;
  const seeds =
    fixed === undefined ? Array.from({ length: SEEDS }, (_, i) => i + 1) : [Number(fixed)];

  it(`keeps every invariant for ${seeds.length} seeds of random faults on small clusters`, () => {
    const result = runSeeds(seeds);
    assert.deepEqual(
      result.failures.map((f) => f.message),
      [],
      `failing seeds: ${result.failures.map((f) => f.seed).join(", ")}`,
    );
    assert.equal(result.runs, seeds.length);
    // Not vacuous: faults were injected and tasks ran through them.
    if (fixed === undefined) {
      assert.ok(result.faults > seeds.length, `only ${result.faults} faults injected`);
      assert.ok(result.tasks > 5 * seeds.length, `only ${result.tasks} tasks launched`);
    }
  });

  it("injects every kind of fault across the seeds", () => {
    const kinds = new Set<string>();
    runSeeds(
      Array.from({ length: 20 }, (_, i) => i + 1),
      undefined,
      (_seed, report) => {
        for (const kind of Object.keys(report?.faults ?? {})) kinds.add(kind);
      },
    );
    assert.deepEqual([...kinds].sort(), [
      "agent_crash",
      "agent_crash_wipe",
      "agent_partition",
      "framework_disconnect",
      "framework_failover",
      "master_failover",
    ]);
  });
});

describe("simulation replay", () => {
  it("replays one seed identically twice: same trace hash and same report", () => {
    const first = new Simulation(faultSuiteConfig(42)).run();
    const second = new Simulation(faultSuiteConfig(42)).run();
    assert.equal(second.traceHash, first.traceHash);
    assert.deepEqual(second, first);
    assert.ok(first.traceRecords > 100, "the trace recorded the run's deliveries");
  });

  it("gives a different trace for a different seed", () => {
    const a = new Simulation(faultSuiteConfig(42)).run();
    const b = new Simulation(faultSuiteConfig(43)).run();
    assert.notEqual(a.traceHash, b.traceHash);
  });
});
