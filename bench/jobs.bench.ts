// `npm run bench -- jobs`: the jobs framework (issue #16). (1) 10,000 jobs due every minute on
// the simulator (src/sim/sim-jobs.ts: the real jobs engine, simulated agents on a virtual
// clock, the engine's own measured time charged to that clock): the lag from due time to
// TASK_RUNNING (p50/p99) and the engine's CPU time per run (measured around every input). Targets: p99 < 1 s,
// < 1 ms per run. (2) 100 jobs on real agents: lag from due time to the run's start as the API
// reports it, through a real master and `tessera agent`s running real processes.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { type RunningAgent, startAgent } from "../src/agent/server.ts";
import { JobDefinitionSchema } from "../src/frameworks/jobs/job-definition.ts";
import { scheduleModule } from "../src/frameworks/jobs/schedule/index.ts";
import { startJobs } from "../src/frameworks/jobs/start.ts";
import { startMaster } from "../src/master/server.ts";
import { SimJobsCluster } from "../src/sim/sim-jobs.ts";
import type { BenchRow, BenchSuite } from "./harness.ts";

const SIM_JOBS = 10_000;
const SIM_MINUTES = 10;
const REAL_JOBS = 100;
const EPOCH = Date.parse("2024-01-01T00:00:00.000Z");

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? 0;
}

function simulated(): BenchRow[] {
  const sim = new SimJobsCluster({
    seed: 1,
    agents: 250,
    cpusPerAgent: 8,
    memMbPerAgent: 32_768,
    startMs: EPOCH,
    tickMs: 100,
    latencyMs: [2, 20],
    taskDurationMs: (_job, r) => 5_000 + Math.floor(r.nextFloat() * 30_000),
    fails: () => false,
    core: { schedules: scheduleModule },
    chargeEngineTime: true,
  });
  const start = new Date(EPOCH + 60_000).toISOString();
  for (let i = 0; i < SIM_JOBS; i++) {
    const def = JobDefinitionSchema.parse({
      name: `minutely-${i}`,
      command: "work",
      cpus: 0.1,
      mem: 64,
      schedule: `R/${start}/PT1M`,
    });
    const { result } = sim.state.putJob(def, "iso8601", EPOCH);
    if (!result.ok) throw new Error(result.error.message);
  }
  const cpuStart = process.cpuUsage();
  sim.runUntil(EPOCH + (SIM_MINUTES + 1) * 60_000 - 1);
  const cpu = process.cpuUsage(cpuStart);
  const runs = sim.lagMs.length;
  const context = { jobs: SIM_JOBS, agents: 250, minutes: SIM_MINUTES, runs };
  return [
    {
      name: "sim: lag due -> TASK_RUNNING p50",
      value: percentile(sim.lagMs, 0.5),
      unit: "ms",
      ...context,
    },
    {
      name: "sim: lag due -> TASK_RUNNING p99",
      value: percentile(sim.lagMs, 0.99),
      unit: "ms",
      ...context,
    },
    {
      name: "sim: lag due -> TASK_RUNNING max",
      value: percentile(sim.lagMs, 1),
      unit: "ms",
      ...context,
    },
    {
      name: "sim: engine CPU per run",
      value: Math.round((sim.counters.engineMs / runs) * 1000) / 1000,
      unit: "ms",
      ...context,
    },
    {
      name: "sim: process CPU per run (engine + simulator)",
      value: Math.round(((cpu.user + cpu.system) / 1000 / runs) * 1000) / 1000,
      unit: "ms",
      ...context,
    },
  ];
}

async function until(what: string, check: () => Promise<boolean>, limitMs = 300_000) {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** 100 jobs due at one moment on 2 real agents: due -> started as the run history reports it. */
async function real(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), "tessera-jobs-bench-"));
  const logger = pino({ level: "silent" });
  const master = await startMaster({
    flags: { registry: "in_memory", port: "0", ip: "127.0.0.1", allocation_interval: "100ms" },
    logger,
  });
  const agents: RunningAgent[] = [];
  try {
    for (let a = 0; a < 2; a++)
      agents.push(
        await startAgent({
          flags: {
            master: master.url.replace("http://", ""),
            work_dir: join(dir, `agent-${a}`),
            port: "0",
            ip: "127.0.0.1",
            resources: "cpus:8;mem:8192;disk:8192",
            registration_backoff_factor: "10ms",
          },
          logger,
        }),
      );
    const jobs = await startJobs({ master: master.url, dataDir: join(dir, "jobs"), httpPort: 0 });
    try {
      // Far enough ahead for every create (each one committed to SQLite) to land before it.
      const due = new Date(Date.now() + 30_000).toISOString();
      const createStart = Date.now();
      for (let i = 0; i < REAL_JOBS; i++) {
        const res = await fetch(`${jobs.url}/v1/scheduler/iso8601`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({
            name: `real-${i}`,
            command: "true",
            cpus: 0.05,
            mem: 16,
            schedule: `R1/${due}/PT1H`,
          }),
        });
        if (res.status !== 204) throw new Error(`create failed: ${res.status}`);
      }
      const createMs = (Date.now() - createStart) / REAL_JOBS;
      if (Date.now() > Date.parse(due))
        throw new Error("creating the jobs took past their due time");
      const lags: number[] = [];
      await until("every job ran", async () => {
        lags.length = 0;
        for (let i = 0; i < REAL_JOBS; i++) {
          const res = await fetch(`${jobs.url}/v1/scheduler/job/real-${i}/history`);
          const run = (
            (await res.json()) as { runs: { state: string; due: string; started: string }[] }
          ).runs[0];
          if (run?.state !== "success") return false;
          lags.push(Date.parse(run.started) - Date.parse(run.due));
        }
        return true;
      });
      const context = { jobs: REAL_JOBS, agents: 2 };
      return [
        {
          name: "real: lag due -> running p50",
          value: percentile(lags, 0.5),
          unit: "ms",
          ...context,
        },
        {
          name: "real: lag due -> running p99",
          value: percentile(lags, 0.99),
          unit: "ms",
          ...context,
        },
        {
          name: "real: POST iso8601 (create, durable)",
          value: Math.round(createMs * 10) / 10,
          unit: "ms",
          ...context,
        },
      ];
    } finally {
      await jobs.close();
    }
  } finally {
    for (const a of agents) await a.close();
    await master.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const suite: BenchSuite = {
  name: "jobs",
  description: `${SIM_JOBS} jobs due every minute on simulated agents (${SIM_MINUTES} min); ${REAL_JOBS} jobs on 2 real agents`,
  async run() {
    // JOBS_BENCH_SIM_ONLY=1 skips the real cluster (quick runs while tuning the engine).
    const sim = simulated();
    return process.env.JOBS_BENCH_SIM_ONLY === "1" ? sim : [...sim, ...(await real())];
  },
};
