// What a simulation run measured: utilization over time (sampled on the virtual clock), task
// wait and completion times, job completion times, dominant shares per role, offers made,
// accepted and declined, faults injected, and the trace hash that identifies the run.
import { allocationMismatches, checkDrf, dominantShares, scalarOf } from "./invariants.ts";
import type { Simulation } from "./simulation.ts";

export interface Stats {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  max: number;
}

export interface SimReport {
  scenario: string;
  seed: number;
  untilMs: number;
  calmMs: number;
  staticPools: boolean;
  steps: number;
  masterSteps: number;
  traceHash: string;
  traceRecords: number;
  network: { delivered: number; dropped: number; duplicated: number };
  faults: Record<string, number>;
  cluster: { agents: number; cpus: number; memMb: number };
  utilization: {
    meanCpu: number;
    meanMem: number;
    timeline: { tMs: number; cpu: number; mem: number }[];
  };
  tasks: {
    launched: number;
    finished: number;
    failed: number;
    killed: number;
    lost: number;
    waitMs: Stats;
    completionMs: Stats;
  };
  jobs: { submitted: number; completed: number; completionMs: Stats };
  roles: { role: string; meanShare: number; maxShare: number }[];
  offers: { made: number; accepted: number; declined: number };
  frameworks: {
    name: string;
    role: string;
    offersReceived: number;
    offersAccepted: number;
    offersDeclined: number;
    tasksLaunched: number;
    jobsCompleted: number;
    jobCompletionMs: Stats;
  }[];
}

interface Sample {
  tMs: number;
  cpu: number;
  mem: number;
  shares: Map<string, number>;
}

export class MetricsRecorder {
  offersMade = 0;
  readonly samples: Sample[] = [];

  constructor(readonly sim: Simulation) {}

  start(): void {
    const { sampleMs, untilMs } = this.sim.config;
    for (let t = sampleMs; t <= untilMs; t += sampleMs) this.sim.clock.at(t, () => this.#sample());
  }

  #sample(): void {
    const mismatches = allocationMismatches(this.sim);
    if (mismatches.length > 0) this.sim.fail(`${mismatches.join("; ")} (at a sample)`);
    const drf = this.sim.config.drf;
    if (drf !== undefined && this.sim.clock.nowMs >= drf.fromMs) {
      const problems = checkDrf(this.sim, drf.bound);
      if (problems.length > 0) this.sim.fail(`${problems.join("; ")} (at a sample)`);
    }
    let cpus = 0;
    let mem = 0;
    let usedCpus = 0;
    let usedMem = 0;
    for (const agent of this.sim.agents) {
      cpus += scalarOf(agent.info.resources, "cpus");
      mem += scalarOf(agent.info.resources, "mem");
      const use = agent.containers.usage();
      usedCpus += use.cpus;
      usedMem += use.memMb;
    }
    this.samples.push({
      tMs: this.sim.clock.nowMs,
      cpu: cpus === 0 ? 0 : usedCpus / cpus,
      mem: mem === 0 ? 0 : usedMem / mem,
      shares: dominantShares(this.sim),
    });
  }

  report(): SimReport {
    const sim = this.sim;
    const waits: number[] = [];
    const completions: number[] = [];
    const jobTimes: number[] = [];
    const counts = { launched: 0, finished: 0, failed: 0, killed: 0, lost: 0 };
    let jobsSubmitted = 0;
    const frameworks: SimReport["frameworks"] = [];
    for (const fw of sim.frameworks) {
      const fwJobs: number[] = [];
      for (const task of fw.tasks.values()) {
        if (task.launchedAtMs === undefined) continue;
        counts.launched++;
        if (task.runningAtMs !== undefined) waits.push(task.runningAtMs - task.submittedAtMs);
        if (task.terminal === "TASK_FINISHED") counts.finished++;
        else if (task.terminal === "TASK_FAILED") counts.failed++;
        else if (task.terminal === "TASK_KILLED") counts.killed++;
        else if (task.terminal !== undefined) counts.lost++;
        if (task.terminal === "TASK_FINISHED" && task.endedAtMs !== undefined)
          completions.push(task.endedAtMs - task.submittedAtMs);
      }
      for (const job of fw.jobs.values()) {
        jobsSubmitted++;
        if (job.endedAtMs !== undefined) fwJobs.push(job.endedAtMs - job.arrivedAtMs);
      }
      jobTimes.push(...fwJobs);
      frameworks.push({
        name: fw.name,
        role: fw.role,
        offersReceived: fw.counters.offersReceived,
        offersAccepted: fw.counters.offersAccepted,
        offersDeclined: fw.counters.offersDeclined,
        tasksLaunched: fw.counters.tasksLaunched,
        jobsCompleted: fwJobs.length,
        jobCompletionMs: stats(fwJobs),
      });
    }
    const roles = [...new Set(sim.frameworks.map((f) => f.role))].sort().map((role) => {
      const shares = this.samples.map((s) => s.shares.get(role) ?? 0);
      return { role, meanShare: mean(shares), maxShare: Math.max(0, ...shares) };
    });
    let cpus = 0;
    let memMb = 0;
    for (const agent of sim.agents) {
      cpus += scalarOf(agent.info.resources, "cpus");
      memMb += scalarOf(agent.info.resources, "mem");
    }
    return {
      scenario: sim.config.name,
      seed: sim.config.seed,
      untilMs: sim.config.untilMs,
      calmMs: sim.config.calmMs,
      staticPools: sim.config.staticPools,
      steps: sim.clock.steps,
      masterSteps: sim.master.steps,
      traceHash: sim.network.trace.hex(),
      traceRecords: sim.network.trace.count,
      network: {
        delivered: sim.network.delivered,
        dropped: sim.network.dropped,
        duplicated: sim.network.duplicated,
      },
      faults: Object.fromEntries([...sim.faultCounts].sort()),
      cluster: { agents: sim.agents.length, cpus, memMb },
      utilization: {
        meanCpu: mean(this.samples.map((s) => s.cpu)),
        meanMem: mean(this.samples.map((s) => s.mem)),
        timeline: this.samples.map((s) => ({ tMs: s.tMs, cpu: s.cpu, mem: s.mem })),
      },
      tasks: { ...counts, waitMs: stats(waits), completionMs: stats(completions) },
      jobs: { submitted: jobsSubmitted, completed: jobTimes.length, completionMs: stats(jobTimes) },
      roles,
      offers: {
        made: this.offersMade,
        accepted: frameworks.reduce((n, f) => n + f.offersAccepted, 0),
        declined: frameworks.reduce((n, f) => n + f.offersDeclined, 0),
      },
      frameworks,
    };
  }
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

export function stats(values: readonly number[]): Stats {
  if (values.length === 0) return { count: 0, mean: 0, p50: 0, p95: 0, max: 0 };
  // Times are whole milliseconds (registration backoffs make the clock fractional).
  const sorted = values.map((v) => Math.round(v)).sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return {
    count: sorted.length,
    mean: Math.round(mean(sorted)),
    p50: at(0.5),
    p95: at(0.95),
    max: sorted[sorted.length - 1] ?? 0,
  };
}
