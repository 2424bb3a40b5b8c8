// Aurora's preemptor as one pure decision (reference §3.1 "Tiers and preemption"): given an
// instance that has waited too long and what runs on each agent, which agent and which victims
// free enough room for it, evicting as little as possible? Who may preempt whom:
//   - a victim of the same role with a lower priority (never across roles by priority), or
//   - a preemptible victim when the candidate is not preemptible (a preferred one);
//   - a preferred (non-preemptible) victim only for a preferred candidate of its own role with a
//     higher priority — never for a preemptible one.
// Revocable and non-revocable resources are separate pools: a victim frees room only in its own
// pool, so only victims in the candidate's pool count. The cost is O(n log n) in the agents'
// tasks, as each agent's victims are sorted once.

/** cpus, mem, disk, gpus in thousandths (src/resources' fixed point), so sums are exact. */
export type Need = readonly [number, number, number, number];

export const NO_NEED: Need = [0, 0, 0, 0];

export interface PreemptionTask {
  readonly id: string;
  readonly role: string;
  readonly preemptible: boolean;
  readonly revocable: boolean;
  readonly priority: number;
  readonly uses: Need;
}

export interface PreemptionCandidate {
  readonly role: string;
  readonly preemptible: boolean;
  readonly revocable: boolean;
  readonly priority: number;
  readonly needs: Need;
}

export interface PreemptionAgent {
  readonly agentId: string;
  /** Unused resources known on the agent, in the candidate's pool. */
  readonly free: Need;
  readonly tasks: readonly PreemptionTask[];
}

export interface PreemptionChoice {
  readonly agentId: string;
  /** The victims' ids, fewest that free enough room. */
  readonly victims: readonly string[];
}

/** Whether `candidate` may evict `victim` (see the rules at the top). */
export function canPreempt(candidate: PreemptionCandidate, victim: PreemptionTask): boolean {
  if (victim.revocable !== candidate.revocable) return false;
  const higherInRole = victim.role === candidate.role && candidate.priority > victim.priority;
  if (!victim.preemptible) return !candidate.preemptible && higherInRole;
  return !candidate.preemptible || higherInRole;
}

const DIMS = [0, 1, 2, 3] as const;

function covers(free: readonly number[], needs: Need): boolean {
  return DIMS.every((d) => (free[d] as number) >= needs[d]);
}

/** `into += v` (or `-=` with sign -1), per resource. */
function addInto(into: number[], v: Need, sign = 1): void {
  for (const d of DIMS) into[d] = (into[d] as number) + sign * v[d];
}

/** How much of what is missing a victim frees (its dominant share of the deficit). */
function weight(uses: Need, deficit: readonly number[]): number {
  let w = 0;
  for (const d of DIMS) {
    const missing = deficit[d] as number;
    if (missing > 0) w = Math.max(w, Math.min(1, uses[d] / missing));
  }
  return w;
}

/** Victims on one agent: lowest priority first, then those freeing most; pruned to the fewest. */
function victimsOn(
  candidate: PreemptionCandidate,
  agent: PreemptionAgent,
): PreemptionTask[] | undefined {
  if (covers(agent.free, candidate.needs)) return undefined; // room already: nothing to preempt
  const deficit = DIMS.map((d) => candidate.needs[d] - agent.free[d]);
  const eligible = agent.tasks.filter((t) => canPreempt(candidate, t));
  const total = [...agent.free];
  for (const t of eligible) addInto(total, t.uses);
  if (!covers(total, candidate.needs)) return undefined;
  const ranked = eligible
    .map((t) => ({ t, w: weight(t.uses, deficit) }))
    .sort((a, b) => a.t.priority - b.t.priority || b.w - a.w || (a.t.id < b.t.id ? -1 : 1));
  const chosen: PreemptionTask[] = [];
  const freed = [...agent.free];
  for (const { t } of ranked) {
    if (covers(freed, candidate.needs)) break;
    if (weight(t.uses, deficit) === 0) continue; // frees nothing that is missing
    chosen.push(t);
    addInto(freed, t.uses);
  }
  // Drop victims that turned out unnecessary, most important (latest chosen) first.
  for (let k = chosen.length - 1; k >= 0; k--) {
    const t = chosen[k] as PreemptionTask;
    const without = [...freed];
    addInto(without, t.uses, -1);
    if (covers(without, candidate.needs)) {
      chosen.splice(k, 1);
      addInto(freed, t.uses, -1);
    }
  }
  return chosen;
}

/**
 * The agent where the fewest victims (then the lowest sum of their priorities) free room for
 * `candidate`; undefined when no agent can. `fits` filters agents the candidate may not use
 * (constraints, dedicated hosts); agents with room already are skipped (no preemption needed).
 */
export function choosePreemption(
  candidate: PreemptionCandidate,
  agents: Iterable<PreemptionAgent>,
  fits: (agentId: string) => boolean = () => true,
): PreemptionChoice | undefined {
  let best: { agentId: string; victims: PreemptionTask[]; prioritySum: number } | undefined;
  for (const agent of agents) {
    if (!fits(agent.agentId)) continue;
    const victims = victimsOn(candidate, agent);
    if (victims === undefined || victims.length === 0) continue;
    const prioritySum = victims.reduce((s, t) => s + t.priority, 0);
    if (
      best === undefined ||
      victims.length < best.victims.length ||
      (victims.length === best.victims.length && prioritySum < best.prioritySum)
    )
      best = { agentId: agent.agentId, victims, prioritySum };
  }
  return best === undefined
    ? undefined
    : { agentId: best.agentId, victims: best.victims.map((t) => t.id) };
}
