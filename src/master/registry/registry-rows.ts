// The registry as rows: which rows an operation touches, the rows' new values after a batch, and
// the state rebuilt from stored rows. Shared by every backend so they store the same thing.
import {
  emptyRegistryState,
  machineKey,
  type QuotaConfig,
  type RegistryOperation,
  type RegistryState,
} from "../core/registry-state.ts";
import type { AgentRecord, MaintenanceRecord, RegistryChange } from "./registry-store.ts";

/** The keys a batch's successful operations touched. */
export class DirtyRows {
  readonly agents = new Set<string>();
  readonly weights = new Set<string>();
  readonly quotas = new Set<string>();
  maintenance = false;
  masterInfo = false;

  get empty(): boolean {
    return (
      this.agents.size === 0 &&
      this.weights.size === 0 &&
      this.quotas.size === 0 &&
      !this.maintenance &&
      !this.masterInfo
    );
  }

  /** Records the rows `op` may have changed; call only for operations that reported a change. */
  add(op: RegistryOperation): void {
    switch (op.type) {
      case "SetMasterInfo":
        this.masterInfo = true;
        return;
      case "AdmitAgent":
      case "UpdateAgentInfo":
      case "MarkAgentReachable":
        if (op.info.id !== undefined) this.agents.add(op.info.id.value);
        return;
      case "MarkAgentUnreachable":
      case "MarkAgentGone":
      case "RemoveAgent":
      case "DrainAgent":
      case "MarkAgentDrained":
      case "DeactivateAgent":
      case "ReactivateAgent":
        this.agents.add(op.agentId);
        return;
      case "PruneUnreachable":
        for (const id of op.unreachable) this.agents.add(id);
        for (const id of op.gone) this.agents.add(id);
        return;
      case "UpdateWeights":
        for (const { role } of op.weights) this.weights.add(role);
        return;
      case "UpdateQuota":
        for (const { role } of op.configs) this.quotas.add(role);
        return;
      case "UpdateMaintenanceSchedule":
      case "StartMaintenance":
      case "StopMaintenance":
        this.maintenance = true;
        return;
    }
  }
}

export function agentRecord(state: RegistryState, id: string): AgentRecord | null {
  const admitted = state.admitted.get(id);
  if (admitted !== undefined) return { status: "admitted", agent: admitted };
  const unreachable = state.unreachable.get(id);
  if (unreachable !== undefined) return { status: "unreachable", agent: unreachable };
  const gone = state.gone.get(id);
  if (gone !== undefined) return { status: "gone", agent: gone };
  return null;
}

export function maintenanceRecord(state: RegistryState): MaintenanceRecord {
  return {
    windows: state.maintenance.windows,
    machines: [...state.maintenance.machines.values()],
  };
}

/** The new values of the dirty rows, read from the state after the batch. */
export function changeFor(state: RegistryState, dirty: DirtyRows): RegistryChange {
  const change: RegistryChange = { agents: new Map(), weights: new Map(), quotas: new Map() };
  for (const id of dirty.agents) change.agents.set(id, agentRecord(state, id));
  for (const role of dirty.weights) change.weights.set(role, state.weights.get(role) ?? null);
  for (const role of dirty.quotas) change.quotas.set(role, state.quotas.get(role) ?? null);
  if (dirty.maintenance) change.maintenance = maintenanceRecord(state);
  if (dirty.masterInfo && state.masterInfo !== undefined) change.masterInfo = state.masterInfo;
  return change;
}

/** Rows as stored, in any order. */
export interface RegistryRows {
  agents: Iterable<[string, AgentRecord]>;
  weights: Iterable<[string, number]>;
  quotas: Iterable<[string, QuotaConfig]>;
  maintenance?: MaintenanceRecord;
  masterInfo?: RegistryState["masterInfo"];
}

/** Rows kept in maps by key, as the in_memory backend keeps its "disk". */
export class RowMaps implements RegistryRows {
  readonly agents = new Map<string, AgentRecord>();
  readonly weights = new Map<string, number>();
  readonly quotas = new Map<string, QuotaConfig>();
  maintenance: MaintenanceRecord | undefined;
  masterInfo: RegistryState["masterInfo"];

  /** Writes a change's rows: a null removes its row. */
  apply(change: RegistryChange): void {
    const write = <V>(rows: Map<string, V>, changed: Map<string, V | null>) => {
      for (const [key, value] of changed) {
        if (value === null) rows.delete(key);
        else rows.set(key, value);
      }
    };
    write(this.agents, change.agents);
    write(this.weights, change.weights);
    write(this.quotas, change.quotas);
    if (change.maintenance !== undefined) this.maintenance = change.maintenance;
    if (change.masterInfo !== undefined) this.masterInfo = change.masterInfo;
  }
}

/** Rebuilds the state from stored rows; throws on rows that contradict their keys. */
export function stateFromRows(rows: RegistryRows): RegistryState {
  const state = emptyRegistryState();
  for (const [id, record] of rows.agents) {
    switch (record.status) {
      case "admitted":
        if (record.agent.info?.id?.value !== id) throw new Error(`agent row ${id}: id mismatch`);
        state.admitted.set(id, record.agent);
        break;
      case "unreachable":
        if (record.agent.agentId !== id) throw new Error(`agent row ${id}: id mismatch`);
        state.unreachable.set(id, record.agent);
        break;
      case "gone":
        if (record.agent.agentId !== id) throw new Error(`agent row ${id}: id mismatch`);
        state.gone.set(id, record.agent);
        break;
      default:
        throw new Error(`agent row ${id}: unknown status`);
    }
  }
  for (const [role, weight] of rows.weights) state.weights.set(role, weight);
  for (const [role, quota] of rows.quotas) state.quotas.set(role, quota);
  if (rows.maintenance !== undefined) {
    state.maintenance.windows = rows.maintenance.windows;
    for (const machine of rows.maintenance.machines) {
      state.maintenance.machines.set(machineKey(machine.id), machine);
    }
  }
  if (rows.masterInfo !== undefined) state.masterInfo = rows.masterInfo;
  return state;
}
