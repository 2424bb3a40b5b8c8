// A small deterministic allocator for the master core's tests: every allocation offers each
// active agent's whole unallocated remainder to the active, unsuppressed framework role that has
// been offered least, honouring refuse filters. The real DRF allocator is tested on its own.

import type {
  AgentSpec,
  AllocatorOffer,
  AllocatorPort,
  FrameworkSpec,
} from "../../../src/master/core/allocator-port.ts";

type FrameworkState = {
  roles: string[];
  suppressedRoles: string[];
  active: boolean;
  offered: number;
};

import { ResourceQuantities, Resources } from "../../../src/resources/index.ts";

interface AgentState {
  total: Resources;
  allocated: Resources;
  active: boolean;
}

export class FakeAllocator implements AllocatorPort {
  readonly frameworks = new Map<string, FrameworkState>();
  readonly agents = new Map<string, AgentState>();
  /** `frameworkId|agentId` -> refused until (ms). */
  readonly filters = new Map<string, number>();
  readonly calls: string[] = [];

  addFramework(id: string, f: FrameworkSpec): void {
    this.frameworks.set(id, state(f, 0));
  }
  updateFramework(id: string, f: FrameworkSpec): void {
    this.frameworks.set(id, state(f, this.frameworks.get(id)?.offered ?? 0));
  }
  removeFramework(id: string): void {
    this.frameworks.delete(id);
  }
  activateFramework(id: string): void {
    const f = this.frameworks.get(id);
    if (f !== undefined) f.active = true;
  }
  deactivateFramework(id: string): void {
    const f = this.frameworks.get(id);
    if (f !== undefined) f.active = false;
  }
  addAgent(id: string, a: AgentSpec, used: ReadonlyMap<string, Resources> = new Map()): void {
    let allocated = Resources.empty();
    for (const r of used.values()) allocated = allocated.add(r.unallocate());
    this.agents.set(id, { total: a.total, allocated, active: a.active ?? true });
  }
  updateAgent(id: string, total: Resources): void {
    const agent = this.agents.get(id);
    if (agent !== undefined) agent.total = total;
  }
  needsAllocation(): boolean {
    return false;
  }
  readonly weights = new Map<string, number>();
  updateWeights(weights: Iterable<readonly [string, number]>): { readonly ok: true } {
    for (const [role, weight] of weights) this.weights.set(role, weight);
    return { ok: true };
  }
  readonly quotas = new Map<string, unknown>();
  updateQuota(role: string, quota: unknown): { readonly ok: true } {
    this.quotas.set(role, quota);
    return { ok: true };
  }
  removeAgent(id: string): void {
    this.agents.delete(id);
  }
  activateAgent(id: string): void {
    const a = this.agents.get(id);
    if (a !== undefined) a.active = true;
  }
  deactivateAgent(id: string): void {
    const a = this.agents.get(id);
    if (a !== undefined) a.active = false;
  }
  recoverResources(
    frameworkId: string,
    agentId: string,
    resources: Resources,
    filter: { readonly refuseSeconds: number } | undefined,
    nowMs: number,
  ): void {
    const refuseSeconds = filter?.refuseSeconds ?? 0;
    this.calls.push(`recover ${frameworkId} ${agentId} ${resources.toString()} ${refuseSeconds}`);
    const agent = this.agents.get(agentId);
    if (agent === undefined) return;
    agent.allocated = agent.allocated.subtract(resources.unallocate());
    if (refuseSeconds > 0)
      this.filters.set(`${frameworkId}|${agentId}`, nowMs + refuseSeconds * 1000);
  }
  addUsed(_frameworkId: string, agentId: string, resources: Resources): void {
    const agent = this.agents.get(agentId);
    if (agent !== undefined) agent.allocated = agent.allocated.add(resources.unallocate());
  }
  suppressRoles(frameworkId: string, roles: readonly string[]): void {
    const f = this.frameworks.get(frameworkId);
    if (f !== undefined) f.suppressedRoles = [...new Set([...f.suppressedRoles, ...roles])];
  }
  reviveRoles(frameworkId: string, roles: readonly string[]): void {
    const f = this.frameworks.get(frameworkId);
    if (f !== undefined) f.suppressedRoles = f.suppressedRoles.filter((r) => !roles.includes(r));
    for (const key of [...this.filters.keys()]) {
      if (key.startsWith(`${frameworkId}|`)) this.filters.delete(key);
    }
  }
  allocate(nowMs: number, _options?: { readonly full?: boolean }): AllocatorOffer[] {
    const out: AllocatorOffer[] = [];
    for (const [agentId, agent] of [...this.agents].sort(([a], [b]) => a.localeCompare(b))) {
      if (!agent.active) continue;
      const available = agent.total.subtract(agent.allocated);
      if (available.isEmpty()) continue;
      const candidates = [...this.frameworks]
        .filter(([id, f]) => {
          const until = this.filters.get(`${id}|${agentId}`);
          return f.active && (until === undefined || until <= nowMs);
        })
        .flatMap(([id, f]) =>
          f.roles.filter((r) => !f.suppressedRoles.includes(r)).map((role) => ({ id, f, role })),
        )
        .sort((a, b) => a.f.offered - b.f.offered || a.id.localeCompare(b.id));
      const pick = candidates[0];
      if (pick === undefined) continue;
      pick.f.offered++;
      agent.allocated = agent.allocated.add(available);
      out.push({
        frameworkId: pick.id,
        role: pick.role,
        agentId,
        resources: available.allocate(pick.role),
      });
    }
    return out;
  }
  // Maintenance: the fake records windows and makes no inverse offers (the real allocator's
  // inverse offers are tested in test/allocator and through the master core with it).
  readonly unavailability = new Map<string, unknown>();
  updateUnavailability(agentId: string, unavailability: unknown): void {
    if (unavailability === undefined) this.unavailability.delete(agentId);
    else this.unavailability.set(agentId, unavailability);
  }
  updateInverseOffer(): void {}
  generateInverseOffers(): [] {
    return [];
  }
  getInverseOfferStatuses(): Map<string, never[]> {
    return new Map();
  }
  // The metrics' reads: what each agent has given out, no shares and no quota of its own.
  allocatedOn(agentId: string): Resources {
    return this.agents.get(agentId)?.allocated ?? Resources.empty();
  }
  allocatedTo(): Resources {
    return Resources.empty();
  }
  roleShare(): number {
    return 0;
  }
  quotaConsumed(): ResourceQuantities {
    return ResourceQuantities.empty();
  }
}

function state(f: FrameworkSpec, offered: number): FrameworkState {
  return {
    roles: [...f.roles],
    suppressedRoles: [...(f.suppressedRoles ?? [])],
    active: f.active ?? true,
    offered,
  };
}
