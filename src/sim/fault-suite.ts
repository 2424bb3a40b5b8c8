// The random-fault configuration the test suite and the soak run for each seed: a small cluster,
// a batch framework and a service framework (one partition-aware, one not), a lossy network and
// a high rate of every fault kind, all drawn from the seed. `runSeeds` runs many seeds and
// collects the failures with the seed that replays each.
import { SimInvariantError } from "./invariants.ts";
import { streamOf, uniformMs } from "./prng.ts";
import type { SimReport } from "./report.ts";
import { defaultSimConfig, type SimConfig } from "./sim-config.ts";
import { Simulation } from "./simulation.ts";

export interface FaultSuiteOptions {
  /** Workload-and-faults phase; the calm that follows is as long. */
  untilMs: number;
  /** Multiplies every fault rate. */
  intensity: number;
}

export const QUICK_SUITE: FaultSuiteOptions = { untilMs: 5 * 60_000, intensity: 1 };

export function faultSuiteConfig(
  seed: number,
  options: FaultSuiteOptions = QUICK_SUITE,
): SimConfig {
  const rng = streamOf(seed, "fault-suite");
  const agents = uniformMs(rng, 2, 5);
  const batchPartitionAware = rng.nextFloat() < 0.5;
  const perHour = (n: number) => n * options.intensity * (0.5 + rng.nextFloat());
  return defaultSimConfig({
    name: `faults-${seed}`,
    seed,
    untilMs: options.untilMs,
    calmMs: Math.max(options.untilMs, 15 * 60_000),
    killAllAtEnd: true,
    agents: [{ count: agents, cpus: 4, memMb: 4096, attributes: {} }],
    frameworks: [
      {
        name: "batch",
        role: "batch",
        weight: undefined,
        checkpoint: rng.nextFloat() < 0.8,
        partitionAware: batchPartitionAware,
        pool: undefined,
        workloads: [
          {
            type: "batch",
            jobs: Math.max(2, Math.round(options.untilMs / 60_000)),
            startMs: 1000,
            intervalMs: 30_000,
            tasksPerJob: [1, 4],
            task: { cpus: 1, memMb: 512 },
            duration: { exponentialMeanMs: 20_000 },
            failureRate: 0.1,
          },
        ],
      },
      {
        name: "service",
        role: "service",
        weight: undefined,
        checkpoint: true,
        partitionAware: !batchPartitionAware,
        pool: undefined,
        workloads: [
          { type: "service", instances: 2, startMs: 2000, task: { cpus: 0.5, memMb: 256 } },
        ],
      },
    ],
    network: {
      minLatencyMs: 1,
      maxLatencyMs: uniformMs(rng, 5, 100),
      dropRate: rng.nextFloat() * 0.05,
      duplicateRate: rng.nextFloat() * 0.05,
    },
    faults: {
      rates: {
        agent_crash: perHour(12),
        agent_crash_wipe: perHour(4),
        agent_partition: perHour(12),
        master_failover: perHour(6),
        framework_disconnect: perHour(8),
        framework_failover: perHour(6),
      },
      fromMs: 10_000,
      durationMs: [2_000, 90_000],
      schedule: [],
    },
  });
}

export interface SeedFailure {
  seed: number;
  message: string;
}

/** Runs each seed; a thrown error (invariant or core bug) is recorded with its seed. */
export function runSeeds(
  seeds: Iterable<number>,
  options: FaultSuiteOptions = QUICK_SUITE,
  onSeed?: (seed: number, report: SimReport | undefined) => void,
): { runs: number; failures: SeedFailure[]; faults: number; tasks: number } {
  const failures: SeedFailure[] = [];
  let runs = 0;
  let faults = 0;
  let tasks = 0;
  for (const seed of seeds) {
    runs++;
    try {
      const report = new Simulation(faultSuiteConfig(seed, options)).run();
      faults += Object.values(report.faults).reduce((a, b) => a + b, 0);
      tasks += report.tasks.launched;
      onSeed?.(seed, report);
    } catch (error) {
      const message =
        error instanceof SimInvariantError ? error.message : `seed ${seed}: ${String(error)}`;
      failures.push({ seed, message });
      onSeed?.(seed, undefined);
    }
  }
  return { runs, failures, faults, tasks };
}
