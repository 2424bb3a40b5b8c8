// Operator mutations the core owns (TEARDOWN, MARK_AGENT_GONE) and a read-only snapshot of the
// master's state, from which the shell renders GET_STATE, GET_AGENTS, GET_FRAMEWORKS, GET_TASKS,
// GET_EXECUTORS and the legacy /state (reference §4.2, §4.5).
import { assert } from "../../resources/index.ts";
import { validateRole } from "../../wire/ids.ts";
import { markGone } from "./agent-health.ts";
import { removeFramework } from "./frameworks.ts";
import type { AgentRecord, Ctx, FrameworkRecord, OfferRecord, TaskRecord } from "./state.ts";
import type { SchedulerCallReply } from "./types.ts";
import type { AgentInfo } from "./wire-types.ts";

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
  reply: (ctx: Ctx, r: SchedulerCallReply) => void,
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
  reply: (ctx: Ctx, r: SchedulerCallReply) => void,
): SchedulerCallReply | undefined {
  for (const { role, weight } of weights) {
    const invalid = validateRole(role);
    if (invalid !== undefined)
      return { ok: false, error: { code: "invalid_call", message: invalid } };
    if (!Number.isFinite(weight) || weight <= 0) {
      return {
        ok: false,
        error: {
          code: "invalid_call",
          message: `Invalid weight '${weight}': weights must be positive`,
        },
      };
    }
  }
  ctx.persist([{ type: "UpdateWeights", weights: [...weights] }], (next) => {
    const applied = next.allocator.updateWeights(weights.map((w) => [w.role, w.weight] as const));
    assert(applied.ok, "weights validated before they were persisted");
    reply(next, { ok: true, status: 200 });
  });
  return undefined;
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
  };
}
