// Maintenance at the master (reference security-ui-maintenance.md §5; Mesos master/http.cpp
// _updateMaintenanceSchedule, _startMaintenance, _stopMaintenance, master.cpp
// updateUnavailability): the operator calls that change the schedule and machine modes, what
// follows once the registry holds the change, and the agents' side of it. An agent is on the
// machine `{hostname, ip}` of its AgentInfo hostname and advertised IP; a machine id matches
// only when both match (hostname case-insensitively), as in Mesos.
//
// - DRAINING: the agent is still offered; its offers carry `unavailability`, and the allocator
//   sends inverse offers to frameworks holding resources there (inverse-offers.ts).
// - DOWN: each registered agent there is shut down and removed (RemoveAgent, with the mode
//   change, in one registry write); its tasks become TASK_LOST, or TASK_GONE_BY_OPERATOR for
//   PARTITION_AWARE frameworks; agents there are refused until the machine is UP again.
import { removeAgent, transitionTo } from "./agent-health.ts";
import { pingTimerId, reregisterTimerId } from "./agents.ts";
import type { AllocatorPort } from "./allocator-port.ts";
import { rescindInverseOffers } from "./inverse-offers.ts";
import { rescindOffers } from "./offers.ts";
import { applyRegistryOperation, emptyRegistryState } from "./registry-state.ts";
import {
  machineKey,
  type RegistryOperation,
  type RegistryState,
  type ScheduledMachine,
  sameJson,
} from "./registry-types.ts";
import type { AgentRecord, Ctx, FrameworkRecord, MasterState, TaskRecord } from "./state.ts";
import { masterStatus } from "./tasks.ts";
import type { OperatorCall, SchedulerCallReply } from "./types.ts";

/** Mesos's message to the agents of a machine brought DOWN, and on their tasks' updates. */
export const MACHINE_DOWN_MESSAGE = "Operator initiated 'Machine DOWN'";

export type MaintenanceCall = Extract<
  OperatorCall,
  { type: "UPDATE_MAINTENANCE_SCHEDULE" | "START_MAINTENANCE" | "STOP_MAINTENANCE" }
>;

type Reply = (ctx: Ctx, r: SchedulerCallReply) => void;

function machineOf(
  registry: RegistryState,
  hostname: string,
  ip: string,
): ScheduledMachine | undefined {
  if (registry.maintenance.machines.size === 0) return undefined;
  return registry.maintenance.machines.get(machineKey({ hostname, ip }));
}

function agentMachineKey(agent: AgentRecord): string {
  return machineKey({ hostname: agent.info.hostname, ip: agent.ip });
}

/**
 * An agent on a DOWN machine is told to shut down ("Machine is `DOWN`") and its stream closed,
 * whether it registers or re-registers. True when refused.
 */
export function refuseOnDownMachine(
  ctx: Ctx,
  streamId: string,
  hostname: string,
  ip: string,
): boolean {
  if (machineOf(ctx.s.registry, hostname, ip)?.mode !== "DOWN") return false;
  ctx.out.push({
    kind: "agent_event",
    agentStreamId: streamId,
    event: { type: "SHUTDOWN", shutdown: { message: "Machine is `DOWN`" } },
  });
  ctx.out.push({ kind: "close_agent_stream", agentStreamId: streamId });
  return true;
}

/**
 * Gives the allocator the agent's current maintenance window if it changed (the agent joined,
 * the schedule changed). Like Mesos's updateUnavailability, the agent's offers and inverse
 * offers are rescinded first, so frameworks learn the new window at once.
 */
export function syncUnavailability(ctx: Ctx, agent: AgentRecord): void {
  const wanted = machineOf(ctx.s.registry, agent.info.hostname, agent.ip)?.unavailability;
  const windows = ctx.s.maintenance.agentWindows;
  if (sameJson(wanted, windows.get(agent.id))) return;
  rescindOffers(ctx, (o) => o.agentId === agent.id);
  rescindInverseOffers(ctx, (r) => r.agentId === agent.id);
  if (wanted === undefined) windows.delete(agent.id);
  else windows.set(agent.id, wanted);
  ctx.allocator.updateUnavailability(agent.id, wanted);
}

/** The agent left the master (removed, unreachable, gone): its inverse offers go with it. */
export function maintenanceAgentRemoved(ctx: Ctx, agentId: string): void {
  rescindInverseOffers(ctx, (r) => r.agentId === agentId);
  ctx.s.maintenance.agentWindows.delete(agentId);
}

function registryOperation(call: MaintenanceCall): RegistryOperation {
  switch (call.type) {
    case "UPDATE_MAINTENANCE_SCHEDULE":
      return { type: "UpdateMaintenanceSchedule", windows: call.windows };
    case "START_MAINTENANCE":
      return { type: "StartMaintenance", machines: call.machines };
    case "STOP_MAINTENANCE":
      return { type: "StopMaintenance", machines: call.machines };
  }
}

