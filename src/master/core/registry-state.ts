// The master's registry: what the master cannot learn again after a failover (reference §5.8),
// as plain data plus the operations that change it. Pure: no I/O, no clock (times come in the
// operations). The registry shell (src/master/registry) makes each change durable before the
// master acts on it; the master core applies the same operations to its own copy once the shell
// reports them durable.
//
// Like Mesos's registry it holds admitted, unreachable and gone agents, role weights, quota
// configs, the maintenance schedule with each scheduled machine's mode, and the last leader's
// MasterInfo. It does not hold frameworks, tasks, offers or reservations: those are rebuilt from
// re-registering agents and re-subscribing frameworks.
import type { AgentInfo, DrainInfo } from "../../wire/framework.ts";
import { changeMachineModes, updateSchedule } from "./registry-maintenance.ts";
import { updateQuota, updateWeights } from "./registry-policies.ts";
import {
  type AdmittedAgent,
  CHANGED,
  fail,
  machineKey,
  NO_CHANGE,
  type RegistryApplyResult,
  type RegistryOperation,
  type RegistryState,
  sameJson,
  type UnreachableAgent,
} from "./registry-types.ts";

export type {
  AdmittedAgent,
  GoneAgent,
  MaintenanceWindow,
  QuotaConfig,
  RegistryApplyResult,
  RegistryError,
  RegistryErrorCode,
  RegistryOperation,
  RegistryOperationType,
  RegistryState,
  ScheduledMachine,
  ScheduledMachineMode,
  UnreachableAgent,
  WeightUpdate,
} from "./registry-types.ts";
export { machineKey } from "./registry-types.ts";

export function emptyRegistryState(): RegistryState {
  return {
    admitted: new Map(),
    unreachable: new Map(),
    gone: new Map(),
    weights: new Map(),
    quotas: new Map(),
    maintenance: { windows: [], machines: new Map() },
  };
}

/**
 * Copies the maps and the entries in them, which operations mutate. The wire values inside the
 * entries (AgentInfo, DrainInfo, QuotaConfig, windows, MasterInfo) are shared: operations only
 * ever replace them, never change them in place, so treat them as immutable. A deep copy of a
 * registry of 50,000 agents would cost half a second; this costs a few milliseconds.
 */
export function cloneRegistryState(state: RegistryState): RegistryState {
  const clone = emptyRegistryState();
  for (const [id, agent] of state.admitted) clone.admitted.set(id, { ...agent });
  for (const [id, agent] of state.unreachable) clone.unreachable.set(id, { ...agent });
  for (const [id, agent] of state.gone) clone.gone.set(id, { ...agent });
  for (const [role, weight] of state.weights) clone.weights.set(role, weight);
  for (const [role, quota] of state.quotas) clone.quotas.set(role, quota);
  clone.maintenance.windows = [...state.maintenance.windows];
  for (const [key, machine] of state.maintenance.machines) {
    clone.maintenance.machines.set(key, { ...machine });
  }
  if (state.masterInfo !== undefined) clone.masterInfo = state.masterInfo;
  return clone;
}

/**
 * Applies one operation to `state` in place. An operation that fails returns an error and
 * leaves the state exactly as it was: every check runs before the first mutation.
 */
