// A simulation's configuration with every default applied and every time in milliseconds
// (scenario.ts parses scenario files into it; tests build it directly).
import type { Fault, FaultRates } from "./faults.ts";
import { CALM_NETWORK, type NetworkFaults } from "./network.ts";
import type { WorkloadSpec } from "./workload.ts";

export interface AgentGroup {
  count: number;
  cpus: number;
  memMb: number;
  attributes: Readonly<Record<string, string>>;
}

export interface FrameworkConfig {
  name: string;
  role: string;
  /** The role's weight (set with UPDATE_WEIGHTS at start); undefined: 1. */
  weight: number | undefined;
  checkpoint: boolean;
  partitionAware: boolean;
  /** With static pools, the framework uses only agents whose `pool` attribute equals this. */
  pool: string | undefined;
  workloads: WorkloadSpec[];
}

export interface SimConfig {
  name: string;
  seed: number;
  /** Workload and faults run until then; then the calm: no faults, no new work. */
  untilMs: number;
  calmMs: number;
  /** At the calm, kill every task (fault suites) or only services (experiments). */
  killAllAtEnd: boolean;
  /** Utilization and share samples every `sampleMs`. */
  sampleMs: number;
  agents: AgentGroup[];
  frameworks: FrameworkConfig[];
  /** Frameworks keep to their pools (a statically partitioned cluster). */
  staticPools: boolean;
  network: NetworkFaults;
  faults: {
    rates: FaultRates;
    fromMs: number;
    durationMs: readonly [number, number];
    schedule: Fault[];
  };
  master: { allocationIntervalMs: number; offerTimeoutMs: number | undefined };
  /**
   * Check the per-step invariants after every master step; when false, at every sample (the
   * master core's own check walks every agent and offer: too slow per step on big clusters).
   */
  checkEveryStep: boolean;
  /** When set, DRF bounds are checked at every sample once the run is past `fromMs`. */
  drf?: { bound: number; fromMs: number };
}

export function defaultSimConfig(overrides: Partial<SimConfig> = {}): SimConfig {
  return {
    name: "sim",
    seed: 1,
    untilMs: 10 * 60_000,
    calmMs: 10 * 60_000,
    killAllAtEnd: true,
    sampleMs: 10_000,
    agents: [{ count: 4, cpus: 4, memMb: 4096, attributes: {} }],
    frameworks: [],
    staticPools: false,
    network: CALM_NETWORK,
    faults: { rates: {}, fromMs: 0, durationMs: [5_000, 120_000], schedule: [] },
    master: { allocationIntervalMs: 1000, offerTimeoutMs: 30_000 },
    checkEveryStep: true,
    ...overrides,
  };
}
