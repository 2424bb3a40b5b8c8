// The in_memory registry backend (Mesos's `--registry=in_memory`): for tests and simulations.
// Nothing survives the process, but a `MemoryRegistryStorage` handed to several stores in turn
// survives a simulated master restart, like a disk would.

import { cloneRegistryState } from "../core/registry-state.ts";
import { RowMaps, stateFromRows } from "./registry-rows.ts";
import type { LoadedRegistry, RegistryBackend, RegistryChange } from "./registry-store.ts";
import { RegistryStoreError } from "./registry-store.ts";

/** The "disk" of the in_memory backend: rows by key, copied in and out so nothing aliases. */
export class MemoryRegistryStorage extends RowMaps {
  version = 0;
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
    const stored = stateFromRows(s);
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
    s.apply(structuredClone(change));
    s.version = fromVersion + 1;
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #checkOpen(): void {
    if (this.#closed) throw new RegistryStoreError("closed", "in_memory registry is closed");
  }
}
