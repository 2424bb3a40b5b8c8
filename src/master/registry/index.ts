// Opening the master's registry (reference §5.8; the issue's `--registry=in_memory|sqlite|zk`).
import { MemoryRegistryBackend, type MemoryRegistryStorage } from "./memory-store.ts";
import { Registrar } from "./registrar.ts";
import type { RegistryKind, RegistryStore } from "./registry-store.ts";
import { registryPath, SqliteRegistryBackend } from "./sqlite-store.ts";
import { ZkRegistryBackend } from "./zk-store.ts";

export { MemoryRegistryBackend, MemoryRegistryStorage } from "./memory-store.ts";
export { MAX_OPERATIONS_PER_BATCH, Registrar } from "./registrar.ts";
export type {
  AgentRecord,
  LoadedRegistry,
  MaintenanceRecord,
  RecoveredRegistry,
  RegistryBackend,
  RegistryChange,
  RegistryKind,
  RegistryStore,
  RegistryStoreErrorCode,
} from "./registry-store.ts";
export { RegistryStoreError } from "./registry-store.ts";
export { REGISTRY_FILE_NAME, registryPath, SqliteRegistryBackend } from "./sqlite-store.ts";
export { ZkRegistryBackend, type ZkRegistryOptions } from "./zk-store.ts";

export type OpenRegistryOptions =
  | { kind: "sqlite"; workDir: string }
  /** `storage` lets a simulated master restart find the registry its predecessor wrote. */
  | { kind: "in_memory"; workDir?: string; storage?: MemoryRegistryStorage }
  /**
   * Replicated in ZooKeeper under `<path>/registry` (zk-store.ts), so whichever master is
   * elected recovers what the last leader wrote; stale writers are fenced by compare-and-set.
   */
  | {
      kind: "zk";
      connectString: string;
      path: string;
      digest?: string;
      sessionTimeoutMs?: number;
      connectTimeoutMs?: number;
    };

export const DEFAULT_REGISTRY_KIND: RegistryKind = "sqlite";

/**
 * Opens the registry. For sqlite the file is `<workDir>/registry.db`, created if absent; an
 * unreadable file rejects with a `RegistryStoreError` (code "corrupt" or "schema_too_new") that
 * says what to do, instead of a crash the supervisor would only repeat.
 */
export async function openRegistry(options: OpenRegistryOptions): Promise<RegistryStore> {
  switch (options.kind) {
    case "sqlite":
      return new Registrar(SqliteRegistryBackend.open(registryPath(options.workDir)));
    case "in_memory":
      return new Registrar(new MemoryRegistryBackend(options.storage));
    case "zk": {
      const { kind: _kind, ...zkOptions } = options;
      return new Registrar(await ZkRegistryBackend.open(zkOptions));
    }
  }
}
