// The registry store: where the master keeps what it cannot learn again (reference §5.8).
//
// Two layers, both backend-neutral and async so a ZooKeeper backend can sit behind them later:
// - `RegistryStore` is what the master uses: recover once after winning the election, then apply
//   batches of registry operations; `apply` resolves only after the change is durable.
// - `RegistryBackend` is what a storage technology implements: load the stored registry, and
//   commit a set of row changes atomically with compare-and-swap on a version number (fencing: a
//   master that lost leadership and still writes is refused once another master has written).

import type { MasterInfo } from "../../wire/framework.ts";
import type {
  AdmittedAgent,
  GoneAgent,
  MaintenanceWindow,
  QuotaConfig,
  RegistryApplyResult,
  RegistryOperation,
  RegistryState,
  ScheduledMachine,
  UnreachableAgent,
} from "../core/registry-state.ts";

export type RegistryKind = "in_memory" | "sqlite" | "zk";

export interface RecoveredRegistry {
  /** A private copy: later `apply` calls do not change it. */
  state: RegistryState;
  /** Number of durable batches written so far (0 for a fresh registry). */
  version: number;
}

export interface RegistryStore {
  readonly kind: RegistryKind;
  /** Loads the stored registry. Must be called once before `apply`. */
  recover(): Promise<RecoveredRegistry>;
  /**
   * Applies the operations in order, each with Mesos's semantics (a failing operation leaves
   * the registry unchanged and does not stop the others), and resolves with one result per
   * operation once every change is durable. Concurrent calls are batched into one durable write,
   * like Mesos's registrar. If the write fails the promise rejects and the store stays failed:
   * the master must stop acting as leader, as Mesos's master aborts.
   */
  apply(ops: readonly RegistryOperation[]): Promise<RegistryApplyResult[]>;
  /** Waits for pending writes, then releases the storage. */
  close(): Promise<void>;
}

export type RegistryStoreErrorCode =
  | "corrupt" // the stored registry cannot be read; it needs an operator's decision
  | "schema_too_new" // written by a newer Tessera
  | "fenced" // another master wrote the registry since this one recovered it
  | "failed" // an earlier write failed; this store accepts no more writes
  | "closed"
  | "io"; // the storage refused a read or write

/** Storage failures: the master cannot continue as leader after one. */
export class RegistryStoreError extends Error {
  readonly code: RegistryStoreErrorCode;

  constructor(code: RegistryStoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "RegistryStoreError";
    this.code = code;
  }
}

/** One agent's row: an agent id is in at most one of the three lists. */
export type AgentRecord =
  | { status: "admitted"; agent: AdmittedAgent }
  | { status: "unreachable"; agent: UnreachableAgent }
  | { status: "gone"; agent: GoneAgent };

export interface MaintenanceRecord {
  windows: MaintenanceWindow[];
  machines: ScheduledMachine[];
}

/**
 * The rows a batch changed, as their new values (`null` = row deleted). Only what changed is
 * written, so a batch costs the same with 50 agents or 50,000.
 */
export interface RegistryChange {
  agents: Map<string, AgentRecord | null>;
  weights: Map<string, number | null>;
  quotas: Map<string, QuotaConfig | null>;
  maintenance?: MaintenanceRecord;
  masterInfo?: MasterInfo;
}

export interface LoadedRegistry {
  state: RegistryState;
  version: number;
}

export interface RegistryBackend {
  readonly kind: RegistryKind;
  load(): Promise<LoadedRegistry>;
  /**
   * Writes `change` atomically and durably if the stored version is still `fromVersion`, and
   * sets the version to `fromVersion + 1`; rejects with a "fenced" error otherwise.
   */
  commit(fromVersion: number, change: RegistryChange): Promise<void>;
  close(): Promise<void>;
}
