// A small deterministic allocator for the master core's tests: every allocation offers each
// active agent's whole unallocated remainder to the active, unsuppressed framework role that has
// been offered least, honouring refuse filters. The real DRF allocator is tested on its own.

import type {
  AllocatorAgent,
  AllocatorFramework,
  AllocatorOffer,
  AllocatorPort,
} from "../../../src/master/core/allocator-port.ts";
import { Resources } from "../../../src/resources/index.ts";

interface AgentState {
  total: Resources;
  allocated: Resources;
  active: boolean;
}

export class FakeAllocator implements AllocatorPort {
  readonly frameworks = new Map<string, AllocatorFramework & { offered: number }>();
  readonly agents = new Map<string, AgentState>();
  /** `frameworkId|agentId` -> refused until (ms). */
  readonly filters = new Map<string, number>();
  readonly calls: string[] = [];

  addFramework(id: string, f: AllocatorFramework): void {
    this.frameworks.set(id, { ...f, offered: 0 });
  }
  updateFramework(id: string, f: AllocatorFramework): void {
    const old = this.frameworks.get(id);
    this.frameworks.set(id, { ...f, offered: old?.offered ?? 0 });
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
  addAgent(id: string, a: AllocatorAgent): void {
    let allocated = Resources.empty();
    for (const r of a.used.values()) allocated = allocated.add(r.unallocate());
    this.agents.set(id, { total: a.total, allocated, active: a.active });
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
    refuseSeconds: number,
    nowMs: number,
  ): void {
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
  allocate(nowMs: number): AllocatorOffer[] {
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
}
