// The sqlite registry backend (the default): one SQLite file, `<work_dir>/registry.db`.
//
// Durable before acknowledged: WAL journal with synchronous=FULL, so a commit has reached the disk
// when it returns. Incremental: each batch upserts or deletes only the rows it changed, in one
// transaction, so marking one agent unreachable in a registry of 50,000 writes one row (Mesos
// rewrites its whole registry per change; we do not have to). Fenced: the registry version is
// checked and bumped inside the same write transaction.
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import Database from "better-sqlite3";
import type { MasterInfo } from "../../wire/framework.ts";
import type { QuotaConfig } from "../core/registry-state.ts";
import { stateFromRows } from "./registry-rows.ts";
import {
  type AgentRecord,
  type LoadedRegistry,
  type MaintenanceRecord,
  type RegistryBackend,
  type RegistryChange,
  RegistryStoreError,
} from "./registry-store.ts";
import { migrate } from "./sqlite-schema.ts";

export const REGISTRY_FILE_NAME = "registry.db";

/** How long a write waits for another connection's lock before failing. */
export const SQLITE_BUSY_TIMEOUT_MS = 5_000;

export function registryPath(workDir: string): string {
  return join(workDir, REGISTRY_FILE_NAME);
}

const CORRUPT_CODES = new Set(["SQLITE_NOTADB", "SQLITE_CORRUPT"]);

function storeError(path: string, error: unknown): RegistryStoreError {
  if (error instanceof RegistryStoreError) return error;
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof code === "string" && CORRUPT_CODES.has(code)) {
    return new RegistryStoreError(
      "corrupt",
      `registry ${path} is not a readable SQLite database (${message}); ` +
        "restore it from a backup, or move it aside to start with an empty registry",
      { cause: error },
    );
  }
  return new RegistryStoreError("io", `registry ${path}: ${message}`, { cause: error });
}

interface AgentRow {
  id: string;
  status: AgentRecord["status"];
  record: string;
}

export class SqliteRegistryBackend implements RegistryBackend {
  readonly kind = "sqlite" as const;
  readonly path: string;
  readonly #db: Database.Database;
  readonly #write: (fromVersion: number, change: RegistryChange) => void;

  /** Opens (creating if needed) the registry file and brings its schema up to date. */
  static open(path: string, nowMs: number = Date.now()): SqliteRegistryBackend {
    let db: Database.Database | undefined;
    try {
      mkdirSync(dirname(path), { recursive: true });
      db = new Database(path);
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = FULL");
      db.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
      const check = db.pragma("quick_check", { simple: true });
      if (check !== "ok") {
        throw new RegistryStoreError(
          "corrupt",
          `registry ${path} failed SQLite's integrity check (${String(check)}); ` +
            "restore it from a backup, or move it aside to start with an empty registry",
        );
      }
      migrate(db, path, nowMs);
      return new SqliteRegistryBackend(path, db);
    } catch (error) {
      db?.close();
      throw storeError(path, error);
    }
  }

