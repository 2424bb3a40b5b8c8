// What the services framework persists (reference §1.11 "ZooKeeper layout", pain point §4.3):
// each app's current definition and its last MAX_APP_VERSIONS versions, deployments, instances
// each app's last task failure (task-failures.ts) and the framework id — each entity its own
// small record, versions pruned. One interface, two
// backends: memory (tests) and SQLite (a file under a directory; every write is committed
// before the call returns, so the API answers only after the change is durable).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { type AppVersion, MAX_APP_VERSIONS } from "./app-json.ts";
import type { AuroraUpdate } from "./aurora-update.ts";
import type { DeploymentSteps, RestartBounds } from "./deployment-plan.ts";
import type { Instance } from "./instance.ts";
import type { AppId } from "./path-id.ts";
import type { TaskFailure } from "./task-failures.ts";

export { MAX_APP_VERSIONS };

export interface DeploymentRecord {
  readonly id: string;
  readonly version: string;
  readonly affectedApps: AppId[];
  readonly steps: DeploymentSteps;
  /** 0-based index of the step being executed. */
  currentStep: number;
  /** The apps as they were before (absent = did not exist), for a revert. */
  readonly original: Partial<Record<AppId, AppVersion>>;
  /** The apps as the deployment makes them (absent = removed). */
  readonly target: Partial<Record<AppId, AppVersion>>;
  /** Rolling-restart numbers fixed when each RestartApplication began. */
  readonly restartBounds: Partial<Record<AppId, RestartBounds>>;
  /** Why the current step cannot finish yet, per app. */
  waiting: Partial<Record<AppId, string>>;
  /** Tessera: new-version instances that failed within the watch period, per app. */
  watchFailures: Partial<Record<AppId, number>>;
  /** Tessera: Aurora update control per app (aurora-update.ts); absent in older records. */
  updates?: Partial<Record<AppId, AuroraUpdate>>;
}

export interface AppStore {
  frameworkId(): string | undefined;
  setFrameworkId(id: string): void;
  /** The current version of every app. */
  apps(): AppVersion[];
  /** Makes `v` the app's current version and adds it to its history (pruned). */
  putApp(v: AppVersion): void;
  /** Removes the app, its history and its last task failure. */
  deleteApp(id: AppId): void;
  /** Stored version ids of an app, newest first. */
  versions(id: AppId): string[];
  version(id: AppId, version: string): AppVersion | undefined;
  deployments(): DeploymentRecord[];
  putDeployment(d: DeploymentRecord): void;
  deleteDeployment(id: string): void;
  instances(): Instance[];
  putInstance(i: Instance): void;
  deleteInstance(instanceId: string): void;
  /** Every app's last task failure. */
  taskFailures(): TaskFailure[];
  /** Replaces the app's last task failure. */
  putTaskFailure(f: TaskFailure): void;
  close(): void;
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** The records kept whole, by id, one table (or znode directory) each. */
export interface StoredRecords {
  deployments: DeploymentRecord;
  instances: Instance;
  failures: TaskFailure;
}

export type RecordKind = keyof StoredRecords;

export const RECORD_KINDS: readonly RecordKind[] = ["deployments", "instances", "failures"];

/** The id a record is kept under. */
export function recordId(kind: RecordKind, record: StoredRecords[RecordKind]): string {
  if (kind === "deployments") return (record as DeploymentRecord).id;
  if (kind === "failures") return (record as TaskFailure).appId;
  return (record as Instance).instanceId;
}

/**
 * The AppStore methods of the records kept by id, built once over three operations that every
 * backend provides for any kind: the same logic serves deployments and instances.
 */
abstract class RecordStore {
  protected abstract listRecords<K extends RecordKind>(kind: K): StoredRecords[K][];
  protected abstract putRecord(kind: RecordKind, record: StoredRecords[RecordKind]): void;
  protected abstract deleteRecord(kind: RecordKind, id: string): void;

  deployments(): DeploymentRecord[] {
    return this.listRecords("deployments");
  }
  instances(): Instance[] {
    return this.listRecords("instances");
  }
  putDeployment(d: DeploymentRecord): void {
    this.putRecord("deployments", d);
  }
  putInstance(i: Instance): void {
    this.putRecord("instances", i);
  }
  deleteDeployment(id: string): void {
    this.deleteRecord("deployments", id);
  }
  deleteInstance(instanceId: string): void {
    this.deleteRecord("instances", instanceId);
  }
  taskFailures(): TaskFailure[] {
    return this.listRecords("failures");
  }
  putTaskFailure(f: TaskFailure): void {
    this.putRecord("failures", f);
  }
}

export class MemoryAppStore extends RecordStore implements AppStore {
  private fwId: string | undefined;
  private readonly current = new Map<AppId, AppVersion>();
  private readonly history = new Map<AppId, Map<string, AppVersion>>();
  private readonly records: { readonly [K in RecordKind]: Map<string, StoredRecords[K]> } = {
    deployments: new Map(),
    instances: new Map(),
    failures: new Map(),
  };

