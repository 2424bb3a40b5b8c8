// Operator control of an agent's availability (reference §4.2): DEACTIVATE_AGENT,
// REACTIVATE_AGENT and DRAIN_AGENT. Each is made durable in the registry first and answered
// only then, as Mesos's master does; the allocator and the agent are told afterwards.
//
// Draining follows Mesos's Master::drainAgent / checkAndTransitionDrainingAgent: the agent is
// deactivated (its offers rescinded, no new ones), every non-terminal task on it is killed with
// its kill policy's grace period capped at `max_grace_period`, and once no non-terminal task is
// left the registry records it DRAINED; with `mark_gone` the agent is then marked gone. The
// drain state lives in the registry, so a restarted master resumes it when the agent re-registers.
import { markGone } from "./agent-health.ts";
import { findByKey } from "./agents.ts";
import { rescindInverseOffers } from "./inverse-offers.ts";
import { rescindOffers } from "./offers.ts";
import type { AdmittedAgent, UnreachableAgent } from "./registry-state.ts";
import type { AgentRecord, Ctx } from "./state.ts";
import { isTerminal } from "./task-states.ts";
import { sendKill } from "./tasks.ts";
import type { OperatorCall, SchedulerCallReply } from "./types.ts";
import type { DrainConfig, KillPolicy } from "./wire-types.ts";

type Reply = (ctx: Ctx, r: SchedulerCallReply) => void;

const OK: SchedulerCallReply = { ok: true, status: 200 };

function badRequest(message: string): SchedulerCallReply {
  return { ok: false, error: { code: "invalid_call", message } };
}

/** The registry entry of an admitted or unreachable agent (where Mesos keeps drain state). */
function registryEntry(ctx: Ctx, agentId: string): AdmittedAgent | UnreachableAgent | undefined {
  return ctx.s.registry.admitted.get(agentId) ?? ctx.s.registry.unreachable.get(agentId);
}

/** Whether the operator deactivated (or is draining) the agent: it gets no offers. */
export function isDeactivated(ctx: { s: Ctx["s"] }, agentId: string): boolean {
  return ctx.s.registry.admitted.get(agentId)?.deactivated ?? false;
}

/** Unknown and gone agents are refused with Mesos's 400s; undefined when the agent is known. */
function checkKnown(ctx: Ctx, agentId: string): SchedulerCallReply | undefined {
  if (ctx.s.goneAgents.has(agentId)) return badRequest(`Agent '${agentId}' has been marked gone`);
  if (registryEntry(ctx, agentId) === undefined) return badRequest(`Unknown agent '${agentId}'`);
  return undefined;
}

/** No offers from the agent: the allocator skips it, outstanding offers are rescinded. */
function deactivate(ctx: Ctx, agentId: string): void {
  const agent = ctx.s.agents.get(agentId);
  // A disconnected agent is already inactive in the allocator; it stays so on re-registering.
  if (agent === undefined || agent.connection !== "registered") return;
  ctx.allocator.deactivateAgent(agentId);
  rescindOffers(ctx, (o) => o.agentId === agentId);
  rescindInverseOffers(ctx, (r) => r.agentId === agentId);
}

type ActivityCall = Extract<
  OperatorCall,
  { type: "DEACTIVATE_AGENT" | "REACTIVATE_AGENT" | "DRAIN_AGENT" }
>;

/**
 * DEACTIVATE_AGENT, REACTIVATE_AGENT, DRAIN_AGENT: a known agent, the call's own check, one
 * registry write; then the allocator and the agent are told and the call is answered.
 */
