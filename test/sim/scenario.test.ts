// Scenario files: JSON and YAML parse to the same configuration; durations take units; bad
// input is an error value naming the field, never a run; command-line overrides apply.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { parseDurationMs, parseScenario, scenarioConfig } from "../../src/sim/scenario.ts";

const YAML = `
name: tiny
seed: 3
until: 2m
cluster:
  agents:
    - { count: 2, cpus: 4, memMb: 4096, attributes: { pool: a } }
frameworks:
  - name: jobs
    role: batch
    weight: 2
    workloads:
      - type: batch
        jobs: 3
        interval: 10s
        tasksPerJob: [1, 3]
        task: { cpus: 1, memMb: 512 }
        duration: { exponential: 20s }
faults:
  schedule:
    - { at: 30s, kind: agent_crash, target: 1, duration: 10s }
`;

describe("scenario files", () => {
  it("reads durations with units and as plain milliseconds", () => {
    assert.equal(parseDurationMs("250ms"), 250);
    assert.equal(parseDurationMs("30s"), 30_000);
    assert.equal(parseDurationMs("1.5m"), 90_000);
    assert.equal(parseDurationMs("2h"), 7_200_000);
    assert.equal(parseDurationMs(1234), 1234);
    assert.equal(parseDurationMs("ten minutes"), undefined);
    assert.equal(parseDurationMs(-5), undefined);
  });

  it("parses YAML and JSON of the same scenario into the same configuration", () => {
    const yaml = parseScenario(YAML, "yaml");
    assert.ok(yaml.ok);
    const json = parseScenario(JSON.stringify(yaml.scenario), "json");
    assert.ok(json.ok);
    assert.deepEqual(scenarioConfig(json.scenario), scenarioConfig(yaml.scenario));
    const config = scenarioConfig(yaml.scenario);
    assert.equal(config.untilMs, 120_000);
    assert.equal(config.seed, 3);
    assert.deepEqual(config.frameworks[0]?.workloads[0], {
      type: "batch",
      jobs: 3,
      startMs: 0,
      intervalMs: 10_000,
      tasksPerJob: [1, 3],
      task: { cpus: 1, memMb: 512 },
      duration: { exponentialMeanMs: 20_000 },
      failureRate: 0,
    });
    assert.deepEqual(config.faults.schedule, [
      { atMs: 30_000, kind: "agent_crash", target: 1, durationMs: 10_000 },
    ]);
  });

  it("applies --seed, --agents and --until overrides", () => {
    const parsed = parseScenario(YAML, "yaml");
    assert.ok(parsed.ok);
    const config = scenarioConfig(parsed.scenario, { seed: 9, agents: 5, untilMs: 60_000 });
    assert.equal(config.seed, 9);
    assert.equal(config.untilMs, 60_000);
    assert.equal(
      config.agents.reduce((n, g) => n + g.count, 0),
      5,
    );
  });

  it("rejects bad input with a code and the path of the bad field", () => {
    const syntax = parseScenario("{ not json", "json");
    assert.deepEqual(syntax.ok ? undefined : syntax.code, "invalid_syntax");
    const badDuration = parseScenario(YAML.replace("until: 2m", "until: soon"), "yaml");
    assert.ok(!badDuration.ok);
    assert.equal(badDuration.code, "invalid_scenario");
    assert.match(badDuration.message, /'until'.*not a duration/);
    const missing = parseScenario("name: x", "yaml");
    assert.ok(!missing.ok);
    assert.equal(missing.message, "Invalid scenario: 'until' is required");
    const unknownField = parseScenario(YAML.replace("seed: 3", "seed: 3\ncolour: blue"), "yaml");
    assert.ok(!unknownField.ok);
    const badKind = parseScenario(YAML.replace("kind: agent_crash", "kind: meteor"), "yaml");
    assert.ok(!badKind.ok);
    assert.match(badKind.message, /faults\.schedule\.0\.kind/);
    const badRange = parseScenario(
      YAML.replace("tasksPerJob: [1, 3]", "tasksPerJob: [3, 1]"),
      "yaml",
    );
    assert.ok(!badRange.ok);
    assert.match(badRange.message, /max < min/);
  });

  it("ships scenarios that parse", () => {
    for (const file of ["scenarios/mesos-paper.yaml", "scenarios/faults-small.yaml"]) {
      const parsed = parseScenario(readFileSync(file, "utf8"), "yaml");
      assert.ok(parsed.ok, `${file}: ${parsed.ok ? "" : parsed.message}`);
    }
  });
});
