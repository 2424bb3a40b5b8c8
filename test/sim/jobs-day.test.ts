// A day of 1,000 jobs on the simulator (issue #16): scheduled jobs of mixed periods (minutes to
// a day, ISO 8601 and cron), dependency chains, jobs that fail and are retried, with framework
// and master failovers injected; afterwards the run ledger is checked against every schedule
// (each occurrence one entry), Mesos's truth against the ledger (no task launched twice, no
// occurrence succeeding twice), and every chain (each parent success fires its child once).
import assert from "node:assert/strict";
import { test } from "node:test";
import { JobDefinitionSchema } from "../../src/frameworks/jobs/job-definition.ts";
import { parseTaskId } from "../../src/frameworks/jobs/run-record.ts";
import { scheduleModule } from "../../src/frameworks/jobs/schedule/index.ts";
import type { Schedule } from "../../src/frameworks/jobs/schedule/types.ts";
import { streamOf } from "../../src/sim/prng.ts";
import { SimJobsCluster } from "../../src/sim/sim-jobs.ts";
import { checkLedgerCoverage } from "../frameworks/jobs/fixtures.ts";

const SEED = Number(process.env.SIM_SEED ?? 16);
const DAY_MS = 86_400_000;
const EPOCH = Date.parse("2024-03-01T00:00:00.000Z");
const PERIODS = ["PT5M", "PT15M", "PT30M", "PT1H", "PT2H", "PT6H", "P1D"];
const CRONS = ["*/10 * * * *", "0 * * * *", "30 2 * * *", "15 */4 * * *"];

test(`a day of 1,000 jobs with failovers keeps an exact ledger (seed ${SEED})`, (t) => {
  const rng = streamOf(SEED, "jobs-day");
  const failing = new Set<string>();
  const sim = new SimJobsCluster({
    seed: SEED,
    agents: 40,
    cpusPerAgent: 8,
    memMbPerAgent: 16_384,
    allocationIntervalMs: 1000,
    tickMs: 1000,
    startMs: EPOCH,
    taskDurationMs: (_job, r) => 2_000 + Math.floor(r.nextFloat() * 120_000),
    fails: (job, r) => failing.has(job) && r.nextFloat() < 0.4,
    core: { schedules: scheduleModule, failureRetryMs: 30_000, historyPerJob: 10_000 },
  });
  const at = (ms: number) => new Date(EPOCH + ms).toISOString();
  const scheduled: { name: string; original: Schedule }[] = [];
  const chains: string[][] = [];
  const put = (fields: Record<string, unknown>, endpoint: "iso8601" | "dependency") => {
    const def = JobDefinitionSchema.parse({ command: "work", cpus: 0.1, mem: 32, ...fields });
    const { result } = sim.state.putJob(def, endpoint, EPOCH);
    assert.ok(result.ok, JSON.stringify(result));
  };
  let n = 0;
  for (let c = 0; c < 50; c++) {
    // 50 chains of 4: a scheduled root and three dependents.
    const chain = [`chain${c}-0`, `chain${c}-1`, `chain${c}-2`, `chain${c}-3`];
    put({ name: chain[0], schedule: `R/${at(c * 60_000)}/${PERIODS[c % 5]}` }, "iso8601");
    for (let i = 1; i < 4; i++) put({ name: chain[i], parents: [chain[i - 1]] }, "dependency");
    chains.push(chain);
    n += 4;
  }
  while (n < 1000) {
    const name = `job${n}`;
    const fields: Record<string, unknown> = { name, retries: n % 3 };
    if (n % 10 === 0) fields.cron = CRONS[(n / 10) % CRONS.length];
    else
      fields.schedule = `R/${at(Math.floor(rng.nextFloat() * 3_600_000))}/${PERIODS[n % PERIODS.length]}`;
    if (n % 7 === 0) fields.epsilon = "PT2M";
    if (n % 11 === 0) fields.cronCollisionPolicy = "CANCEL_NEW";
    if (n % 9 === 0) failing.add(name);
    put(fields, "iso8601");
    n++;
  }
  for (const job of sim.state.jobs())
    if (job.schedule !== undefined)
      scheduled.push({ name: job.definition.name, original: { ...job.schedule } });
  const faultRng = streamOf(SEED, "jobs-day-faults");
  for (let i = 0; i < 4; i++)
    sim.frameworkFailover(EPOCH + Math.floor(faultRng.nextFloat() * DAY_MS), 30_000 + i * 20_000);
  for (let i = 0; i < 3; i++)
    sim.masterFailover(EPOCH + Math.floor(faultRng.nextFloat() * DAY_MS), 10_000 + i * 20_000);

  const cpuStart = process.cpuUsage();
  sim.runUntil(EPOCH + DAY_MS);
  const cpu = process.cpuUsage(cpuStart);
  const end = sim.clock.nowMs;

  let occurrences = 0;
  for (const { name, original } of scheduled)
    occurrences += checkLedgerCoverage(sim.state, name, original, end - 5_000);
  const successes = new Map<string, number>();
  for (const [taskId, t] of sim.tasks) {
    if (t.state !== "TASK_FINISHED") continue;
    const p = parseTaskId(taskId);
    assert.ok(p !== undefined);
    const run = `${p.job}@${p.dueMs}`;
    successes.set(run, (successes.get(run) ?? 0) + 1);
  }
  for (const [run, count] of successes)
    assert.equal(count, 1, `run ${run} succeeded ${count} times`);
  for (const chain of chains)
    for (let i = 1; i < chain.length; i++) {
      const parentOk = sim.state
        .runsOf(chain[i - 1] as string)
        .filter((r) => r.state === "success");
      const childEntries = sim.state
        .runsOf(chain[i] as string)
        .filter((r) => r.trigger === "parents");
      assert.equal(
        childEntries.length,
        parentOk.length,
        `${chain[i]}: one entry per parent success`,
      );
    }
  const runs = sim.state.jobs().reduce((a, j) => a + sim.state.runsOf(j.definition.name).length, 0);
  assert.ok(occurrences > 20_000, `a busy day: ${occurrences} occurrences`);
  assert.equal(sim.counters.frameworkFailovers, 4);
  assert.equal(sim.counters.masterFailovers, 3);
  t.diagnostic(
    `jobs-day seed ${SEED}: ${occurrences} occurrences, ${runs} ledger entries, ` +
      `${sim.counters.launched} tasks (${sim.counters.launchesLost} launches lost to failovers), ` +
      `engine ${Math.round(sim.counters.engineMs)} ms, process CPU ${Math.round((cpu.user + cpu.system) / 1000)} ms`,
  );
});