/** The registry's checks (Mesos's, with its messages) on a scratch copy: a refusal changes nothing. */
function check(ctx: Ctx, op: RegistryOperation): string | undefined {
  const scratch = emptyRegistryState();
  scratch.maintenance.windows = [...ctx.s.registry.maintenance.windows];
  for (const [key, machine] of ctx.s.registry.maintenance.machines) {
    scratch.maintenance.machines.set(key, { ...machine });
  }
  return applyRegistryOperation(scratch, op).error?.message;
}

/**
 * UPDATE_MAINTENANCE_SCHEDULE, START_MAINTENANCE (DRAINING -> DOWN), STOP_MAINTENANCE
 * (DOWN -> UP): validated, made durable, then carried out; 200 once done, 400 with Mesos's
 * message when refused. Undefined when the answer comes later, through `reply`.
 */
export function operatorMaintenance(
  ctx: Ctx,
  call: MaintenanceCall,
  reply: Reply,
): SchedulerCallReply | undefined {
  const op = registryOperation(call);
  const error = check(ctx, op);
  if (error !== undefined) return { ok: false, error: { code: "invalid_call", message: error } };
  const ops = [op];
  let downAgents: AgentRecord[] = [];
  if (call.type === "START_MAINTENANCE") {
    const keys = new Set(call.machines.map(machineKey));
    downAgents = [...ctx.s.agents.values()].filter(
      (a) => !a.removing && keys.has(agentMachineKey(a)),
    );
    for (const agent of downAgents) {
      // As for MarkAgentUnreachable: no re-registration or health check while it is written.
      agent.removing = true;
      ctx.cancelTimer(pingTimerId(agent.id));
      ctx.cancelTimer(reregisterTimerId(agent.id));
      ops.push({ type: "RemoveAgent", agentId: agent.id });
    }
  }
  ctx.persist(ops, (next) => {
    for (const agent of downAgents) bringDown(next, agent);
    for (const agent of next.s.agents.values()) syncUnavailability(next, agent);
    reply(next, { ok: true, status: 200 });
  });
  return undefined;
}

/** Mesos sends the agent a shutdown and removes it at once, so its tasks' updates go out now. */
function bringDown(ctx: Ctx, agent: AgentRecord): void {
  if (ctx.s.agents.get(agent.id) !== agent) return;
  if (agent.streamId !== undefined) {
    ctx.toAgent(agent, { type: "SHUTDOWN", shutdown: { message: MACHINE_DOWN_MESSAGE } });
    ctx.out.push({ kind: "close_agent_stream", agentStreamId: agent.streamId });
  }
  removeAgent(ctx, agent, (task: TaskRecord, framework: FrameworkRecord) => {
    const pa = framework.partitionAware;
    const status = masterStatus(
      ctx,
      task,
      pa ? "TASK_GONE_BY_OPERATOR" : "TASK_LOST",
      pa ? "REASON_AGENT_REMOVED_BY_OPERATOR" : "REASON_AGENT_REMOVED",
      MACHINE_DOWN_MESSAGE,
    );
    transitionTo(ctx, framework, task, status, "completed");
  });
}

// --- views -----------------------------------------------------------------------------------

/** GET_MAINTENANCE_SCHEDULE's `schedule` (maintenance.Schedule). */
export function maintenanceSchedule(s: MasterState) {
  return {
    windows: s.registry.maintenance.windows.map((w) => ({
      machine_ids: w.machineIds,
      unavailability: w.unavailability,
    })),
  };
}

/**
 * GET_MAINTENANCE_STATUS's `status` (maintenance.ClusterStatus): DRAINING machines with the
 * latest inverse offer answers of their registered agents' frameworks, and DOWN machines. The
 * answers are soft state: a master failover clears them, and inverse offers go out again.
 */
export function maintenanceStatus(s: MasterState, allocator: AllocatorPort) {
  const machines = s.registry.maintenance.machines;
  const answers = allocator.getInverseOfferStatuses();
  const agentsByMachine = new Map<string, string[]>();
  if (machines.size > 0) {
    for (const agent of s.agents.values()) {
      const key = agentMachineKey(agent);
      if (!machines.has(key)) continue;
      agentsByMachine.set(key, [...(agentsByMachine.get(key) ?? []), agent.id]);
    }
  }
  const draining = [];
  const down = [];
  for (const [key, machine] of machines) {
    if (machine.mode === "DOWN") {
      down.push(machine.id);
      continue;
    }
    const statuses = (agentsByMachine.get(key) ?? []).flatMap((id) => answers.get(id) ?? []);
    draining.push({
      id: machine.id,
      statuses: statuses.map((a) => ({
        status: a.status,
        framework_id: { value: a.frameworkId },
        timestamp: { nanoseconds: a.timestampMs * 1_000_000 },
      })),
    });
  }
  return { draining_machines: draining, down_machines: down };
}