export function applyRegistryOperation(
  state: RegistryState,
  op: RegistryOperation,
): RegistryApplyResult {
  switch (op.type) {
    case "SetMasterInfo":
      if (state.masterInfo !== undefined && sameJson(state.masterInfo, op.info)) return NO_CHANGE;
      state.masterInfo = op.info;
      return CHANGED;
    case "AdmitAgent":
      return admitAgent(state, op.info);
    case "UpdateAgentInfo":
      return updateAgentInfo(state, op.info);
    case "MarkAgentUnreachable":
      return markUnreachable(state, op.agentId, op.unreachableTimeMs);
    case "MarkAgentReachable":
      return markReachable(state, op.info);
    case "MarkAgentGone":
      return markGone(state, op.agentId, op.goneTimeMs);
    case "PruneUnreachable": {
      // Registry GC (§5.2): entries already gone from the lists are simply skipped.
      let changed = false;
      for (const id of op.unreachable) changed = state.unreachable.delete(id) || changed;
      for (const id of op.gone) changed = state.gone.delete(id) || changed;
      return { changed };
    }
    case "RemoveAgent":
      // Mesos removes only admitted agents (graceful unregister); anything else is a no-op.
      return { changed: state.admitted.delete(op.agentId) };
    case "UpdateWeights":
      return updateWeights(state, op.weights);
    case "UpdateQuota":
      return updateQuota(state, op.configs);
    case "DrainAgent":
    case "MarkAgentDrained":
    case "DeactivateAgent":
    case "ReactivateAgent":
      return changeAgentActivity(state, op);
    case "UpdateMaintenanceSchedule":
      return updateSchedule(state, op.windows);
    case "StartMaintenance":
    case "StopMaintenance":
      return changeMachineModes(state, op.type === "StartMaintenance", op.machines);
  }
}

function agentIdOf(info: AgentInfo): string | undefined {
  const id = info.id?.value;
  return id === undefined || id === "" ? undefined : id;
}

function admitAgent(state: RegistryState, info: AgentInfo): RegistryApplyResult {
  const id = agentIdOf(info);
  if (id === undefined) return fail("invalid_operation", "AgentInfo has no agent id");
  // The master assigns fresh ids to new agents, so any known id here is a master bug or a race.
  if (state.admitted.has(id) || state.unreachable.has(id) || state.gone.has(id)) {
    return fail("agent_already_admitted", `Agent ${id} already admitted`);
  }
  state.admitted.set(id, { info, deactivated: false });
  return CHANGED;
}

function updateAgentInfo(state: RegistryState, info: AgentInfo): RegistryApplyResult {
  const id = agentIdOf(info);
  if (id === undefined) return fail("invalid_operation", "AgentInfo has no agent id");
  const entry = state.admitted.get(id);
  if (entry === undefined) return fail("agent_not_found", `Failed to find agent ${id}`);
  if (sameJson(entry.info, info)) return NO_CHANGE;
  entry.info = info;
  return CHANGED;
}

function markUnreachable(state: RegistryState, id: string, timeMs: number): RegistryApplyResult {
  const entry = state.admitted.get(id);
  // The master only marks admitted agents unreachable (Mesos: "Agent ... not yet admitted").
  if (entry === undefined) return fail("agent_not_found", `Agent ${id} not yet admitted`);
  state.admitted.delete(id);
  const unreachable: UnreachableAgent = {
    agentId: id,
    unreachableTimeMs: timeMs,
    deactivated: entry.deactivated,
  };
  if (entry.drainInfo !== undefined) unreachable.drainInfo = entry.drainInfo;
  state.unreachable.set(id, unreachable);
  return CHANGED;
}

function markReachable(state: RegistryState, info: AgentInfo): RegistryApplyResult {
  const id = agentIdOf(info);
  if (id === undefined) return fail("invalid_operation", "AgentInfo has no agent id");
  if (state.admitted.has(id)) return NO_CHANGE;
  if (state.gone.has(id)) return fail("agent_gone", `Agent ${id} has been marked gone`);
  // Mesos's registry is never strict (§5.8): an agent missing from the unreachable list (e.g.
  // pruned by the registry GC) is admitted again as well.
  const previous = state.unreachable.get(id);
  state.unreachable.delete(id);
  const admitted: AdmittedAgent = { info, deactivated: previous?.deactivated ?? false };
  if (previous?.drainInfo !== undefined) admitted.drainInfo = previous.drainInfo;
  state.admitted.set(id, admitted);
  return CHANGED;
}

function markGone(state: RegistryState, id: string, timeMs: number): RegistryApplyResult {
  // MARK_AGENT_GONE is idempotent (§4.2).
  if (state.gone.has(id)) return NO_CHANGE;
  if (!state.admitted.delete(id) && !state.unreachable.delete(id)) {
    return fail("agent_not_found", `Agent ${id} not found`);
  }
  state.gone.set(id, { agentId: id, goneTimeMs: timeMs });
  return CHANGED;
}

