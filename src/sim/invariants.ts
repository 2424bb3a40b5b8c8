// What must hold in a simulated cluster. `checkStep` runs after every master step (cheap on
// small clusters); `checkEnd` runs once the calm is over and everything in flight has settled.
// A violation is thrown as a SimInvariantError naming the seed and the step that replay it.
import { fromMilli, Resources } from "../resources/index.ts";
import { isTerminalState } from "../wire/status.ts";
import type { Simulation } from "./simulation.ts";

export class SimInvariantError extends Error {
  constructor(
    readonly seed: number,
    readonly step: number,
    readonly atMs: number,
    readonly detail: string,
  ) {
    super(`simulation invariant broken: seed ${seed}, step ${step}, at ${atMs} ms: ${detail}`);
    this.name = "SimInvariantError";
  }
}

const EPSILON = 1e-6;

/** After every step: the master's own invariants; no agent runs more than it has. */
export function checkStep(sim: Simulation): string[] {
  const problems = sim.master.up ? sim.master.core.invariantViolations() : [];
  for (const agent of sim.agents) {
    const use = agent.containers.usage();
    const cpus = scalarOf(agent.info.resources, "cpus");
    const memMb = scalarOf(agent.info.resources, "mem");
    if (use.cpus > cpus + EPSILON || use.memMb > memMb + EPSILON) {
      problems.push(
        `agent ${agent.name} over-allocated: runs cpus ${use.cpus} mem ${use.memMb} of cpus ${cpus} mem ${memMb}`,
      );
    }
  }
  return problems;
}

/**
 * After the calm: every launched task reached its framework in one terminal state; every
 * update an agent took over from an executor reached the framework; no agent still retries
 * an update; the master's tasks on each agent are exactly what the agent runs.
 */
export function checkEnd(sim: Simulation): string[] {
  const problems: string[] = [];
  const byId = frameworksById(sim);
  for (const fw of sim.frameworks) {
    for (const [taskId, uuids] of fw.terminalUuids) {
      if (uuids.size > 1)
        problems.push(`task ${fw.name}/${taskId} got ${uuids.size} different terminal updates`);
    }
  }
  for (const [key, agentName] of sim.launchedTasks) {
    const slash = key.indexOf("/");
    const fw = byId.get(key.slice(0, slash));
    const task = fw?.tasks.get(key.slice(slash + 1));
    if (fw === undefined || task === undefined) {
      problems.push(`launched task ${key} is unknown to its framework`);
      continue;
    }
    if (task.terminal !== undefined) continue;
    // Without a final kill, a run may end with tasks still running (checked against the agents
    // below): only those settled in a non-running state are suspect.
    if (
      !sim.config.killAllAtEnd &&
      (task.state === "TASK_RUNNING" || task.state === "TASK_STAGING")
    )
      continue;
    // A partition-aware framework keeps an unreachable task as such while its agent never
    // comes back under the same id (Mesos does the same until the agent is marked gone).
    if (task.state === "TASK_UNREACHABLE" && sim.wipedAgents.has(agentName)) continue;
    problems.push(
      `launched task ${key} on ${agentName} never reached a terminal state at its framework (last ${task.state})`,
    );
  }
  problems.push(...undeliveredUpdates(sim));
  for (const agent of sim.agents) {
    if (sim.wipedAgents.has(agent.name)) continue;
    if (sim.config.killAllAtEnd && agent.up && agent.core.statusUpdates.streamCount > 0) {
      problems.push(
        `agent ${agent.name} still has ${agent.core.statusUpdates.streamCount} unacknowledged update streams`,
      );
    }
  }
  problems.push(...allocationMismatches(sim));
  if (sim.master.up) {
    const snap = sim.master.core.snapshot(sim.clock.nowMs);
    const live = new Map<string, string[]>();
    for (const t of snap.tasks) {
      if (isTerminalState(t.state)) continue;
      const list = live.get(t.agentId) ?? [];
      list.push(`${t.frameworkId}/${t.taskId}`);
      live.set(t.agentId, list);
    }
    for (const record of snap.agents) {
      if (record.connection !== "registered") continue;
      const agent = sim.agents.find((a) => a.up && a.core.agentId === record.id);
      if (agent === undefined) {
        problems.push(`master has agent ${record.id} registered that no simulated agent holds`);
        continue;
      }
      const master = (live.get(record.id) ?? []).sort().join(",");
      const runs = agent.containers.runningTasks().join(",");
      if (master !== runs)
        problems.push(`master thinks ${agent.name} runs [${master}] but it runs [${runs}]`);
    }
  }
  return problems;
}

