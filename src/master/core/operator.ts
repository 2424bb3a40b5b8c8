// Operator mutations the core owns (TEARDOWN, MARK_AGENT_GONE, UPDATE_WEIGHTS, UPDATE_QUOTA, and
// through agent-activity.ts DEACTIVATE_AGENT, REACTIVATE_AGENT, DRAIN_AGENT) and a read-only
// snapshot of the master's state, from which the shell renders GET_ROLES, GET_WEIGHTS,
// GET_QUOTA and the legacy endpoints (reference §4.2, §4.5).
import { weightError } from "../../allocator/index.ts";
import { assert } from "../../base/assert.ts";
import { closestName } from "../../base/flag-parsing.ts";
import { ResourceQuantities, toMilli } from "../../resources/index.ts";
import { validateRole } from "../../wire/ids.ts";
import { operatorAgentActivity } from "./agent-activity.ts";
import { markGone } from "./agent-health.ts";
import { removeFramework } from "./frameworks.ts";
import { operatorMaintenance } from "./maintenance.ts";
import { operatorOperation } from "./operations-apply.ts";
import { applyRegistryOperation, emptyRegistryState, type QuotaConfig } from "./registry-state.ts";
import type { AgentRecord, Ctx, FrameworkRecord, OfferRecord, TaskRecord } from "./state.ts";
import type { OperatorCall, SchedulerCallReply } from "./types.ts";
import { agentActivity } from "./views.ts";
import type { AgentInfo, DrainInfo } from "./wire-types.ts";

type Reply = (ctx: Ctx, r: SchedulerCallReply) => void;

/**
 * Runs one operator call. Returns the answer when it is known at once (refusals, TEARDOWN);
 * undefined when it comes later, through `reply`, once the registry write is durable.
 */
export function operatorCall(
  ctx: Ctx,
  call: OperatorCall,
  reply: Reply,
): SchedulerCallReply | undefined {
  switch (call.type) {
    case "TEARDOWN":
      return operatorTeardown(ctx, call.frameworkId);
    case "MARK_AGENT_GONE":
      return operatorMarkGone(ctx, call.agentId, reply);
    case "UPDATE_WEIGHTS":
      return operatorUpdateWeights(ctx, call.weights, reply);
    case "UPDATE_QUOTA":
      return operatorUpdateQuota(ctx, call.configs, call.force, reply);
    case "DEACTIVATE_AGENT":
    case "REACTIVATE_AGENT":
    case "DRAIN_AGENT":
      return operatorAgentActivity(ctx, call, reply);
    case "UPDATE_MAINTENANCE_SCHEDULE":
    case "START_MAINTENANCE":
    case "STOP_MAINTENANCE":
      return operatorMaintenance(ctx, call, reply);
    case "OFFER_OPERATION":
      return operatorOperation(ctx, call.agentId, call.operation, call.principal);
  }
}

/** Operator TEARDOWN: 200 once done; unknown framework -> 400. */
export function operatorTeardown(ctx: Ctx, frameworkId: string): SchedulerCallReply {
  const framework = ctx.s.frameworks.get(frameworkId);
  if (framework === undefined) {
    return {
      ok: false,
      error: { code: "framework_not_found", message: `No framework found with specified ID` },
    };
  }
  removeFramework(ctx, framework);
  return { ok: true, status: 200 };
}

/**
 * MARK_AGENT_GONE: answered only once MarkAgentGone is durable. Idempotent for a gone agent;
 * unknown agent -> 404. Returns undefined when the answer comes later (through `reply`).
 */
export function operatorMarkGone(
  ctx: Ctx,
  agentId: string,
  reply: Reply,
): SchedulerCallReply | undefined {
  if (ctx.s.goneAgents.has(agentId)) return { ok: true, status: 200 };
  const known =
    ctx.s.agents.has(agentId) ||
    ctx.s.recoveredAgents.has(agentId) ||
    ctx.s.unreachableAgents.has(agentId);
  if (!known) {
    return {
      ok: false,
      error: { code: "agent_not_found", message: `Agent '${agentId}' not found` },
    };
  }
  markGone(ctx, agentId, (next) => reply(next, { ok: true, status: 200 }));
  return undefined;
}