export function operatorAgentActivity(
  ctx: Ctx,
  call: ActivityCall,
  reply: Reply,
): SchedulerCallReply | undefined {
  const agentId = call.agentId;
  const refused = checkKnown(ctx, agentId);
  if (refused !== undefined) return refused;
  switch (call.type) {
    case "DEACTIVATE_AGENT":
      ctx.persist([{ type: "DeactivateAgent", agentId }], (next) => {
        deactivate(next, agentId);
        reply(next, OK);
      });
      return undefined;
    case "REACTIVATE_AGENT":
      if (registryEntry(ctx, agentId)?.drainInfo?.state === "DRAINING") {
        return badRequest(`Agent '${agentId}' is still draining and cannot be reactivated`);
      }
      ctx.persist([{ type: "ReactivateAgent", agentId }], (next) => {
        const agent = next.s.agents.get(agentId);
        if (agent !== undefined && agent.connection === "registered" && !agent.removing) {
          next.allocator.activateAgent(agentId);
        }
        reply(next, OK);
      });
      return undefined;
    case "DRAIN_AGENT": {
      const config = call.config;
      const grace = config.max_grace_period?.nanoseconds;
      if (grace !== undefined && grace < 0) {
        return badRequest("DrainConfig.max_grace_period must not be negative");
      }
      ctx.persist([{ type: "DrainAgent", agentId, config }], (next) => {
        deactivate(next, agentId);
        const agent = next.s.agents.get(agentId);
        if (agent !== undefined) killForDrain(next, agent, config);
        reply(next, OK);
        checkDrained(next, agentId);
      });
      return undefined;
    }
  }
}

/**
 * A draining agent (re-)registered: it is kept inactive, its tasks are killed again (the kills
 * may never have reached it) and it may be drained already.
 */
export function resumeDrain(ctx: Ctx, agent: AgentRecord): void {
  const drain = ctx.s.registry.admitted.get(agent.id)?.drainInfo;
  if (drain?.state !== "DRAINING") return;
  killForDrain(ctx, agent, drain.config);
  checkDrained(ctx, agent.id);
}

/** Kills every non-terminal task on the agent with the drain's grace period cap. */
function killForDrain(ctx: Ctx, agent: AgentRecord, config: DrainConfig): void {
  for (const key of agent.tasks) {
    const task = findByKey(ctx, key);
    if (task === undefined || isTerminal(task.state)) continue;
    task.killRequested = { policy: drainKillPolicy(task.info.kill_policy, config) };
    sendKill(ctx, task);
  }
}

/**
 * Mesos's agent kills a draining agent's tasks with the task's grace period, capped at
 * `max_grace_period`; a task without a kill policy gets `max_grace_period` itself.
 */
export function drainKillPolicy(
  policy: KillPolicy | undefined,
  config: DrainConfig,
): KillPolicy | undefined {
  const maxNs = config.max_grace_period?.nanoseconds;
  if (maxNs === undefined) return policy;
  const ownNs = policy?.grace_period?.nanoseconds;
  if (ownNs !== undefined && ownNs <= maxNs) return policy;
  return { ...policy, grace_period: { nanoseconds: maxNs } };
}

/**
 * DRAINING -> DRAINED once no non-terminal task is left on the registered agent (Mesos's
 * checkAndTransitionDrainingAgent); then, with `mark_gone`, the agent is marked gone. Called
 * after every status update from a draining agent and when it re-registers.
 */
export function checkDrained(ctx: Ctx, agentId: string): void {
  const drain = ctx.s.registry.admitted.get(agentId)?.drainInfo;
  if (drain?.state !== "DRAINING" || ctx.s.markingDrained.has(agentId)) return;
  const agent = ctx.s.agents.get(agentId);
  if (agent === undefined || agent.connection !== "registered" || agent.removing) return;
  for (const key of agent.tasks) {
    const task = findByKey(ctx, key);
    if (task !== undefined && !isTerminal(task.state)) return;
  }
  ctx.s.markingDrained.add(agentId);
  ctx.persist([{ type: "MarkAgentDrained", agentId }], (next) => {
    next.s.markingDrained.delete(agentId);
    if (!drain.config.mark_gone) return;
    if (next.s.goneAgents.has(agentId) || !next.s.agents.has(agentId)) return;
    markGone(next, agentId, () => {});
  });
}