/** Updates an agent took over from an executor (on a disk never wiped) that no framework got. */
export function undeliveredUpdates(sim: Simulation): string[] {
  const byId = frameworksById(sim);
  const problems: string[] = [];
  for (const agent of sim.agents) {
    if (sim.wipedAgents.has(agent.name)) continue;
    for (const [uuid, { key }] of agent.containers.executorAcked) {
      const slash = key.indexOf("/");
      const fw = byId.get(key.slice(0, slash));
      if (fw === undefined || fw.receivedUuids.has(uuid)) continue;
      const task = fw.tasks.get(key.slice(slash + 1));
      // An update after the task's terminal one is acknowledged and dropped by the agent.
      if (task !== undefined && (fw.terminalUuids.get(task.id)?.size ?? 0) > 0) continue;
      problems.push(
        `update ${uuid} of ${key} taken over by ${agent.name} never reached the framework`,
      );
    }
  }
  return problems;
}

function frameworksById(sim: Simulation): Map<string, Simulation["frameworks"][number]> {
  return new Map(
    sim.frameworks.flatMap((f) =>
      f.frameworkId === undefined ? [] : [[f.frameworkId, f] as const],
    ),
  );
}

/**
 * Allocations match: for every agent the allocator tracks, what it counts as allocated (offered
 * or used) equals the master's outstanding offers plus its tasks that still hold resources.
 */
export function allocationMismatches(sim: Simulation): string[] {
  if (!sim.master.up) return [];
  const snap = sim.master.core.snapshot(sim.clock.nowMs);
  const held = new Map<string, Resources>();
  const hold = (agentId: string, r: Resources) =>
    held.set(agentId, (held.get(agentId) ?? Resources.empty()).add(r.unallocate()));
  for (const t of snap.tasks) if (!t.released) hold(t.agentId, t.resources);
  for (const o of snap.offers) hold(o.agentId, o.resources);
  const allocator = sim.master.allocator;
  const known = new Set(allocator.agentIds());
  const problems: string[] = [];
  for (const agent of snap.agents) {
    if (!known.has(agent.id)) continue;
    const allocated = allocator.allocatedOn(agent.id);
    const master = held.get(agent.id) ?? Resources.empty();
    if (!allocated.equals(master)) {
      problems.push(
        `allocator has ${allocated.toString()} allocated on ${agent.id}, the master's tasks and offers hold ${master.toString()}`,
      );
    }
  }
  return problems;
}

/**
 * DRF in saturated steady state: while every framework has work queued (its demand exceeds
 * what it holds), weighted dominant shares (share / weight) differ by at most `bound`.
 * Unsaturated moments are skipped: a framework with nothing to run holds less by choice.
 */
export function checkDrf(sim: Simulation, bound: number): string[] {
  if (!sim.master.up || sim.frameworks.some((f) => f.queue.length === 0 || !f.subscribed))
    return [];
  const weights = new Map(sim.config.frameworks.map((f) => [f.role, f.weight ?? 1] as const));
  const shares = [...dominantShares(sim)].map(
    ([role, share]) => [role, share / (weights.get(role) ?? 1)] as const,
  );
  const values = shares.map(([, s]) => s);
  const spread = Math.max(...values) - Math.min(...values);
  if (spread <= bound + EPSILON) return [];
  return [
    `weighted dominant shares ${shares.map(([r, s]) => `${r}=${s.toFixed(3)}`).join(" ")} differ by ${spread.toFixed(3)} > ${bound}`,
  ];
}

/** Dominant share per role of what the master's live tasks hold (cpus and mem of all agents). */
export function dominantShares(sim: Simulation): Map<string, number> {
  let totalCpus = 0;
  let totalMem = 0;
  for (const agent of sim.agents) {
    totalCpus += scalarOf(agent.info.resources, "cpus");
    totalMem += scalarOf(agent.info.resources, "mem");
  }
  const held = new Map<string, { cpus: number; mem: number }>();
  for (const fw of sim.frameworks) held.set(fw.role, { cpus: 0, mem: 0 });
  if (sim.master.up) {
    for (const t of sim.master.core.snapshot(sim.clock.nowMs).tasks) {
      if (isTerminalState(t.state)) continue;
      const h = held.get(t.role) ?? { cpus: 0, mem: 0 };
      h.cpus += fromMilli(t.resources.get("cpus"));
      h.mem += fromMilli(t.resources.get("mem"));
      held.set(t.role, h);
    }
  }
  const shares = new Map<string, number>();
  for (const [role, h] of held) shares.set(role, Math.max(h.cpus / totalCpus, h.mem / totalMem));
  return shares;
}

export function scalarOf(
  resources: readonly { name: string; scalar?: { value: number } | undefined }[] | undefined,
  name: string,
): number {
  let sum = 0;
  for (const r of resources ?? []) if (r.name === name) sum += r.scalar?.value ?? 0;
  return sum;
}