/** UPDATE_WEIGHTS: validated, made durable, then applied to the allocator (reference §4.2). */
export function operatorUpdateWeights(
  ctx: Ctx,
  weights: readonly { role: string; weight: number }[],
  reply: Reply,
): SchedulerCallReply | undefined {
  for (const { role, weight } of weights) {
    const invalid = validateRole(role);
    if (invalid !== undefined)
      return { ok: false, error: { code: "invalid_call", message: invalid } };
    const invalidWeight = weightError(weight);
    if (invalidWeight !== undefined) {
      return { ok: false, error: { code: "invalid_call", message: invalidWeight } };
    }
  }
  ctx.persist([{ type: "UpdateWeights", weights: [...weights] }], (next) => {
    const applied = next.allocator.updateWeights(weights.map((w) => [w.role, w.weight] as const));
    assert(applied.ok, "weights validated before they were persisted");
    reply(next, { ok: true, status: 200 });
  });
  return undefined;
}

/** The allocator's form of a registry QuotaConfig. */
export function quotaOf(config: QuotaConfig): {
  guarantees: ResourceQuantities;
  limits: Map<string, number>;
} {
  const milli = (r: Record<string, number>) =>
    new Map(Object.entries(r).map(([name, value]) => [name, toMilli(value)] as const));
  return {
    guarantees: ResourceQuantities.from(milli(config.guarantees)),
    limits: milli(config.limits),
  };
}

function isReset(config: QuotaConfig): boolean {
  return Object.keys(config.guarantees).length === 0 && Object.keys(config.limits).length === 0;
}

/**
 * UPDATE_QUOTA (reference §4.2): all or nothing. Nested roles and '*' are refused, roles must
 * be valid (and whitelisted under --roles), guarantees must not exceed limits; without `force`
 * the guarantees of all roles together must fit the cluster's non-revocable scalar capacity.
 * An empty config resets the role. Durable first, then the allocator learns it.
 */
export function operatorUpdateQuota(
  ctx: Ctx,
  configs: readonly QuotaConfig[],
  force: boolean,
  reply: Reply,
): SchedulerCallReply | undefined {
  const bad = (message: string): SchedulerCallReply => ({
    ok: false,
    error: { code: "invalid_call", message: `Invalid QuotaConfig: ${message}` },
  });
  for (const config of configs) {
    const invalid = validateRole(config.role);
    if (invalid !== undefined) return bad(invalid);
    if (config.role === "*") return bad("setting quota on role '*' is not allowed");
    if (config.role.includes("/")) {
      return bad(`setting quota on nested role '${config.role}' is not supported yet`);
    }
    const whitelist = ctx.flags.rolesWhitelist;
    if (whitelist !== undefined && !whitelist.includes(config.role)) {
      return bad(`role '${config.role}' is not in the --roles whitelist`);
    }
  }
  // The registry's own checks (duplicates, negative values, guarantee > limit) on a scratch
  // registry, so that a refusal changes nothing.
  const check = applyRegistryOperation(emptyRegistryState(), {
    type: "UpdateQuota",
    configs: [...configs],
  });
  if (check.error !== undefined) return bad(check.error.message);
  if (!force) {
    const overCapacity = capacityError(ctx, configs);
    if (overCapacity !== undefined) return bad(overCapacity);
  }
  ctx.persist([{ type: "UpdateQuota", configs: [...configs] }], (next) => {
    for (const config of configs) {
      const applied = next.allocator.updateQuota(
        config.role,
        isReset(config) ? undefined : quotaOf(config),
      );
      assert(applied.ok, `quota of '${config.role}' validated before it was persisted`);
    }
    reply(next, { ok: true, status: 200 });
  });
  return undefined;
}