  frameworkId(): string | undefined {
    return this.fwId;
  }
  setFrameworkId(id: string): void {
    this.fwId = id;
  }
  apps(): AppVersion[] {
    return [...this.current.values()].map(clone);
  }
  putApp(v: AppVersion): void {
    this.current.set(v.app.id as AppId, clone(v));
    const versions = this.history.get(v.app.id as AppId) ?? new Map<string, AppVersion>();
    versions.set(v.version, clone(v));
    const ordered = [...versions.keys()].sort().reverse();
    for (const old of ordered.slice(MAX_APP_VERSIONS)) versions.delete(old);
    this.history.set(v.app.id as AppId, versions);
  }
  deleteApp(id: AppId): void {
    this.current.delete(id);
    this.history.delete(id);
    this.deleteRecord("failures", id);
  }
  versions(id: AppId): string[] {
    return [...(this.history.get(id)?.keys() ?? [])].sort().reverse();
  }
  version(id: AppId, version: string): AppVersion | undefined {
    const v = this.history.get(id)?.get(version);
    return v === undefined ? undefined : clone(v);
  }
  protected listRecords<K extends RecordKind>(kind: K): StoredRecords[K][] {
    return [...this.records[kind].values()].map(clone) as StoredRecords[K][];
  }
  protected putRecord(kind: RecordKind, record: StoredRecords[RecordKind]): void {
    (this.records[kind] as Map<string, unknown>).set(recordId(kind, record), clone(record));
  }
  protected deleteRecord(kind: RecordKind, id: string): void {
    this.records[kind].delete(id);
  }
  close(): void {}
}

/** The SQLite file's name under the given directory. */
export const SERVICES_DB_FILE = "services.sqlite";

export class SqliteAppStore extends RecordStore implements AppStore {
  private readonly db: Database.Database;

  constructor(directory: string) {
    super();
    mkdirSync(directory, { recursive: true });
    this.db = new Database(join(directory, SERVICES_DB_FILE));
    // WAL + synchronous=FULL: a committed write survives a crash (durable before we answer).
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = FULL");
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS apps (id TEXT PRIMARY KEY, json TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS app_versions (
        id TEXT NOT NULL, version TEXT NOT NULL, json TEXT NOT NULL, PRIMARY KEY (id, version));
      CREATE TABLE IF NOT EXISTS deployments (id TEXT PRIMARY KEY, json TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS instances (id TEXT PRIMARY KEY, json TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS failures (id TEXT PRIMARY KEY, json TEXT NOT NULL);
    `);
  }

  frameworkId(): string | undefined {
    const row = this.db.prepare("SELECT value FROM meta WHERE key = 'framework_id'").get() as
      | { value: string }
      | undefined;
    return row?.value;
  }
  setFrameworkId(id: string): void {
    this.db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('framework_id', ?)").run(id);
  }
  apps(): AppVersion[] {
    const rows = this.db.prepare("SELECT json FROM apps ORDER BY id").all() as { json: string }[];
    return rows.map((r) => JSON.parse(r.json) as AppVersion);
  }
  putApp(v: AppVersion): void {
    const json = JSON.stringify(v);
    this.db.transaction(() => {
      this.db.prepare("INSERT OR REPLACE INTO apps (id, json) VALUES (?, ?)").run(v.app.id, json);
      this.db
        .prepare("INSERT OR REPLACE INTO app_versions (id, version, json) VALUES (?, ?, ?)")
        .run(v.app.id, v.version, json);
      this.db
        .prepare(
          `DELETE FROM app_versions WHERE id = ? AND version NOT IN (
             SELECT version FROM app_versions WHERE id = ? ORDER BY version DESC LIMIT ?)`,
        )
        .run(v.app.id, v.app.id, MAX_APP_VERSIONS);
    })();
  }
  deleteApp(id: AppId): void {
    this.db.transaction(() => {
      this.db.prepare("DELETE FROM apps WHERE id = ?").run(id);
      this.db.prepare("DELETE FROM app_versions WHERE id = ?").run(id);
      this.db.prepare("DELETE FROM failures WHERE id = ?").run(id);
    })();
  }
  versions(id: AppId): string[] {
    const rows = this.db
      .prepare("SELECT version FROM app_versions WHERE id = ? ORDER BY version DESC")
      .all(id) as { version: string }[];
    return rows.map((r) => r.version);
  }
  version(id: AppId, version: string): AppVersion | undefined {
    const row = this.db
      .prepare("SELECT json FROM app_versions WHERE id = ? AND version = ?")
      .get(id, version) as { json: string } | undefined;
    return row === undefined ? undefined : (JSON.parse(row.json) as AppVersion);
  }
  // `kind` is one of RECORD_KINDS, each the name of its table.
  protected listRecords<K extends RecordKind>(kind: K): StoredRecords[K][] {
    const rows = this.db.prepare(`SELECT json FROM ${kind}`).all() as { json: string }[];
    return rows.map((r) => JSON.parse(r.json) as StoredRecords[K]);
  }
  protected putRecord(kind: RecordKind, record: StoredRecords[RecordKind]): void {
    this.db
      .prepare(`INSERT OR REPLACE INTO ${kind} (id, json) VALUES (?, ?)`)
      .run(recordId(kind, record), JSON.stringify(record));
  }
  protected deleteRecord(kind: RecordKind, id: string): void {
    this.db.prepare(`DELETE FROM ${kind} WHERE id = ?`).run(id);
  }
  close(): void {
    this.db.close();
  }
}
