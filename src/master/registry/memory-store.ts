// The in_memory registry backend (Mesos's `--registry=in_memory`): for tests and simulations.
// Nothing survives the process, but a `MemoryRegistryStorage` handed to several stores in turn
// survives a simulated master restart, like a disk would.

import type { MasterInfo } from "../../wire/framework.ts";
import { cloneRegistryState, type QuotaConfig } from "../core/registry-state.ts";
import { stateFromRows } from "./registry-rows.ts";
import {
  type AgentRecord,
  type LoadedRegistry,
  type MaintenanceRecord,
  type RegistryBackend,
  type RegistryChange,
  RegistryStoreError,
} from "./registry-store.ts";

/** The "disk" of the in_memory backend: rows by key, copied in and out so nothing aliases. */
export class MemoryRegistryStorage {
  version = 0;
  readonly agents = new Map<string, AgentRecord>();
  readonly weights = new Map<string, number>();
  readonly quotas = new Map<string, QuotaConfig>();
  maintenance: MaintenanceRecord | undefined;
  masterInfo: MasterInfo | undefined;
}

export class MemoryRegistryBackend implements RegistryBackend {
  readonly kind = "in_memory" as const;
  readonly storage: MemoryRegistryStorage;
  #closed = false;

  constructor(storage: MemoryRegistryStorage = new MemoryRegistryStorage()) {
    this.storage = storage;
  }

  async load(): Promise<LoadedRegistry> {
    this.#checkOpen();
    const s = this.storage;
    const rows = { agents: s.agents, weights: s.weights, quotas: s.quotas };
    const stored = stateFromRows({
      ...rows,
      ...(s.maintenance === undefined ? {} : { maintenance: s.maintenance }),
      ...(s.masterInfo === undefined ? {} : { masterInfo: s.masterInfo }),
    });
    // The stored values were copied in by `commit` and are never changed in place; copying the
    // entries (which the registrar mutates) is enough to keep the "disk" private.
    return { state: cloneRegistryState(stored), version: s.version };
  }

  async commit(fromVersion: number, change: RegistryChange): Promise<void> {
    this.#checkOpen();
    const s = this.storage;
    if (s.version !== fromVersion) {
      throw new RegistryStoreError(
        "fenced",
        `registry version is ${s.version}, expected ${fromVersion}: another master wrote it`,
      );
    }
    // Copy before storing: the registrar keeps mutating its own objects afterwards.
    const copy = structuredClone(change);
    for (const [id, record] of copy.agents) {
      if (record === null) s.agents.delete(id);
      else s.agents.set(id, record);
    }
    for (const [role, weight] of copy.weights) {
      if (weight === null) s.weights.delete(role);
      else s.weights.set(role, weight);
    }
    for (const [role, quota] of copy.quotas) {
      if (quota === null) s.quotas.delete(role);
      else s.quotas.set(role, quota);
    }
    if (copy.maintenance !== undefined) s.maintenance = copy.maintenance;
    if (copy.masterInfo !== undefined) s.masterInfo = copy.masterInfo;
    s.version = fromVersion + 1;
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #checkOpen(): void {
    if (this.#closed) throw new RegistryStoreError("closed", "in_memory registry is closed");
  }
}