/** Mesos's capacity heuristic: total guarantees after the update vs registered agents' totals. */
function capacityError(ctx: Ctx, configs: readonly QuotaConfig[]): string | undefined {
  const guarantees = new Map<string, number>();
  const updated = new Set(configs.map((c) => c.role));
  const all = [
    ...[...ctx.s.registry.quotas.values()].filter((q) => !updated.has(q.role)),
    ...configs,
  ];
  for (const q of all) {
    for (const [name, value] of Object.entries(q.guarantees)) {
      guarantees.set(name, (guarantees.get(name) ?? 0) + toMilli(value));
    }
  }
  for (const [name, wanted] of guarantees) {
    let capacity = 0;
    for (const agent of ctx.s.agents.values()) capacity += agent.total.nonRevocable().get(name);
    if (wanted > capacity && capacity === 0) return unknownResourceError(ctx, name);
    if (wanted > capacity) {
      return `total quota guarantees of '${name}' (${wanted / 1000}) exceed the cluster capacity (${capacity / 1000}); use 'force' to set it anyway`;
    }
  }
  return undefined;
}

/**
 * A guarantee of a resource no agent has: usually a misspelt name (`cpu`), which the capacity
 * message alone would hide behind "exceeds the cluster capacity (0)".
 */
function unknownResourceError(ctx: Ctx, name: string): string {
  const known = new Set<string>();
  for (const agent of ctx.s.agents.values()) for (const n of agent.total.names()) known.add(n);
  const near = closestName(name, known);
  const have =
    known.size === 0 ? "no agent is registered" : `agents have ${[...known].sort().join(", ")}`;
  return `no agent has a resource named '${name}' (${have}${near === undefined ? "" : `; did you mean '${near}'?`}); use 'force' to set its quota anyway`;
}

/** A read-only view of the master's state; records are shared, callers must not mutate them. */
export interface MasterSnapshot {
  frameworks: readonly FrameworkRecord[];
  completedFrameworks: readonly FrameworkRecord[];
  agents: readonly AgentRecord[];
  recoveredAgents: readonly AgentInfo[];
  unreachableAgents: ReadonlyMap<string, { unreachableTimeMs: number }>;
  goneAgents: ReadonlyMap<string, { goneTimeMs: number }>;
  offers: readonly OfferRecord[];
  tasks: readonly TaskRecord[];
  unreachableTasks: readonly TaskRecord[];
  completedTasks: readonly TaskRecord[];
  /** Weights by role as the registry holds them (roles without one weigh 1). */
  weights: ReadonlyMap<string, number>;
  quotas: ReadonlyMap<string, QuotaConfig>;
  /** Operator deactivation and drain state of admitted agents. */
  activity: (agentId: string) => { deactivated: boolean; drainInfo: DrainInfo | undefined };
}

export function snapshot(ctx: Ctx): MasterSnapshot {
  const frameworks = [...ctx.s.frameworks.values()];
  const all = [...frameworks, ...ctx.s.completedFrameworks];
  return {
    frameworks,
    completedFrameworks: [...ctx.s.completedFrameworks],
    agents: [...ctx.s.agents.values()],
    recoveredAgents: [...ctx.s.recoveredAgents.values()],
    unreachableAgents: ctx.s.unreachableAgents,
    goneAgents: ctx.s.goneAgents,
    offers: [...ctx.s.offers.values()],
    tasks: frameworks.flatMap((f) => [...f.tasks.values()]),
    unreachableTasks: frameworks.flatMap((f) => [...f.unreachableTasks.values()]),
    completedTasks: all.flatMap((f) => f.completedTasks),
    weights: ctx.s.registry.weights,
    quotas: ctx.s.registry.quotas,
    activity: (agentId) => agentActivity(ctx.s.registry, agentId),
  };
}