  private constructor(path: string, db: Database.Database) {
    this.path = path;
    this.#db = db;
    const readVersion = db.prepare("SELECT value FROM meta WHERE key = 'registry_version'");
    const setMeta = db.prepare(
      "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    );
    const upsertAgent = db.prepare(
      "INSERT INTO agents (id, status, record) VALUES (?, ?, ?) " +
        "ON CONFLICT (id) DO UPDATE SET status = excluded.status, record = excluded.record",
    );
    const deleteAgent = db.prepare("DELETE FROM agents WHERE id = ?");
    const upsertWeight = db.prepare(
      "INSERT INTO weights (role, weight) VALUES (?, ?) " +
        "ON CONFLICT (role) DO UPDATE SET weight = excluded.weight",
    );
    const deleteWeight = db.prepare("DELETE FROM weights WHERE role = ?");
    const upsertQuota = db.prepare(
      "INSERT INTO quotas (role, config) VALUES (?, ?) " +
        "ON CONFLICT (role) DO UPDATE SET config = excluded.config",
    );
    const deleteQuota = db.prepare("DELETE FROM quotas WHERE role = ?");

    const write = db.transaction((fromVersion: number, change: RegistryChange) => {
      const stored = Number((readVersion.get() as { value: string }).value);
      if (stored !== fromVersion) {
        throw new RegistryStoreError(
          "fenced",
          `registry ${path} is at version ${stored}, expected ${fromVersion}: another master wrote it`,
        );
      }
      for (const [id, record] of change.agents) {
        if (record === null) deleteAgent.run(id);
        else upsertAgent.run(id, record.status, JSON.stringify(record.agent));
      }
      for (const [role, weight] of change.weights) {
        if (weight === null) deleteWeight.run(role);
        else upsertWeight.run(role, weight);
      }
      for (const [role, quota] of change.quotas) {
        if (quota === null) deleteQuota.run(role);
        else upsertQuota.run(role, JSON.stringify(quota));
      }
      if (change.maintenance !== undefined) {
        setMeta.run("maintenance", JSON.stringify(change.maintenance));
      }
      if (change.masterInfo !== undefined) {
        setMeta.run("master_info", JSON.stringify(change.masterInfo));
      }
      setMeta.run("registry_version", String(fromVersion + 1));
    });
    // IMMEDIATE takes the write lock before reading the version, so the check-and-bump is atomic.
    this.#write = (fromVersion, change) => write.immediate(fromVersion, change);
  }

  async load(): Promise<LoadedRegistry> {
    const db = this.#checkOpen();
    try {
      return db.transaction(() => this.#readAll(db))();
    } catch (error) {
      throw storeError(this.path, error);
    }
  }

  async commit(fromVersion: number, change: RegistryChange): Promise<void> {
    this.#checkOpen();
    try {
      this.#write(fromVersion, change);
    } catch (error) {
      throw storeError(this.path, error);
    }
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }

  #checkOpen(): Database.Database {
    if (!this.#db.open) throw new RegistryStoreError("closed", `registry ${this.path} is closed`);
    return this.#db;
  }

  #readAll(db: Database.Database): LoadedRegistry {
    const meta = new Map<string, string>();
    for (const row of db.prepare("SELECT key, value FROM meta").all() as {
      key: string;
      value: string;
    }[]) {
      meta.set(row.key, row.value);
    }
    const version = Number(meta.get("registry_version"));
    if (!Number.isSafeInteger(version) || version < 0) {
      throw this.#corrupt("meta row registry_version is not a version number");
    }
    const agents: [string, AgentRecord][] = [];
    for (const row of db
      .prepare("SELECT id, status, record FROM agents")
      .iterate() as Iterable<AgentRow>) {
      agents.push([
        row.id,
        { status: row.status, agent: this.#json(`agent ${row.id}`, row.record) } as AgentRecord,
      ]);
    }
    const weights = db.prepare("SELECT role, weight FROM weights").all() as {
      role: string;
      weight: number;
    }[];
    const quotas = db.prepare("SELECT role, config FROM quotas").all() as {
      role: string;
      config: string;
    }[];
    const maintenance = meta.get("maintenance");
    const masterInfo = meta.get("master_info");
    try {
      const state = stateFromRows({
        agents,
        weights: weights.map((w): [string, number] => [w.role, w.weight]),
        quotas: quotas.map((q): [string, QuotaConfig] => [
          q.role,
          this.#json(`quota ${q.role}`, q.config),
        ]),
        ...(maintenance === undefined
          ? {}
          : { maintenance: this.#json<MaintenanceRecord>("maintenance", maintenance) }),
        ...(masterInfo === undefined
          ? {}
          : { masterInfo: this.#json<MasterInfo>("master info", masterInfo) }),
      });
      return { state, version };
    } catch (error) {
      if (error instanceof RegistryStoreError) throw error;
      throw this.#corrupt(error instanceof Error ? error.message : String(error));
    }
  }

  #json<T>(what: string, text: string): T {
    try {
      return JSON.parse(text) as T;
    } catch {
      throw this.#corrupt(`${what} is not valid JSON`);
    }
  }

  #corrupt(detail: string): RegistryStoreError {
    return new RegistryStoreError(
      "corrupt",
      `registry ${this.path} holds an unreadable row (${detail}); ` +
        "restore it from a backup, or move it aside to start with an empty registry",
    );
  }
}
