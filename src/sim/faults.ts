// Fault schedules: given in a scenario, or drawn from the run's seed (a Poisson process per
// fault kind, rates per hour of virtual time). The simulation applies them; this module only
// says what happens when, so that a schedule can be printed, compared and replayed.
import { exponentialMs, type SeededRandom, uniformMs } from "./prng.ts";

export type FaultKind =
  | "agent_crash"
  | "agent_crash_wipe"
  | "agent_partition"
  | "master_failover"
  | "framework_disconnect"
  | "framework_failover";

export const FAULT_KINDS: readonly FaultKind[] = [
  "agent_crash",
  "agent_crash_wipe",
  "agent_partition",
  "master_failover",
  "framework_disconnect",
  "framework_failover",
];

export interface Fault {
  atMs: number;
  kind: FaultKind;
  /** Index of the agent or framework hit (ignored for master_failover). */
  target: number;
  /** How long the agent or master stays down, or the partition lasts. */
  durationMs: number;
}

/** Expected faults per hour of virtual time, per kind. */
export type FaultRates = Partial<Record<FaultKind, number>>;

export interface RandomFaultPlan {
  rates: FaultRates;
  fromMs: number;
  untilMs: number;
  agents: number;
  frameworks: number;
  /** Down time / partition length: uniform in this range. */
  durationMs: readonly [number, number];
}

export function randomFaults(plan: RandomFaultPlan, rng: SeededRandom): Fault[] {
  const out: Fault[] = [];
  for (const kind of FAULT_KINDS) {
    const perHour = plan.rates[kind] ?? 0;
    if (perHour <= 0) continue;
    const targets = kind.startsWith("framework")
      ? plan.frameworks
      : kind === "master_failover"
        ? 1
        : plan.agents;
    if (targets === 0) continue;
    const meanGapMs = 3_600_000 / perHour;
    let atMs = plan.fromMs + exponentialMs(rng, meanGapMs);
    while (atMs < plan.untilMs) {
      out.push({
        atMs,
        kind,
        target: rng.nextInt(targets),
        durationMs: uniformMs(rng, plan.durationMs[0], plan.durationMs[1]),
      });
      atMs += Math.max(1, exponentialMs(rng, meanGapMs));
    }
  }
  return sortFaults(out);
}

export function sortFaults(faults: Fault[]): Fault[] {
  return faults.sort(
    (a, b) =>
      a.atMs - b.atMs ||
      FAULT_KINDS.indexOf(a.kind) - FAULT_KINDS.indexOf(b.kind) ||
      a.target - b.target,
  );
}
