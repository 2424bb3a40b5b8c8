// The built-in resource estimator and QoS controller, pure: a sample of every live container
// (its allocation, split into revocable and not, and its measured cpu time and memory) in,
// decisions out. Time is the samples' own timestamps.
//
// Estimate (`usage`): for each running non-revocable container, what it was given and does not
// use — cpus from its cpu time since the previous sample, mem from its resident memory — summed
// and rounded down to a hundredth of a cpu and a whole MB. A container seen once has no cpu
// rate yet and counts as using all its cpus (nothing is offered before it was measured); the
// QoS controller counts it as idle instead (nothing is ended before it was measured).
//
// QoS (`usage`): the revocable containers hold more than the estimate now leaves (the
// non-revocable ones want their resources back): the youngest revocable containers are ended
// until what the rest hold fits.
import type { Resource } from "../../wire/resource.ts";

export interface ContainerSample {
  readonly containerId: string;
  /** When the container was launched (ms), to end the youngest first. */
  readonly launchedMs: number;
  /** What its tasks and executor were given: non-revocable and revocable parts. */
  readonly cpus: number;
  readonly memMb: number;
  readonly revocableCpus: number;
  readonly revocableMemMb: number;
  /** Measured: cumulative cpu seconds (user + system), resident memory, at `atSeconds`. */
  readonly cpuSeconds: number | undefined;
  readonly rssBytes: number | undefined;
  readonly atSeconds: number;
}

export interface Unused {
  readonly cpus: number;
  readonly memMb: number;
}

/** The cpu rate of a container between two samples, undefined with one. */
function cpuRate(now: ContainerSample, before: ContainerSample | undefined): number | undefined {
  if (before === undefined || now.cpuSeconds === undefined || before.cpuSeconds === undefined)
    return undefined;
  const dt = now.atSeconds - before.atSeconds;
  if (dt <= 0) return undefined;
  return Math.max(0, (now.cpuSeconds - before.cpuSeconds) / dt);
}

/** Allocated but unused cpus and mem of the non-revocable containers. */
export function unusedResources(
  samples: readonly ContainerSample[],
  previous: ReadonlyMap<string, ContainerSample>,
  /** How a container not measured yet counts: as using all it has (the estimate), or none
   *  of it (the QoS controller: no correction before a container was measured). */
  unmeasured: "used" | "idle" = "used",
): Unused {
  let cpus = 0;
  let memMb = 0;
  for (const s of samples) {
    // A revocable container's own (executor) share is not lent out again.
    if (s.revocableCpus > 0 || s.revocableMemMb > 0 || (s.cpus <= 0 && s.memMb <= 0)) continue;
    const rate = cpuRate(s, previous.get(s.containerId));
    if (rate !== undefined) cpus += Math.max(0, s.cpus - rate);
    else if (unmeasured === "idle") cpus += s.cpus;
    if (s.rssBytes !== undefined) memMb += Math.max(0, s.memMb - s.rssBytes / (1024 * 1024));
  }
  return { cpus: Math.floor(cpus * 100) / 100, memMb: Math.floor(memMb) };
}

/** The estimate as revocable resources (nothing for an amount of zero). */
export function revocableResources(unused: Unused): Resource[] {
  const out: Resource[] = [];
  if (unused.cpus > 0)
    out.push({ name: "cpus", type: "SCALAR", scalar: { value: unused.cpus }, revocable: {} });
  if (unused.memMb > 0)
    out.push({ name: "mem", type: "SCALAR", scalar: { value: unused.memMb }, revocable: {} });
  return out;
}

/** The revocable containers to end, youngest first, so that what the others hold fits. */
export function qosCorrections(samples: readonly ContainerSample[], unused: Unused): string[] {
  const revocable = samples
    .filter((s) => s.revocableCpus > 0 || s.revocableMemMb > 0)
    .sort((a, b) => b.launchedMs - a.launchedMs);
  let cpus = revocable.reduce((sum, s) => sum + s.revocableCpus, 0);
  let memMb = revocable.reduce((sum, s) => sum + s.revocableMemMb, 0);
  const out: string[] = [];
  // A hundredth of a cpu and a MB of slack: the estimate is rounded down to them.
  for (const s of revocable) {
    if (cpus <= unused.cpus + 0.01 && memMb <= unused.memMb + 1) break;
    out.push(s.containerId);
    cpus -= s.revocableCpus;
    memMb -= s.revocableMemMb;
  }
  return out;
}
