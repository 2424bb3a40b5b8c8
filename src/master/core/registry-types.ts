// Types of the master's registry (registry-state.ts): the state, the operations that change it,
// their results and errors, and the small helpers every operation file uses.
import type {
  AgentInfo,
  DrainConfig,
  DrainInfo,
  MachineID,
  MasterInfo,
  Unavailability,
} from "../../wire/framework.ts";

export interface AdmittedAgent {
  /** `info.id` is always set and equals the key this entry is stored under. */
  info: AgentInfo;
  drainInfo?: DrainInfo;
  /** A deactivated agent gets no offers; draining implies deactivated. */
  deactivated: boolean;
}

/** Mesos keeps only the id of an unreachable agent; its AgentInfo comes back when it re-registers. */
export interface UnreachableAgent {
  agentId: string;
  unreachableTimeMs: number;
  drainInfo?: DrainInfo;
  deactivated: boolean;
}

export interface GoneAgent {
  agentId: string;
  goneTimeMs: number;
}

/** Quota of one role (Mesos QuotaConfig): scalar quantities by resource name. */
export interface QuotaConfig {
  role: string;
  guarantees: Record<string, number>;
  limits: Record<string, number>;
}

export interface WeightUpdate {
  role: string;
  weight: number;
}

export interface MaintenanceWindow {
  machineIds: MachineID[];
  unavailability: Unavailability;
}

/** Machines not in the schedule are UP; Mesos records only DRAINING and DOWN machines. */
export type ScheduledMachineMode = "DRAINING" | "DOWN";

export interface ScheduledMachine {
  id: MachineID;
  mode: ScheduledMachineMode;
  unavailability: Unavailability;
}

export interface RegistryState {
  masterInfo?: MasterInfo;
  admitted: Map<string, AdmittedAgent>;
  unreachable: Map<string, UnreachableAgent>;
  gone: Map<string, GoneAgent>;
  weights: Map<string, number>;
  quotas: Map<string, QuotaConfig>;
  maintenance: {
    windows: MaintenanceWindow[];
    /** Keyed by `machineKey(id)`. */
    machines: Map<string, ScheduledMachine>;
  };
}

/** The registry operations, named after Mesos's (src/master/registry_operations.hpp). */
export type RegistryOperation =
  | { type: "SetMasterInfo"; info: MasterInfo }
  | { type: "AdmitAgent"; info: AgentInfo }
  | { type: "UpdateAgentInfo"; info: AgentInfo }
  | { type: "MarkAgentUnreachable"; agentId: string; unreachableTimeMs: number }
  | { type: "MarkAgentReachable"; info: AgentInfo }
  | { type: "MarkAgentGone"; agentId: string; goneTimeMs: number }
  | { type: "PruneUnreachable"; unreachable: string[]; gone: string[] }
  | { type: "RemoveAgent"; agentId: string }
  | { type: "UpdateWeights"; weights: WeightUpdate[] }
  | { type: "UpdateQuota"; configs: QuotaConfig[] }
  | { type: "DrainAgent"; agentId: string; config: DrainConfig }
  | { type: "MarkAgentDrained"; agentId: string }
  | { type: "DeactivateAgent"; agentId: string }
  | { type: "ReactivateAgent"; agentId: string }
  | { type: "UpdateMaintenanceSchedule"; windows: MaintenanceWindow[] }
  | { type: "StartMaintenance"; machines: MachineID[] }
  | { type: "StopMaintenance"; machines: MachineID[] };

export type RegistryOperationType = RegistryOperation["type"];

export type RegistryErrorCode =
  | "invalid_operation"
  | "agent_already_admitted"
  | "agent_not_found"
  | "agent_gone"
  | "agent_not_draining"
  | "agent_draining"
  | "invalid_weight"
  | "invalid_quota"
  | "invalid_schedule"
  | "machine_not_scheduled"
  | "machine_not_draining"
  | "machine_not_down";

export interface RegistryError {
  code: RegistryErrorCode;
  message: string;
}

/** `changed: false` without an error is a no-op that needs no durable write. */
export interface RegistryApplyResult {
  changed: boolean;
  error?: RegistryError;
}

/** Mesos compares machine hostnames case-insensitively. */
export function machineKey(id: MachineID): string {
  return `${(id.hostname ?? "").toLowerCase()}|${id.ip ?? ""}`;
}

export const NO_CHANGE: RegistryApplyResult = { changed: false };
export const CHANGED: RegistryApplyResult = { changed: true };

export function fail(code: RegistryErrorCode, message: string): RegistryApplyResult {
  return { changed: false, error: { code, message } };
}

/** Deep equality of two plain values, for "no change" checks (rare, small values). */
export function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
