// Registration with the master over the agent channel (reference §5.1, §5.2): a random delay in
// [0, --registration_backoff_factor] before the first SUBSCRIBE, then retries after a random
// delay whose bound doubles up to 1 min; re-registration carries the executors and tasks; the
// master's pings are answered with PONG, and a silent master is given up on after
// `total_ping_timeout_seconds`.
import { MESOS_COMPATIBLE_VERSION } from "../../base/mesos-version.ts";
import type { AgentEvent } from "../../wire/agent-channel.ts";
import type { FrameworkInfo } from "../../wire/framework.ts";
import type { ExecutorInfo, Task } from "../../wire/task.ts";
import { agentTotal } from "./checkpointed-resources.ts";
import type { Ctx } from "./state.ts";
import { reconcile } from "./tasks.ts";
import { DEFAULT_AGENT_CAPABILITIES, type MasterCall } from "./types.ts";

export const REGISTRATION_TIMER = "registration";
export const PING_TIMER = "master_ping";

type Subscribed = NonNullable<AgentEvent["subscribed"]>;

/** A master is known (first detection or a new leader): (re-)register with it. */
export function masterConnected(ctx: Ctx): void {
  ctx.s.masterKnown = true;
  if (ctx.s.connection === "registered") {
    // A new leader: everything is told again, as on any re-registration.
    ctx.sumOutputs(ctx.sum.pause());
    ctx.cancelTimer(PING_TIMER);
  }
  startRegistration(ctx);
}

export function masterDisconnected(ctx: Ctx, masterKnown: boolean): void {
  ctx.s.masterKnown = masterKnown;
  ctx.s.connection = "disconnected";
  ctx.sumOutputs(ctx.sum.pause());
  ctx.cancelTimer(PING_TIMER);
  ctx.cancelTimer(REGISTRATION_TIMER);
  if (masterKnown) startRegistration(ctx);
}

/** Schedules the first attempt; nothing happens before recovery is over (Mesos waits too). */
export function startRegistration(ctx: Ctx): void {
  if (!ctx.s.masterKnown || ctx.s.shuttingDown) return;
  ctx.s.connection = "registering";
  ctx.s.registrationBackoffMs = ctx.flags.registrationBackoffFactorMs;
  if (ctx.s.recovery !== "done") return;
  const delayMs = ctx.random.random() * ctx.flags.registrationBackoffFactorMs;
  ctx.setTimer(REGISTRATION_TIMER, ctx.nowMs + delayMs);
}

/** The registration timer: send SUBSCRIBE and schedule the next try (random, doubling bound). */
export function registrationTimer(ctx: Ctx): void {
  if (ctx.s.connection !== "registering" || ctx.s.recovery !== "done") return;
  ctx.out.push({ kind: "master_subscribe", call: subscribeCall(ctx) });
  const boundMs = Math.min(ctx.s.registrationBackoffMs, ctx.flags.registrationBackoffMaxMs);
  ctx.s.registrationBackoffMs = Math.min(boundMs * 2, ctx.flags.registrationBackoffMaxMs);
  ctx.setTimer(REGISTRATION_TIMER, ctx.nowMs + ctx.random.random() * boundMs);
}

/** SUBSCRIBE: register (no id yet) or re-register with everything the agent runs. */
export function subscribeCall(ctx: Ctx): MasterCall {
  const id = ctx.s.agentId;
  const executors: ExecutorInfo[] = [];
  const tasks: Task[] = [];
  const frameworks: FrameworkInfo[] = [];
  for (const framework of ctx.s.frameworks.values()) {
    frameworks.push(framework.info);
    for (const executor of framework.executors.values()) {
      // Command executors are the agent's own invention: the master never hears of them;
      // terminated executors use no resources (Mesos's reregistration does the same).
      if (!executor.commandExecutor && executor.phase !== "terminated")
        executors.push(executor.info);
      for (const task of executor.tasks.values()) {
        const pending = ctx.sum.pendingUpdates(framework.id, task.task.task_id.value)[0];
        tasks.push({
          ...task.task,
          ...(pending === undefined
            ? {}
            : {
                status_update_state: pending.status.state,
                ...(pending.status.uuid === undefined
                  ? {}
                  : { status_update_uuid: pending.status.uuid }),
              }),
        });
      }
    }
  }
  const info = id === undefined ? ctx.s.info : { ...ctx.s.info, id: { value: id } };
  return {
    type: "SUBSCRIBE",
    ...(id === undefined ? {} : { agent_id: { value: id } }),
    subscribe: {
      agent_info: info,
      ...(id === undefined ? {} : { agent_id: { value: id } }),
      address: ctx.config.endpoint,
      // The agent's release as Mesos reports it (GET_AGENTS, /master/state `version`); the
      // channel's own version travels in its header (master-link.ts).
      version: MESOS_COMPATIBLE_VERSION,
      capabilities: (ctx.config.capabilities ?? DEFAULT_AGENT_CAPABILITIES).map((type) => ({
        type,
      })),
      total_resources: agentTotal(ctx.s.info.resources ?? [], ctx.s.checkpointedResources),
      checkpointed_resources: ctx.s.checkpointedResources,
      executors,
      tasks,
      frameworks,
    },
  };
}

/** SUBSCRIBED: registered; pending updates go out at once; reconciliations are answered. */
export function subscribed(ctx: Ctx, sub: Subscribed): void {
  if (ctx.s.connection === "disconnected" || ctx.s.shuttingDown) return;
  if (ctx.s.agentId === undefined) {
    ctx.s.agentId = sub.agent_id.value;
    ctx.checkpoint({
      type: "agent",
      agentId: sub.agent_id.value,
      info: { ...ctx.s.info, id: { value: sub.agent_id.value } },
    });
  }
  ctx.s.connection = "registered";
  ctx.s.pingTimeoutMs = sub.total_ping_timeout_seconds * 1000;
  ctx.cancelTimer(REGISTRATION_TIMER);
  ctx.setTimer(PING_TIMER, ctx.nowMs + ctx.s.pingTimeoutMs);
  ctx.sumOutputs(ctx.sum.resume(ctx.nowMs));
  reconcile(ctx, sub.reconciliations ?? []);
}

/** PING: answer PONG; a master that no longer knows the agent gets a re-registration. */
export function ping(ctx: Ctx, connected: boolean): void {
  if (ctx.s.connection !== "registered") return;
  if (!connected) {
    masterDisconnected(ctx, true);
    return;
  }
  ctx.toMaster({ type: "PONG", agent_id: { value: ctx.agentId } });
  ctx.setTimer(PING_TIMER, ctx.nowMs + ctx.s.pingTimeoutMs);
}

/** No ping for `total_ping_timeout_seconds`: assume the master is gone and re-register. */
export function pingTimeout(ctx: Ctx): void {
  if (ctx.s.connection === "registered") masterDisconnected(ctx, ctx.s.masterKnown);
}
