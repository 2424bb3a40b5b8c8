// The registrar: serialises registry operations and batches those that arrive while a write is
// in flight into the next durable write, as Mesos's Registrar does. One registrar per backend.
import {
  applyRegistryOperation,
  cloneRegistryState,
  type RegistryApplyResult,
  type RegistryOperation,
  type RegistryState,
} from "../core/registry-state.ts";
import { changeFor, DirtyRows } from "./registry-rows.ts";
import {
  type RecoveredRegistry,
  type RegistryBackend,
  type RegistryKind,
  type RegistryStore,
  RegistryStoreError,
} from "./registry-store.ts";

/** Bound on operations in one durable batch; the rest wait for the next write. */
export const MAX_OPERATIONS_PER_BATCH = 10_000;

interface Pending {
  ops: readonly RegistryOperation[];
  resolve(results: RegistryApplyResult[]): void;
  reject(error: unknown): void;
}

export class Registrar implements RegistryStore {
  readonly kind: RegistryKind;
  readonly #backend: RegistryBackend;
  #state: RegistryState | undefined;
  #version = 0;
  #queue: Pending[] = [];
  #draining: Promise<void> | undefined;
  #failure: RegistryStoreError | undefined;
  #closed = false;

  constructor(backend: RegistryBackend) {
    this.#backend = backend;
    this.kind = backend.kind;
  }

  async recover(): Promise<RecoveredRegistry> {
    if (this.#closed) throw new RegistryStoreError("closed", "registry store is closed");
    if (this.#state !== undefined) throw new Error("registry recovered twice");
    const loaded = await this.#backend.load();
    this.#state = loaded.state;
    this.#version = loaded.version;
    return { state: cloneRegistryState(loaded.state), version: loaded.version };
  }

  apply(ops: readonly RegistryOperation[]): Promise<RegistryApplyResult[]> {
    if (this.#state === undefined) throw new Error("registry apply before recover");
    if (this.#closed) return Promise.reject(new RegistryStoreError("closed", "registry closed"));
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      this.#queue.push({ ops, resolve, reject });
      // Start on the next microtask so calls made in the same tick share one write.
      this.#draining ??= Promise.resolve().then(() => this.#drain());
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#draining;
    await this.#backend.close();
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#takeBatch();
        if (this.#failure !== undefined) {
          for (const pending of batch) pending.reject(this.#failure);
          continue;
        }
        await this.#write(batch);
        // The requests that arrived during the write (sqlite's fsync blocks the event loop)
        // are read before the next batch is taken, so they share one write: without this
        // yield each agent of a registration herd got a write (an fsync) of its own.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } finally {
      this.#draining = undefined;
    }
  }

  #takeBatch(): Pending[] {
    let count = 0;
    let taken = 0;
    while (taken < this.#queue.length) {
      count += this.#queue[taken]!.ops.length;
      taken++;
      if (count >= MAX_OPERATIONS_PER_BATCH) break;
    }
    return this.#queue.splice(0, taken);
  }

  async #write(batch: Pending[]): Promise<void> {
    const state = this.#state!;
    const dirty = new DirtyRows();
    const results = batch.map(({ ops }) =>
      ops.map((op) => {
        const result = applyRegistryOperation(state, op);
        if (result.changed) dirty.add(op);
        return result;
      }),
    );
    if (!dirty.empty) {
      try {
        await this.#backend.commit(this.#version, changeFor(state, dirty));
        this.#version++;
      } catch (error) {
        // The in-memory state is now ahead of the durable one, so this store can no longer
        // vouch for anything: fail it for good (Mesos's master aborts on a failed registry write).
        this.#failure =
          error instanceof RegistryStoreError && error.code === "fenced"
            ? error
            : new RegistryStoreError("failed", `registry write failed: ${describe(error)}`, {
                cause: error,
              });
        for (const pending of batch) pending.reject(this.#failure);
        return;
      }
    }
    batch.forEach((pending, i) => {
      pending.resolve(results[i]!);
    });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