type ActivityOp = Extract<
  RegistryOperation,
  { type: "DrainAgent" | "MarkAgentDrained" | "DeactivateAgent" | "ReactivateAgent" }
>;

/** Drain and (de)activation apply to admitted and unreachable agents alike (Mesos keeps both). */
function changeAgentActivity(state: RegistryState, op: ActivityOp): RegistryApplyResult {
  const id = op.agentId;
  const entry = state.admitted.get(id) ?? state.unreachable.get(id);
  if (entry === undefined) {
    if (state.gone.has(id)) return fail("agent_gone", `Agent ${id} has been marked gone`);
    return fail("agent_not_found", `Unknown agent ${id}`);
  }
  switch (op.type) {
    case "DrainAgent": {
      // Draining an agent again replaces its drain config; an agent already drained stays so.
      const drainState = entry.drainInfo?.state === "DRAINED" ? "DRAINED" : "DRAINING";
      const drainInfo: DrainInfo = { state: drainState, config: op.config };
      if (entry.deactivated && entry.drainInfo && sameJson(entry.drainInfo, drainInfo)) {
        return NO_CHANGE;
      }
      entry.drainInfo = drainInfo;
      entry.deactivated = true;
      return CHANGED;
    }
    case "MarkAgentDrained":
      if (entry.drainInfo === undefined) {
        return fail("agent_not_draining", `Agent ${id} is not draining`);
      }
      if (entry.drainInfo.state === "DRAINED") return NO_CHANGE;
      entry.drainInfo = { ...entry.drainInfo, state: "DRAINED" };
      return CHANGED;
    case "DeactivateAgent":
      if (entry.deactivated) return NO_CHANGE;
      entry.deactivated = true;
      return CHANGED;
    case "ReactivateAgent":
      // §4.2: an agent cannot be reactivated while it is still draining; once drained it can,
      // and reactivation forgets the drain.
      if (entry.drainInfo?.state === "DRAINING") {
        return fail("agent_draining", `Agent ${id} is still draining and cannot be reactivated`);
      }
      if (!entry.deactivated && entry.drainInfo === undefined) return NO_CHANGE;
      entry.deactivated = false;
      delete entry.drainInfo;
      return CHANGED;
  }
}

/**
 * Checks the registry's invariants over the whole state (O(agents)): for tests, simulations and
 * after recovery, not on every operation. Returns the violations found.
 */
export function registryInvariantViolations(state: RegistryState): string[] {
  const violations: string[] = [];
  for (const [id, agent] of state.admitted) {
    if (agent.info.id?.value !== id) violations.push(`admitted agent ${id} has info id mismatch`);
    if (state.unreachable.has(id)) violations.push(`agent ${id} both admitted and unreachable`);
    if (state.gone.has(id)) violations.push(`agent ${id} both admitted and gone`);
    if (agent.drainInfo !== undefined && !agent.deactivated) {
      violations.push(`draining agent ${id} is not deactivated`);
    }
  }
  for (const [id, agent] of state.unreachable) {
    if (agent.agentId !== id) violations.push(`unreachable agent ${id} has id mismatch`);
    if (state.gone.has(id)) violations.push(`agent ${id} both unreachable and gone`);
  }
  for (const [id, agent] of state.gone) {
    if (agent.agentId !== id) violations.push(`gone agent ${id} has id mismatch`);
  }
  for (const [role, weight] of state.weights) {
    if (!(weight > 0)) violations.push(`role ${role} has non-positive weight ${weight}`);
  }
  const inSchedule = new Set<string>();
  for (const window of state.maintenance.windows) {
    for (const id of window.machineIds) inSchedule.add(machineKey(id));
  }
  if (inSchedule.size !== state.maintenance.machines.size) {
    violations.push("scheduled machines and machine modes disagree");
  }
  for (const key of state.maintenance.machines.keys()) {
    if (!inSchedule.has(key)) violations.push(`machine ${key} has a mode but no window`);
  }
  return violations;
}
