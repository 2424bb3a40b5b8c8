// What the master core needs from an allocator (reference §6). The core drives it: it tells it
// about frameworks, agents and recovered resources, and asks it for offers when the allocation
// timer fires. Resources are domain `Resources` (src/resources); offered resources carry their
// allocation role.
import type { Resources } from "../../resources/index.ts";

export interface AllocatorFramework {
  roles: readonly string[];
  suppressedRoles: readonly string[];
  active: boolean;
}

export interface AllocatorAgent {
  hostname: string;
  total: Resources;
  /** Resources already in use by frameworks (tasks and executors), keyed by framework id. */
  used: ReadonlyMap<string, Resources>;
  active: boolean;
}

/** One offer the allocator decided on: one framework, one role, one agent. */
export interface AllocatorOffer {
  frameworkId: string;
  role: string;
  agentId: string;
  resources: Resources;
}

export interface AllocatorPort {
  addFramework(frameworkId: string, framework: AllocatorFramework): void;
  updateFramework(frameworkId: string, framework: AllocatorFramework): void;
  removeFramework(frameworkId: string): void;
  activateFramework(frameworkId: string): void;
  deactivateFramework(frameworkId: string): void;
  addAgent(agentId: string, agent: AllocatorAgent): void;
  removeAgent(agentId: string): void;
  activateAgent(agentId: string): void;
  deactivateAgent(agentId: string): void;
  /**
   * Gives resources back (declined, unused part of an accepted offer, rescinded, released by a
   * terminal task). `refuseSeconds` > 0 installs an offer filter for the framework on the agent.
   */
  recoverResources(
    frameworkId: string,
    agentId: string,
    resources: Resources,
    refuseSeconds: number,
    nowMs: number,
  ): void;
  /** Marks resources used by a framework (a task the master learnt from a re-registering agent). */
  addUsed(frameworkId: string, agentId: string, resources: Resources): void;
  suppressRoles(frameworkId: string, roles: readonly string[]): void;
  /** Unsuppresses the roles and clears their offer filters. */
  reviveRoles(frameworkId: string, roles: readonly string[]): void;
  allocate(nowMs: number): AllocatorOffer[];
}
