// The suite's bounded nemesis run (docs/nemesis.md): the regression seeds and fresh ones on one
// real cluster (3 ZooKeeper servers, 3 masters, 4 agents, each in its own network namespace),
// and the harness's own test: an agent broken on purpose (TESSERA_TEST_BREAK, test-only) is
// caught. Both check that nothing of the run is left on the host. Skipped, with the reason
// printed, where root, network namespaces or ZooKeeper are not available.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, it } from "node:test";
import { eventually } from "../support/eventually.ts";
import { hostLeftovers } from "./cluster.ts";
import { formatSummary, nemesisUnavailable, runHarness } from "./harness.ts";
import { regressionSeeds } from "./regressions.ts";

const unavailable = nemesisUnavailable();
if (unavailable !== undefined) process.stderr.write(`# skipping the nemesis: ${unavailable}\n`);
const skip = unavailable === undefined ? {} : { skip: unavailable };
/** A subnet of this test process (10.213.<octet>.0/24), away from the CLI's default 0. */
const OCTET = 100 + (process.pid % 70) * 2;
const MAIN = new URL("./main.ts", import.meta.url).pathname;
const lines: string[] = [];
const log = (line: string) => {
  lines.push(line);
  process.stderr.write(`# ${line}\n`);
};

describe("the nemesis harness", () => {
  it("runs the regression seeds and 3 fresh ones with no violation and leaves nothing on the host", {
    ...skip,
    timeout: 300_000,
  }, async () => {
    const first = Math.floor(Math.random() * 1_000_000);
    const regressions = regressionSeeds();
    for (const r of regressions.filter((x) => x.open === true))
      log(`regression seed ${r.seed} is OPEN (not fixed): left to npm run nemesis`);
    const seeds = [
      ...regressions.filter((r) => r.open !== true),
      { seed: first },
      { seed: first + 1 },
      { seed: first + 2 },
    ];
    const summary = await runHarness({ seeds, octet: OCTET, log });
    log(formatSummary(summary));
    assert.deepEqual(summary.leftovers, []);
    assert.equal(summary.results.length, seeds.length);
    assert.ok(summary.tasks > 0 && summary.updates > 0, "the workload ran");
    assert.equal(
      summary.violations,
      0,
      `violations (replay with the seeds printed above):\n${lines.join("\n")}`,
    );
  });

  it("catches an agent that acknowledges status updates before checkpointing them", {
    ...skip,
    timeout: 240_000,
  }, async () => {
    const summary = await runHarness({
      seeds: [{ seed: 1 }],
      octet: OCTET + 1,
      kinds: ["pause"],
      windowMs: 3_000,
      services: false,
      jobs: false,
      agentEnv: { TESSERA_TEST_BREAK: "ack-before-checkpoint" },
      log,
    });
    assert.deepEqual(summary.leftovers, []);
    const caught = summary.results.flatMap((r) => r.violations.map((v) => v.property));
    assert.ok(
      caught.includes("an update is checkpointed before it is sent"),
      `the broken build passed the checkers: ${caught.join(", ") || "no violation"}`,
    );
  });

  it("tears everything down when interrupted (SIGINT) during a seed", {
    ...skip,
    timeout: 180_000,
  }, async () => {
    const octet = OCTET + 2;
    const child = spawn(
      process.execPath,
      ["--import", "tsx", MAIN, "--seeds", "3", "--subnet", String(octet)],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
    });
    child.stderr.on("data", (chunk) => {
      out += chunk;
    });
    try {
      await eventually("a seed's first fault", () => (/ fault /.test(out) ? true : undefined), {
        timeoutMs: 150_000,
        everyMs: 100,
      });
    } finally {
      child.kill("SIGINT");
    }
    assert.equal(await exited, 130, out);
    const dir = /logs in (\S+)\/logs/.exec(out)?.[1];
    assert.ok(dir !== undefined, out);
    assert.deepEqual(hostLeftovers(octet, dir), []);
    assert.equal(existsSync(dir), false, "the run's dir is removed");
  });
});
