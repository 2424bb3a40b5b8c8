// `tessera simulate`: a scenario with variants runs once per variant (same seed, same
// workload) and the summary puts them side by side; the JSON report carries each run.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatRuns, runScenario } from "../../src/cli/simulate.ts";
import { parseScenario } from "../../src/sim/scenario.ts";

const SCENARIO = `
name: two-pools
seed: 5
until: 3m
calm: 2m
cluster:
  agents:
    - { count: 2, cpus: 4, memMb: 8192, attributes: { pool: a } }
    - { count: 2, cpus: 4, memMb: 8192, attributes: { pool: b } }
frameworks:
  - name: busy
    role: busy
    pool: a
    workloads:
      - { type: burst, at: 1s, tasks: 24, task: { cpus: 1, memMb: 512 }, duration: { fixed: 40s } }
  - name: idle
    role: idle
    pool: b
    workloads:
      - { type: batch, jobs: 1, tasksPerJob: 1, task: { cpus: 1, memMb: 512 }, duration: { fixed: 10s } }
variants:
  - { name: static, staticPools: true }
  - { name: shared, staticPools: false }
`;

describe("tessera simulate", () => {
  it("runs each variant of a scenario and prints them side by side", () => {
    const parsed = parseScenario(SCENARIO, "yaml");
    assert.ok(parsed.ok);
    const runs = runScenario(parsed.scenario, {});
    assert.deepEqual(
      runs.map((r) => r.variant),
      ["static", "shared"],
    );
    const [stat, shared] = runs;
    assert.ok(stat !== undefined && shared !== undefined);
    // The busy framework keeps to its pool when static, and spreads over all agents when shared:
    // its burst completes sooner on the shared pool.
    assert.ok(
      shared.report.jobs.completionMs.max < stat.report.jobs.completionMs.max,
      `shared ${shared.report.jobs.completionMs.max} ms vs static ${stat.report.jobs.completionMs.max} ms`,
    );
    const text = formatRuns(parsed.scenario, runs);
    assert.match(text, /METRIC\s+STATIC\s+SHARED/);
    assert.match(text, /cpu utilization \(mean\)/);
    assert.match(text, /job completion p50 \/ p95/);
    assert.match(text, /ROLE\s+SHARE STATIC/);
    assert.match(text, /FRAMEWORK\s+ROLE\s+OFFERS\s+ACCEPTED\s+DECLINED/);
  });

  it("applies --seed and --agents overrides to every variant", () => {
    const parsed = parseScenario(SCENARIO, "yaml");
    assert.ok(parsed.ok);
    const runs = runScenario(parsed.scenario, { seed: 77, agents: 6, untilMs: 60_000 });
    for (const run of runs) {
      assert.equal(run.report.seed, 77);
      assert.equal(run.report.cluster.agents, 6);
      assert.equal(run.report.untilMs, 60_000);
    }
  });
});
