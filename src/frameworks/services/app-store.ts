// What the services framework persists (reference §1.11 "ZooKeeper layout", pain point §4.3):
// each app's current definition and its last MAX_APP_VERSIONS versions, deployments, instances
// and the framework id — each entity its own small record, versions pruned. One interface, two
// backends: memory (tests) and SQLite (a file under a directory; every write is committed
// before the call returns, so the API answers only after the change is durable).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import type { AppVersion } from "./app-json.ts";
import type { DeploymentSteps, RestartBounds } from "./deployment-plan.ts";
import type { Instance } from "./instance.ts";
import type { AppId } from "./path-id.ts";

/** Versions kept per app (Marathon's `--zk_max_versions`). */
export const MAX_APP_VERSIONS = 50;

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
}

export interface AppStore {
  frameworkId(): string | undefined;
  setFrameworkId(id: string): void;
  /** The current version of every app. */
  apps(): AppVersion[];
  /** Makes `v` the app's current version and adds it to its history (pruned). */
  putApp(v: AppVersion): void;
  /** Removes the app and its history. */
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
  close(): void;
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

export class MemoryAppStore implements AppStore {
  private fwId: string | undefined;
  private readonly current = new Map<AppId, AppVersion>();
  private readonly history = new Map<AppId, Map<string, AppVersion>>();
  private readonly deploymentMap = new Map<string, DeploymentRecord>();
  private readonly instanceMap = new Map<string, Instance>();

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
  }
  versions(id: AppId): string[] {
    return [...(this.history.get(id)?.keys() ?? [])].sort().reverse();
  }
  version(id: AppId, version: string): AppVersion | undefined {
    const v = this.history.get(id)?.get(version);
    return v === undefined ? undefined : clone(v);
  }
  deployments(): DeploymentRecord[] {
    return [...this.deploymentMap.values()].map(clone);
  }
  putDeployment(d: DeploymentRecord): void {
    this.deploymentMap.set(d.id, clone(d));
  }
  deleteDeployment(id: string): void {
    this.deploymentMap.delete(id);
  }
  instances(): Instance[] {
    return [...this.instanceMap.values()].map(clone);
  }
  putInstance(i: Instance): void {
    this.instanceMap.set(i.instanceId, clone(i));
  }
  deleteInstance(instanceId: string): void {
    this.instanceMap.delete(instanceId);
  }
  close(): void {}
}

/** The SQLite file's name under the given directory. */
export const SERVICES_DB_FILE = "services.sqlite";

export class SqliteAppStore implements AppStore {
  private readonly db: Database.Database;

  constructor(directory: string) {
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
  deployments(): DeploymentRecord[] {
    const rows = this.db.prepare("SELECT json FROM deployments").all() as { json: string }[];
    return rows.map((r) => JSON.parse(r.json) as DeploymentRecord);
  }
  putDeployment(d: DeploymentRecord): void {
    this.db
      .prepare("INSERT OR REPLACE INTO deployments (id, json) VALUES (?, ?)")
      .run(d.id, JSON.stringify(d));
  }
  deleteDeployment(id: string): void {
    this.db.prepare("DELETE FROM deployments WHERE id = ?").run(id);
  }
  instances(): Instance[] {
    const rows = this.db.prepare("SELECT json FROM instances").all() as { json: string }[];
    return rows.map((r) => JSON.parse(r.json) as Instance);
  }
  putInstance(i: Instance): void {
    this.db
      .prepare("INSERT OR REPLACE INTO instances (id, json) VALUES (?, ?)")
      .run(i.instanceId, JSON.stringify(i));
  }
  deleteInstance(instanceId: string): void {
    this.db.prepare("DELETE FROM instances WHERE id = ?").run(instanceId);
  }
  close(): void {
    this.db.close();
  }
}
